package dev.quiesce.demo;

import dev.quiesce.Srcu;
import dev.quiesce.nio.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo as a process: SIGTERM ends the run with the table so far and removes its directory; a run
 * killed with SIGKILL leaves a marked directory that the next run removes. Each test starts a real JVM
 * on the module path (the jars or class directories of quiesce-core, quiesce-nio and quiesce-demo),
 * waits for its first progress line, and signals it: {@link ProcessHandle#destroy()} sends SIGTERM on
 * Linux (the handle's, not {@link Process#destroy()}: that one also closes the child's output, which
 * the test still reads), {@link Process#destroyForcibly()} SIGKILL. The timeouts are deadlock guards.
 */
class DemoSignalTest {

    @TempDir
    Path dir;

    /** A demo JVM whose output is read line by line. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final BufferedReader reader;
        final List<String> lines = new ArrayList<>();

        Child(Path base) throws IOException, URISyntaxException {
            String modulePath = Stream.of(Srcu.class, Volume.class, Demo.class)
                    .map(DemoSignalTest::location).collect(Collectors.joining(java.io.File.pathSeparator));
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-p", modulePath, "-m", "dev.quiesce.demo/dev.quiesce.demo.Demo",
                    "--duration", "600", "--writers", "2", "--dir", base.toString())
                    .redirectErrorStream(true).start();
            reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Reads until the first progress line (the run is writing and has taken a snapshot). */
        void awaitProgress() throws IOException {
            for (String line; (line = reader.readLine()) != null; ) {
                lines.add(line);
                if (line.matches(" +[0-9.]+ s  writes .*")) {
                    return;
                }
            }
            throw new AssertionError("the demo ended before its first progress line:\n" + String.join("\n", lines));
        }

        /** Reads to the end of its output, waits for its exit; returns everything it printed. */
        String rest() throws IOException, InterruptedException {
            for (String line; (line = reader.readLine()) != null; ) {
                lines.add(line);
            }
            process.waitFor();
            return String.join("\n", lines);
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private List<Path> runDirectories() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(RunDirectory.PREFIX)).sorted()
                    .collect(Collectors.toList());
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void sigtermPrintsTheTableSoFarAndRemovesTheRunsDirectory() throws Exception {
        try (Child child = new Child(dir)) {
            child.awaitProgress();
            assertEquals(1, runDirectories().size(), "the run's directory while it runs");
            assertTrue(child.process.toHandle().destroy());         // SIGTERM
            String out = child.rest();
            assertEquals(143, child.process.exitValue(), out);      // 128 + SIGTERM, the JVM's
            assertTrue(out.contains("\nResult (stopped by SIGINT or SIGTERM): "), out);
            assertTrue(out.matches("(?s).*\n  end +writers stopped at [0-9.]+ s \\(a signal\\); .*"), out);
            assertTrue(out.matches("(?s).*\n  snapshots +[1-9][0-9]* verified, 0 failed.*"), out);
            assertTrue(out.contains("\nPASS"), out);
            assertEquals(List.of(), runDirectories(), "the run's directory after SIGTERM");
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aDirectoryLeftBySigkillIsRemovedByTheNextRunAndNothingElse() throws Exception {
        Path left;
        long pid;
        try (Child child = new Child(dir)) {
            child.awaitProgress();
            pid = child.process.pid();
            child.process.destroyForcibly();                       // SIGKILL: no hook runs
            child.process.waitFor();
            List<Path> dirs = runDirectories();
            assertEquals(1, dirs.size(), dirs.toString());
            left = dirs.get(0);
        }
        String marker = Files.readString(left.resolve(RunDirectory.MARKER), StandardCharsets.UTF_8);
        assertTrue(marker.startsWith("pid " + pid + "\n"), marker);
        // Not leftovers: a directory whose process lives (this one), and one without the marker (--keep).
        Path alive = Files.createDirectory(dir.resolve(RunDirectory.PREFIX + "alive"));
        ProcessHandle self = ProcessHandle.current();
        Files.writeString(alive.resolve(RunDirectory.MARKER), "pid " + self.pid() + "\nstart "
                + self.info().startInstant().map(Instant::toString).orElse("-") + "\n");
        Path kept = Files.createDirectory(dir.resolve(RunDirectory.PREFIX + "kept"));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            status = Demo.run(new String[] {"--duration", "0.5", "--writers", "1", "--dir", dir.toString()}, out, out);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.startsWith("removed " + left + ", left by a demo run that was killed (pid " + pid + ")\n"), out);
        assertFalse(Files.exists(left), out);
        assertEquals(List.of(alive, kept), runDirectories());
    }
}
