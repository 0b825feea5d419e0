package dev.quiesce.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the command line may ask of a run, and that the run keeps to it: writes in flight within what
 * the rings hold, a run bounded by {@code --duration} however many writers, and a {@code --dir}
 * checked before anything is made. Real threads and files; the timeouts are deadlock guards only.
 */
class DemoLimitsTest {

    /** Small rings: 16 slots of 4096-byte records per file, so 32 writes in flight per writer at most. */
    private static final int SMALL_RING = 64 << 10;

    @TempDir
    Path dir;

    /** A run's status and what it printed to its out and its err. */
    private record Ran(int status, String out, String err) {
    }

    private static Ran run(int ringBytes, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Demo.run(args, ringBytes, o, e, false);
        }
        return new Ran(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private long entries(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    // --- --in-flight against the rings -------------------------------------------------------------

    /**
     * Regression: {@code --writers 256 --in-flight 1024} printed no progress line in 120 s. A writer's
     * two files held 512 slots of 4096-byte records, so every writer waited on busy slots and each
     * syncFs() behind ~110 000 write sections. More writes in flight than slots is now refused, with the
     * limit for the record size.
     */
    @Test
    void moreWritesInFlightThanTheRingsHoldIsABadOption() {
        Ran r = run(DemoRun.RING_BYTES, "--writers", "256", "--in-flight", "1024");
        assertEquals(2, r.status, r.err);
        assertTrue(r.err.contains("--in-flight: 1024 is more than a writer's files hold at --record-size 4096: at most 512"),
                r.err);
        Ran small = run(SMALL_RING, "--record-size", "4096", "--in-flight", "33");
        assertEquals(2, small.status, small.err);
        assertTrue(small.err.contains("at most 32 (2 files of 16 record slots)"), small.err);
        // The smallest ring: 16 slots of 1 MiB records per file.
        assertEquals(2, run(DemoRun.RING_BYTES, "--in-flight", "33", "--record-size", "1048576").status);
        Ran most = run(DemoRun.RING_BYTES, "--in-flight", "32", "--record-size", "1048576", "--help");
        assertEquals(0, most.status, most.err);
    }

    /**
     * The stall case at its limit: small rings, as many writes in flight as they hold, many writers.
     * Each writer keeps its rings full and laps onto slots whose last write may still be outstanding;
     * the run must still progress every second, pass, and end.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void asManyWritesInFlightAsTheRingsHoldStillProgress() throws IOException {
        Ran r = run(SMALL_RING, "--writers", "64", "--in-flight", "32", "--duration", "2.5", "--dir", dir.toString());
        assertEquals(0, r.status, r.out);
        assertTrue(r.out.contains("rings of 16 slots"), r.out);
        assertTrue(r.out.lines().anyMatch(l -> l.matches(" +[0-9.]+ s  writes +[1-9][0-9,]* .*")), r.out);
        assertTrue(r.out.contains("\nPASS"), r.out);
        assertEquals(0, entries(dir), "the run's directory was not deleted");
    }

    // --- --duration bounds the run -------------------------------------------------------------------

    /**
     * Regression: with 256 writers and {@code --in-flight 16} a 3 s run took 25 s: the writers ran until
     * the main thread had taken a snapshot for every second, each copying and checking hundreds of MiB.
     * Now the writers stop issuing at the deadline, snapshots stop there, and what follows is the drain
     * and one read of the files. The bound asserted here is generous (a busy 2-core machine).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aShortRunWithManyWritersEndsSoonAfterItsDuration() {
        long t0 = System.nanoTime();
        Ran r = run(128 << 10, "--writers", "256", "--in-flight", "16", "--duration", "2", "--dir", dir.toString());
        long took = System.nanoTime() - t0;
        assertEquals(0, r.status, r.out);
        assertTrue(r.out.contains("writers stopped at 2.00 s (the deadline)"), r.out);
        assertTrue(took < TimeUnit.SECONDS.toNanos(2 + 20), "a 2 s run took " + took / 1e9 + " s:\n" + r.out);
    }

    // --- --dir ---------------------------------------------------------------------------------------

    @Test
    void aDirThatIsAFileIsABadOption() throws IOException {
        Path file = Files.createFile(dir.resolve("passwd"));
        Ran r = run(DemoRun.RING_BYTES, "--dir", file.toString(), "--duration", "1");
        assertEquals(2, r.status, r.err + r.out);
        assertTrue(r.err.startsWith("quiesce demo: --dir " + file + ": not a directory\n"), r.err);
        assertEquals("", r.out);
        assertEquals(1, entries(dir));
    }

    @Test
    void aMistypedDirIsABadOptionAndNothingIsCreated() throws IOException {
        Path typo = dir.resolve("nonexistent").resolve("typo");
        Ran r = run(DemoRun.RING_BYTES, "--dir", typo.toString(), "--duration", "1");
        assertEquals(2, r.status, r.err + r.out);
        assertTrue(r.err.startsWith("quiesce demo: --dir " + typo + ": no such directory (it must exist"), r.err);
        assertFalse(Files.exists(dir.resolve("nonexistent")), "the demo created directories it was not asked for");
        assertEquals(0, entries(dir));
    }

    /** Regression: {@code --dir /proc} blamed /proc/quiesce-demo-…, a path the user never gave. */
    @Test
    void aDirWhereNothingCanBeMadeIsABadOptionNamingTheUsersPath() {
        Path proc = Path.of("/proc");
        assumeTrue(Files.isDirectory(proc.resolve("self")), "needs Linux's /proc");
        Ran r = run(DemoRun.RING_BYTES, "--dir", "/proc", "--duration", "1");
        assertEquals(2, r.status, r.err + r.out);
        assertTrue(r.err.startsWith("quiesce demo: --dir /proc: cannot make the run's directory in it ("), r.err);
        assertFalse(r.err.contains("/proc/"), r.err);
    }
}
