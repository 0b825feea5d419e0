package dev.quiesce.nio;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.spi.ToolProvider;

import static dev.quiesce.nio.VolumeTesting.DEADLINE_S;

/**
 * A child JVM running a program with the tracking provider installed from a jar on its class path,
 * and the test's view of its output (standard error merged into standard output).
 */
final class ChildJvm implements AutoCloseable {

    static final String PROVIDER_PROPERTY = "java.nio.file.spi.DefaultFileSystemProvider";

    final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer transcript = new StringBuffer();

    private ChildJvm(Process process) {
        this.process = process;
        Thread reader = new Thread(this::pump, "child " + process.pid() + " output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code java [jvmArgs] -cp providerJar:<this JVM's class path without quiesce-nio's
     * classes> mainClass args} with the provider installed over {@code roots}.
     */
    static ChildJvm start(Path javaHome, Path providerJar, String roots, List<String> jvmArgs, Class<?> mainClass,
            String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaHome.resolve("bin").resolve("java").toString());
        cmd.add("-D" + PROVIDER_PROPERTY + "=" + TrackingFileSystemProvider.class.getName());
        cmd.add("-D" + TrackingFileSystemProvider.VOLUMES_PROPERTY + "=" + roots);
        cmd.add("-Xshare:auto");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(childClassPath(providerJar));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        return new ChildJvm(pb.start());
    }

    /** The provider jar first, then this JVM's class path without the directory of quiesce-nio's classes. */
    static String childClassPath(Path providerJar) {
        Path mainClasses = mainClasses();
        List<String> entries = new ArrayList<>();
        entries.add(providerJar.toString());
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isEmpty() && !Path.of(e).toAbsolutePath().equals(mainClasses)) {
                entries.add(e);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** Where this JVM loaded quiesce-nio's classes from (target/classes in the build). */
    static Path mainClasses() {
        try {
            return Path.of(TrackingFileSystemProvider.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI()).toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Builds a jar of quiesce-nio's classes (with META-INF/versions when the build made them, as a
     * multi-release jar) with the JDK's {@code jar} tool.
     */
    static Path providerJar(Path dir) throws IOException {
        Path classes = mainClasses();
        if (!Files.isDirectory(classes)) {
            throw new AssertionError("quiesce-nio's classes are not a directory here: " + classes);
        }
        Path manifest = Files.writeString(dir.resolve("MANIFEST.MF"), "Multi-Release: true\n");
        Path jar = dir.resolve("quiesce-nio-provider.jar");
        ToolProvider tool = ToolProvider.findFirst("jar").orElseThrow(() -> new AssertionError("no jar tool"));
        StringWriter out = new StringWriter();
        int rc = tool.run(new PrintWriter(out), new PrintWriter(out), "--create", "--file", jar.toString(),
                "--manifest", manifest.toString(), "-C", classes.toString(), ".");
        if (rc != 0) {
            throw new AssertionError("jar failed (" + rc + "): " + out);
        }
        return jar;
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                transcript.append(line).append('\n');
                lines.add(line);
            }
        } catch (IOException e) {
            transcript.append("(reading failed: ").append(e).append(")\n");
        }
    }

    /** Returns the next line that matches, skipping others; fails after the deadline or at the child's end. */
    String awaitLine(Predicate<String> wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_S);
        for (;;) {
            long left = deadline - System.nanoTime();
            String line = lines.poll(Math.max(left, 0), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no line " + what + " within " + DEADLINE_S + " s (child "
                        + (process.isAlive() ? "alive" : "exited " + process.exitValue()) + "):\n" + transcript);
            }
            if (wanted.test(line)) {
                return line;
            }
        }
    }

    /** Closes the child's standard input and waits for it to exit. */
    int finish() throws InterruptedException, IOException {
        process.getOutputStream().close();
        if (!process.waitFor(DEADLINE_S, TimeUnit.SECONDS)) {
            throw new AssertionError("the child did not end:\n" + transcript);
        }
        return process.exitValue();
    }

    String transcript() {
        return transcript.toString();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
