package dev.quiesce.nio;

import static dev.quiesce.nio.VolumeTesting.bytes;
import static dev.quiesce.nio.VolumeTesting.get;
import static dev.quiesce.nio.VolumeTesting.parkedOn;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import dev.quiesce.nio.VolumeTesting.Waiting;
import dev.quiesce.validate.Validator;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write protocol's quiet path (a write with no listener to tell and nothing to wait for:
 * {@code WriteProtocol.enterQuietly}): it allocates nothing, a freeze drains it through the write
 * domain's grace period (it holds no freeze protection), a write that begins while the volume is
 * frozen waits for the thaw, and it is counted as the general path is. The freeze/thaw stress of
 * quiet writers is the first half of {@link VolumeStressTest} (its watcher joins half-way).
 */
class VolumeQuietPathTest {

    private static final int WRITES = 50_000;

    @TempDir
    Path dir;
    private Volume volume;

    @BeforeEach
    void open() throws Exception {
        volume = Volume.builder(dir).name("quiet").open();
    }

    @AfterEach
    void close() throws Exception {
        if (volume.isFrozen()) {
            volume.thaw();
        }
        volume.close();
    }

    /**
     * Measured with HotSpot's per-thread allocation counter (reached reflectively, as the core's
     * AllocationTest does): what the JDK's own channel allocates for a write from a direct buffer
     * is nothing, and the volume's quiet path adds nothing.
     */
    @Test
    void aQuietBlockingWriteAllocatesNothing() throws Exception {
        assumeFalse(Validator.isEnabled(), "with validation on every write takes the tracked general path");
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        Method allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        ByteBuffer src = ByteBuffer.allocateDirect(64);
        try (FileChannel ch = FileChannel.open(volume.path("q.dat"), CREATE, WRITE)) {
            writeMany(ch, src);                     // warm up: let the JIT compile the path
            long base0 = (Long) allocated.invoke(bean);
            long base1 = (Long) allocated.invoke(bean);
            long overhead = base1 - base0;          // what one measurement costs by itself
            long start = (Long) allocated.invoke(bean);
            writeMany(ch, src);
            long used = (Long) allocated.invoke(bean) - start - overhead;
            System.out.println("quiet blocking writes: " + used + " bytes for " + WRITES);
            // Less than a byte per write: the general path allocates about 100 per write, while
            // a one-off allocation on this thread during the loop (seen once in the full suite:
            // 1408 bytes over 50 000 writes) is not a per-write cost.
            assertTrue(used < WRITES, used + " bytes allocated by " + WRITES + " writes through the volume");
        }
        VolumeStats s = volume.stats();
        assertEquals(2L * WRITES + 1, s.modificationsStarted(), "the create and one section per write");
        assertEquals(s.modificationsStarted(), s.modificationsEnded());
        assertEquals(1, s.dirtyFiles());
    }

    private static void writeMany(FileChannel ch, ByteBuffer src) throws Exception {
        for (int i = 0; i < WRITES; i++) {
            src.clear();
            ch.write(src, (i & 63) * 64L);
        }
    }

    /**
     * A quiet async write in flight holds no freeze protection, so the freeze takes it at once and
     * then drains the write in the write domain's grace period: it parks on the domain and returns
     * only after the write's END. A blocking write begun while frozen sees the flag, takes the
     * general path and waits for the thaw; its bytes land after it.
     */
    @Test
    void aFreezeDrainsQuietWritesAndBlocksNewOnesUntilTheThaw() throws Exception {
        Path f = volume.path("d.dat");
        Files.write(f, new byte[8]);
        HeldBackExecutor held = new HeldBackExecutor();
        try (AsynchronousFileChannel ach = AsynchronousFileChannel.open(f, Set.of(WRITE), held)) {
            Future<Integer> w = ach.write(bytes(8, (byte) 1), 0);
            held.awaitHeld(1);
            Waiting freezer = parkedOn("freezer", volume::freeze);
            assertFalse(freezer.result().isDone(), "the freeze returned with a write in flight");
            // With validation on there is no quiet path: the write holds freeze protection.
            Class<?> drainedBy = Validator.isEnabled() ? RwSemaphore.class : Srcu.class;
            Object blocker = LockSupport.getBlocker(freezer.thread());
            assertTrue(drainedBy.isInstance(blocker), "the freeze drains the write on " + blocker);
            held.releaseAllAndJoin();
            assertEquals(8, get(w));
            get(freezer.result());
            assertTrue(volume.isFrozen());
        } finally {
            held.shutdown();
        }

        Waiting writer = parkedOn("writer", () -> {
            try (FileChannel ch = FileChannel.open(f, WRITE)) {
                ch.write(bytes(8, (byte) 2), 0);
            }
        });
        assertFalse(writer.result().isDone(), "a write went through a frozen volume");
        assertArrayEquals(filled(8, (byte) 1), Files.readAllBytes(f), "the file changed while frozen");
        volume.thaw();
        get(writer.result());
        assertArrayEquals(filled(8, (byte) 2), Files.readAllBytes(f));
        assertEquals(1, volume.stats().waits());
    }

