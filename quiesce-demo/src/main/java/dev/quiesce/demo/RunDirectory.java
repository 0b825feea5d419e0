package dev.quiesce.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The directory of one run, {@code quiesce-demo-*} under a base directory, and the marker that lets
 * a later run remove it if this process is killed before it could.
 *
 * <p>The marker {@value #MARKER} holds the pid of the run's process and that process's start time.
 * {@link #removeLeftovers} deletes, under one base directory, every {@code quiesce-demo-*}
 * directory whose marker names a process that is no longer alive (no process with that pid, or one
 * that started at another time: the pid was reused). A directory without the marker — one kept
 * with {@code --keep}, or not made by the demo — is never touched, nor is one whose process lives.
 */
final class RunDirectory {

    /*
     * Implementation notes.
     *
     * The marker is written right after the directory is made, before anything else goes in; a
     * process killed between the two leaves an empty, unmarked directory, which is left alone (it
     * cannot be told from one that another process is just making). --keep removes the marker at
     * the end, so that a kept directory stays. A process start time that cannot be read (some
     * platforms) is written as "-", and then only a dead pid makes the directory a leftover.
     */

    static final String PREFIX = "quiesce-demo-";
    static final String MARKER = ".quiesce-demo-run";

    private final Path path;

    private RunDirectory(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** Makes a new run directory under {@code base} (which must exist) and marks it as this process's. */
    static RunDirectory create(Path base) throws IOException {
        Path dir = Files.createTempDirectory(base, PREFIX);
        ProcessHandle self = ProcessHandle.current();
        String start = self.info().startInstant().map(Instant::toString).orElse("-");
        Files.writeString(dir.resolve(MARKER), "pid " + self.pid() + "\nstart " + start + "\n",
                StandardCharsets.UTF_8);
        return new RunDirectory(dir);
    }

    /** Keeps the directory for good: removes the marker, so that no later run deletes it. */
    void keep() throws IOException {
        Files.deleteIfExists(path.resolve(MARKER));
    }

    /** Deletes the directory and everything in it. */
    void delete() throws IOException {
        deleteTree(path);
    }

    /**
     * Deletes the run directories under {@code base} left by demo processes that are gone; returns
     * one line per directory removed or that could not be removed.
     */
    static List<String> removeLeftovers(Path base) {
        List<String> said = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base, PREFIX + "*")) {
            for (Path dir : entries) {
                Path marker = dir.resolve(MARKER);
                if (!Files.isDirectory(dir) || !Files.isRegularFile(marker)) {
                    continue;
                }
                String owner = deadOwner(marker);
                if (owner == null) {
                    continue;
                }
                try {
                    deleteTree(dir);
                    said.add("removed " + dir + ", left by a demo run that was killed (" + owner + ")");
                } catch (IOException | UncheckedIOException e) {
                    said.add("could not remove " + dir + ", left by a killed demo run (" + owner + "): " + e);
                }
            }
        } catch (IOException e) {
            said.add("could not look for leftovers of killed runs in " + base + ": " + e);
        }
        return said;
    }

    /** "pid N" if the marker names a process that is gone, else null (alive, or an unreadable marker). */
    private static String deadOwner(Path marker) {
        long pid = -1;
        String start = null;
        try {
            for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
                if (line.startsWith("pid ")) {
                    pid = Long.parseLong(line.substring(4).trim());
                } else if (line.startsWith("start ")) {
                    start = line.substring(6).trim();
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;        // being written, or not ours: leave it
        }
        if (pid < 0) {
            return null;
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return "pid " + pid;
        }
        Optional<Instant> started = p.get().info().startInstant();
        if (start != null && !start.equals("-") && started.isPresent()) {
            try {
                if (!Instant.parse(start).equals(started.get())) {
                    return "pid " + pid + ", since reused";
                }
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
