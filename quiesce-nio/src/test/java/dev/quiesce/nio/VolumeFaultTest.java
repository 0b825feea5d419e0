package dev.quiesce.nio;

import dev.quiesce.Report;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.quiesce.nio.VolumeTesting.DEADLINE_S;
import static dev.quiesce.nio.VolumeTesting.bytes;
import static dev.quiesce.nio.VolumeTesting.get;
import static dev.quiesce.nio.VolumeTesting.onThread;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A volume over a file system that fails ({@link FaultyFileSystem}): a write that runs out of space
 * ({@code ENOSPC}) or meets a device error ({@code EIO}), and a {@code force} that fails.
 *
 * <p>What a failed write must leave behind, whichever way it was issued: its write section ended (a
 * later {@code syncFs()} and {@code freeze()} return), its freeze-protection and file permits
 * released (a later {@code truncate} of that file and a {@code freeze()} return), its file still
 * marked (the next {@code syncFs()} forces it: a failed write may have written part of its bytes,
 * and a failed {@code write(2)} may leave dirty pages), and the failure reported once.
 *
 * <p>"Reported once" means: the caller sees the failure exactly once (one exception from a blocking
 * write; one {@code failed} call and no {@code completed} from an async write; one failed
 * {@code Future}), and the volume's report handler sees nothing. A {@link Report} is for a failure
 * that has no caller to tell (a listener that threw, an executor that rejected a deferred write);
 * a failed write has one, and a second copy in the reports would be counted twice by anyone who
 * alerts on both.
 *
 * <p>Nothing here sleeps: each drain is proven by the order of events (the checks run after the
 * caller has seen the failure, or inside the caller's handler on the completion thread), and each
 * wait has a deadline that only guards against a hang.
 */
class VolumeFaultTest {

    @TempDir
    Path dir;

    private final FaultyFileSystem faulty = new FaultyFileSystem();
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Volume volume;

    @BeforeEach
    void open() throws IOException {
        volume = Volume.builder(faulty.wrap(dir)).name("faulty").reportHandler(reports::add).open();
    }

    @AfterEach
    void closeAll() throws Exception {
        faulty.clearFaults();
        for (AutoCloseable c : toClose) {
            c.close();
        }
        while (volume.isFrozen()) {
            volume.thaw();
        }
        volume.close(DEADLINE_S, TimeUnit.SECONDS);
    }

    /** The two write faults, each with the reason the kernel gives it. */
    enum Fault {
        NO_SPACE(FaultyFileSystem.NO_SPACE),
        IO_ERROR(FaultyFileSystem.IO_ERROR);

        final String reason;

        Fault(String reason) {
            this.reason = reason;
        }

        /** Lets {@code bytes} more bytes through (ENOSPC), or fails the next write outright (EIO). */
        void inject(FaultyFileSystem fs, long bytes) {
            if (this == NO_SPACE) {
                fs.noSpaceAfter(bytes);
            } else {
                fs.failWrites(true);
            }
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    /** The plain (faulty file system) path of a file of the volume. */
    private Path plain(String name) {
        return volume.directory().resolve(name);
    }

    private static String reason(Throwable e) {
        return e instanceof FileSystemException ? ((FileSystemException) e).getReason() : e.getMessage();
    }

    /**
     * What a failed write must leave behind, checked after the caller saw the failure: syncFs()
     * returns (it waits for every section begun before it, the failed write's included) and forces
     * the file (the mark was kept); truncate() of the file returns (it takes the file's permit
     * exclusive); freeze() returns (it takes freeze protection exclusive). Returns what the
     * syncFs forced. Runs on the calling thread: the caller decides where (a handler's thread
     * proves END came first).
     */
    private int drainAfterFailure(String name) throws Exception {
        int before = faulty.forces(plain(name));
        volume.syncFs();
        int forced = faulty.forces(plain(name)) - before;
        volume.truncate(volume.path(name), 0);
        volume.freeze();
        volume.thaw();
        return forced;
    }

    /** {@link #drainAfterFailure} on another thread, with a deadline that only guards against a hang. */
    private void assertFailedWriteLeftNothingBehind(String name) throws Exception {
        faulty.clearFaults();
        Thread[] t = new Thread[1];
        CompletableFuture<Integer> drained = onThread("after the failure", () -> drainAfterFailure(name), t);
        assertEquals(1, get(drained), "the next syncFs() did not force the file of the failed write exactly once");
        assertEquals(List.of(), reports, "a failed write was also sent to the report handler");
    }

    /** A file of the volume with content, synced: no mark is left before the fault. */
    private Path syncedFile(String name) throws Exception {
        Path file = volume.path(name);
        Files.write(file, new byte[] {1, 2, 3, 4});
        volume.syncFs();
        return file;
    }

    // --- the tests -------------------------------------------------------------------------------

    /** A blocking {@code FileChannel} write that fails ends its section, releases, keeps its mark. */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailedChannelWriteEndsReleasesAndKeepsItsMark(Fault fault) throws Exception {
        Path file = syncedFile("a.dat");
        FileChannel ch = FileChannel.open(file, WRITE);
        toClose.add(ch);
        fault.inject(faulty, 0);

        IOException e = assertThrows(IOException.class, () -> ch.write(bytes(8, (byte) 9), 0));
        assertEquals(fault.reason, reason(e));
        assertEquals(1, faulty.failedWrites());
        assertFailedWriteLeftNothingBehind("a.dat");

        int before = faulty.forces(plain("a.dat"));
        assertEquals(2, ch.write(bytes(2, (byte) 7), 0), "the channel is usable once the fault is gone");
        volume.syncFs();
        assertEquals(before + 1, faulty.forces(plain("a.dat")), "the write after the fault was not forced");
    }

    /**
     * {@code Files.write} that runs out of space after part of its bytes (a short write, then ENOSPC
     * on the next) or meets EIO: one exception, the part written stays, and the file is forced next.
     */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailedFilesWriteEndsReleasesAndKeepsItsMark(Fault fault) throws Exception {
        syncedFile("a.dat");
        fault.inject(faulty, 3);

        IOException e = assertThrows(IOException.class, () -> Files.write(volume.path("a.dat"), new byte[] {5, 6, 7, 8, 9}));
        assertEquals(fault.reason, reason(e));
        byte[] left = Files.readAllBytes(plain("a.dat"));
        assertArrayEquals(fault == Fault.NO_SPACE ? new byte[] {5, 6, 7} : new byte[0], left,
                "what the failed write left");
        assertFailedWriteLeftNothingBehind("a.dat");
    }

    /**
     * An async write that fails calls {@code failed} once, never {@code completed}, and ENDs before
     * it: inside the handler, on the completion thread, syncFs(), truncate() and freeze() return —
     * they could not if the failed write still held its section or its permits, since nothing else
     * could end it while the handler runs.
     */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailedAsyncWriteEndsBeforeItsHandlerWhichRunsOnce(Fault fault) throws Exception {
        Path file = syncedFile("a.dat");
        AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, WRITE);
        toClose.add(ch);
        fault.inject(faulty, 0);

        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        CompletableFuture<Integer> drainedInHandler = new CompletableFuture<>();
        ch.write(bytes(8, (byte) 9), 0, "attachment", new CompletionHandler<Integer, String>() {
            @Override
            public void completed(Integer result, String attachment) {
                completed.incrementAndGet();
            }

            @Override
            public void failed(Throwable exc, String attachment) {
                failed.incrementAndGet();
                failure.complete(exc);
                try {
                    drainedInHandler.complete(drainAfterFailure("a.dat"));
                } catch (Throwable t) {
                    drainedInHandler.completeExceptionally(t);
                }
            }
        });
        assertEquals(fault.reason, reason(get(failure)));
        assertEquals(1, get(drainedInHandler), "syncFs() in the handler did not force the failed write's file");

        faulty.clearFaults();
        assertEquals(2, get(ch.write(bytes(2, (byte) 7), 0)), "the channel is usable once the fault is gone");
        volume.syncFs();
        assertEquals(1, failed.get(), "failed() calls");
        assertEquals(0, completed.get(), "completed() calls for the failed write");
        assertEquals(List.of(), reports, "a failed write was also sent to the report handler");
    }

    /** The {@code Future} form: the future fails once with the fault; afterwards nothing is held. */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFailedAsyncWriteFailsItsFutureAndLeavesNothingBehind(Fault fault) throws Exception {
        Path file = syncedFile("a.dat");
        AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, WRITE);
        toClose.add(ch);
        fault.inject(faulty, 0);

        Future<Integer> w = ch.write(bytes(8, (byte) 9), 0);
        ExecutionException e = assertThrows(ExecutionException.class, () -> w.get(DEADLINE_S, TimeUnit.SECONDS));
        assertEquals(fault.reason, reason(e.getCause()));
        // The future completes on the completion thread after END: everything below is ordered after it.
        assertFailedWriteLeftNothingBehind("a.dat");
    }

    /**
     * An async write issued while the volume is frozen is deferred and issued from the volume's
     * executor on thaw; when that write then fails, the handler is called once, after END.
     */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void aDeferredAsyncWriteThatFailsAfterTheThawIsReportedOnceAndEnds(Fault fault) throws Exception {
        Path file = syncedFile("a.dat");
        AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, WRITE);
        toClose.add(ch);
        volume.freeze();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        ch.write(bytes(8, (byte) 9), 0, null, new CompletionHandler<Integer, Object>() {
            @Override
            public void completed(Integer result, Object attachment) {
                calls.incrementAndGet();
                failure.completeExceptionally(new AssertionError("completed " + result));
            }

            @Override
            public void failed(Throwable exc, Object attachment) {
                calls.incrementAndGet();
                failure.complete(exc);
            }
        });
        assertFalse(failure.isDone(), "a write while frozen must wait for the thaw");
        fault.inject(faulty, 0);
        volume.thaw();
        assertEquals(fault.reason, reason(get(failure)));
        assertFailedWriteLeftNothingBehind("a.dat");
        assertEquals(1, calls.get(), "handler calls");
    }

    /**
     * A failing force makes syncFs() (and freeze(), which forces too) throw the device's error and
     * keeps every mark: the next syncFs() with the fault gone forces the files. freeze(), thaw() and
     * close() work afterwards.
     */
    @Test
    void aFailingForceMakesSyncFsThrowAndKeepsTheMarkForTheNextSyncFs() throws Exception {
        Files.write(volume.path("a.dat"), new byte[] {1});
        Files.write(volume.path("b.dat"), new byte[] {2});
        faulty.failForce(true);

        IOException e = assertThrows(IOException.class, volume::syncFs);
        assertEquals(FaultyFileSystem.IO_ERROR, reason(e));
        IOException again = assertThrows(IOException.class, volume::syncFs);
        assertEquals(FaultyFileSystem.IO_ERROR, reason(again), "the second syncFs() tried the marks again");
        IOException frozen = assertThrows(IOException.class, volume::freeze);
        assertEquals(FaultyFileSystem.IO_ERROR, reason(frozen));
        assertFalse(volume.isFrozen(), "a freeze whose force failed left the volume frozen");
        Files.write(volume.path("c.dat"), new byte[] {3});      // not frozen: writes go on
        assertEquals(0, faulty.forces(plain("a.dat")) + faulty.forces(plain("b.dat")));

        faulty.failForce(false);
        volume.syncFs();
        for (String name : List.of("a.dat", "b.dat", "c.dat")) {
            assertEquals(1, faulty.forces(plain(name)), name + " forced by the syncFs() after the fault");
        }
        assertTrue(faulty.forces(volume.directory()) >= 1, "the root directory (new entries) forced");
        volume.syncFs();
        assertEquals(1, faulty.forces(plain("a.dat")), "a forced mark is gone");
        volume.freeze();
        volume.thaw();
        volume.close();
        assertFalse(volume.isOpen());
        assertEquals(List.of(), reports, "a failed force was also sent to the report handler");
    }

    /**
     * Regression: a syncFs() whose forces fail tries each mark once. forceMarked() walked the live
     * key set of the marks while putting a failed mark back; ConcurrentHashMap's iterator may meet
     * such a key again, and the loop forced it again and again, adding a suppressed exception each
     * time, until the heap ran out (seen once in this class's failing-force test, in a full build).
     * It now walks copies of the keys.
     */
    @Test
    void aSyncFsWhoseForcesFailTriesEachMarkOnce() throws Exception {
        int files = 64;                          // many keys, so that some share a hash bin
        for (int i = 0; i < files; i++) {
            Files.write(volume.path("f" + i + ".dat"), new byte[] {(byte) i});
        }
        faulty.failForce(true);
        int before = faulty.failedForces();
        IOException e = assertThrows(IOException.class, volume::syncFs);
        assertEquals(files + 1, faulty.failedForces() - before, "each file and the root directory once");
        assertEquals(files, e.getSuppressed().length, "the first failure, the others suppressed");
        faulty.clearFaults();
        volume.syncFs();
        assertEquals(1, faulty.forces(plain("f0.dat")));
    }

    /**
     * close() with a failing force throws the device's error once, after closing everything: the
     * volume is closed and so are the channels opened through it.
     */
    @Test
    void closeWithAFailingForceStillClosesEverything() throws Exception {
        FileChannel ch = FileChannel.open(volume.path("a.dat"), CREATE, WRITE);
        AsynchronousFileChannel ach = AsynchronousFileChannel.open(volume.path("b.dat"), CREATE, WRITE);
        ch.write(bytes(4, (byte) 1));
        assertEquals(4, get(ach.write(bytes(4, (byte) 2), 0)));
        faulty.failForce(true);

        IOException e = assertThrows(IOException.class, volume::close);
        assertEquals(FaultyFileSystem.IO_ERROR, reason(e));
        assertFalse(volume.isOpen());
        assertFalse(ch.isOpen(), "a channel of the closed volume is open");
        assertFalse(ach.isOpen(), "a channel of the closed volume is open");
        assertEquals(List.of(), reports);
    }
}