    /**
     * A freeze interrupted while it drains quiet writes leaves the volume writable: the flag is
     * lowered with the permit, and a later quiet write goes through at once.
     */
    @Test
    void anInterruptedFreezeLowersTheFlag() throws Exception {
        Path f = volume.path("i.dat");
        Files.write(f, new byte[8]);
        HeldBackExecutor held = new HeldBackExecutor();
        try (AsynchronousFileChannel ach = AsynchronousFileChannel.open(f, Set.of(WRITE), held)) {
            Future<Integer> w = ach.write(bytes(8, (byte) 1), 0);
            held.awaitHeld(1);
            Waiting freezer = parkedOn("freezer", volume::freeze);
            freezer.thread().interrupt();
            CompletableFuture<Object> r = freezer.result();
            Throwable failure = r.handle((v, t) -> t).get(VolumeTesting.DEADLINE_S, TimeUnit.SECONDS);
            assertTrue(failure instanceof InterruptedException, String.valueOf(failure));
            assertFalse(volume.isFrozen());
            try (FileChannel ch = FileChannel.open(f, READ, WRITE)) {
                assertEquals(4, ch.write(bytes(4, (byte) 3), 4), "a write after the interrupted freeze");
            }
            held.releaseAllAndJoin();
            assertEquals(8, get(w));
        } finally {
            held.shutdown();
        }
        assertEquals(0, volume.stats().waits(), "no write waited");
    }

    /**
     * Two nodes for one file: a write through a channel that was closed before the write's END
     * (an async write still held) marks the old node after a new channel's node was marked. That
     * mark replaces the new node in the dirty table; the new node's flag must then be cleared, or
     * every later write through the new channel would skip the table and no syncFs() would force
     * the file again. (Found in review of the per-node flag.)
     */
    @Test
    void aMarkThatReplacesAnotherNodeOfTheSameFileLeavesLaterWritesMarked() throws Exception {
        Path f = volume.path("n.dat");
        Files.write(f, new byte[8]);
        volume.syncFs();
        HeldBackExecutor held = new HeldBackExecutor();
        try {
            AsynchronousFileChannel old = AsynchronousFileChannel.open(f, Set.of(WRITE), held);
            Future<Integer> w = old.write(bytes(4, (byte) 1), 0);
            held.awaitHeld(1);
            old.close();                                     // its node goes; the write has not ended
            try (FileChannel ch = FileChannel.open(f, WRITE)) {
                ch.write(bytes(4, (byte) 2), 4);             // a new node, marked
                held.releaseAllAndJoin();                    // the old write ends (it fails: closed)
                assertThrowsExecution(w);
                volume.syncFs();                             // forces the file, takes its mark
                assertEquals(0, volume.stats().dirtyFiles());
                ch.write(bytes(4, (byte) 3), 4);             // must be marked again
                assertEquals(1, volume.stats().dirtyFiles(), "a write after the sync was not marked");
            }
        } finally {
            held.shutdown();
        }
    }

    private static void assertThrowsExecution(Future<?> f) throws Exception {
        try {
            f.get(VolumeTesting.DEADLINE_S, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            return;
        }
        // A channel that completes the write before it sees the close is as good for this test.
    }

    private static byte[] filled(int n, byte value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, value);
        return b;
    }
}
