package dev.quiesce.nio;

import dev.quiesce.Report;
import dev.quiesce.nio.VolumeTesting.ThrowingSupplier;
import dev.quiesce.nio.VolumeTesting.Waiting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.quiesce.nio.VolumeTesting.DEADLINE_S;
import static dev.quiesce.nio.VolumeTesting.awaitParkedOrDone;
import static dev.quiesce.nio.VolumeTesting.bytes;
import static dev.quiesce.nio.VolumeTesting.get;
import static dev.quiesce.nio.VolumeTesting.onThread;
import static dev.quiesce.nio.VolumeTesting.parkedOn;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Volume} on real files and real {@link AsynchronousFileChannel}s. Writes are held in flight
 * with a {@link HeldBackExecutor}: the plain channel runs each write and its completion as a task of
 * that executor, so a write has STARTed and not ENDed until the test releases the task.
 *
 * <p>"Does not return while X" is shown by ordering, not time: the test waits until the waiting
 * thread has parked (or ended, which a broken implementation would do), then ends X, then checks
 * that the wait returned only after X ended.
 */
class VolumeTest {

    @TempDir
    Path dir;

    private Volume volume;
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        volume = Volume.builder(dir).name("test").reportHandler(reports::add).open();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        if (volume.isFrozen()) {
            volume.thaw();
        }
        volume.close();
    }

    // --- helpers ---------------------------------------------------------------------------------

    private AsynchronousFileChannel heldChannel(Path file, HeldBackExecutor executor) throws IOException {
        AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, Set.of(WRITE, READ, CREATE), executor);
        toClose.add(ch);
        return ch;
    }


    // --- syncFs ----------------------------------------------------------------------------------

    @Test
    void syncFsWaitsForTheWriteInFlightAndNotForOneStartedAfterIt() throws Exception {
        Path file = volume.path("a.log");
        HeldBackExecutor first = new HeldBackExecutor();
        HeldBackExecutor later = new HeldBackExecutor();
        AsynchronousFileChannel a = heldChannel(file, first);
        AsynchronousFileChannel b = heldChannel(volume.path("b.log"), later);

        Path plainA = dir.resolve("a.log");
        Future<Integer> wa = a.write(bytes(4096, (byte) 1), 0);
        first.awaitHeld(1);
        List<Path> forced = new CopyOnWriteArrayList<>();
        volume.files().forceObserver = forced::add;

        Thread[] syncer = new Thread[1];
        CompletableFuture<Boolean> sync = onThread("syncer", () -> {
            volume.syncFs();
            return Files.size(plainA) == 4096;      // the held write ran before syncFs() returned
        }, syncer);
        awaitParkedOrDone(syncer[0]);
        assertFalse(sync.isDone(), "syncFs() returned while a write was in flight");

        Future<Integer> wb = b.write(bytes(10, (byte) 2), 0);   // started after syncFs(): not waited for
        later.awaitHeld(1);
        first.releaseOne();
        assertEquals(4096, get(wa));
        // syncFs() returns although b's write is still held in flight.
        assertTrue(sync.get(DEADLINE_S, TimeUnit.SECONDS), "syncFs() returned before the write ended");
        assertEquals(1, later.heldCount(), "b's write must still be in flight");
        assertTrue(forced.contains(dir.toRealPath().resolve("a.log")), () -> "forced: " + forced);
        assertFalse(forced.contains(dir.toRealPath().resolve("b.log")), () -> "forced: " + forced);

        later.releaseAllAndJoin();
        assertEquals(10, get(wb));
        forced.clear();
        volume.syncFs();
        assertEquals(List.of(dir.toRealPath().resolve("b.log")), forced);
        forced.clear();
        volume.syncFs();
        assertEquals(List.of(), forced, "nothing written since the last sync");
    }

    @Test
    void syncFsForcesFilesThatWereClosedSinceTheyWereWritten() throws Exception {
        List<Path> forced = new CopyOnWriteArrayList<>();
        volume.files().forceObserver = forced::add;
        Path file = volume.path("closed.txt");
        Files.writeString(file, "hello");          // open, write, close: the channel is gone
        Files.createDirectory(volume.path("sub"));
        volume.syncFs();
        Path real = dir.toRealPath();
        assertTrue(forced.contains(real.resolve("closed.txt")), () -> "forced: " + forced);
        assertTrue(forced.contains(real), () -> "the root's entries changed: " + forced);
    }

    // --- freeze ----------------------------------------------------------------------------------

    @Test
    void freezeDrainsTheWriteInFlightAndBlocksNewOnesUntilAThawFromAnotherThread() throws Exception {
        Path file = volume.path("f.log");
        HeldBackExecutor held = new HeldBackExecutor();
        AsynchronousFileChannel ch = heldChannel(file, held);
        Future<Integer> inFlight = ch.write(bytes(100, (byte) 7), 0);
        held.awaitHeld(1);

        Thread[] freezer = new Thread[1];
        CompletableFuture<Boolean> frozen = onThread("freezer", () -> {
            volume.freeze();
            return Files.size(dir.resolve("f.log")) == 100;     // the held write ran first
        }, freezer);
        awaitParkedOrDone(freezer[0]);
        assertFalse(frozen.isDone(), "freeze() returned while a write was in flight");
        held.releaseOne();
        assertEquals(100, get(inFlight));
        assertTrue(frozen.get(DEADLINE_S, TimeUnit.SECONDS), "freeze() returned before the write ended");
        assertTrue(volume.isFrozen());

        // A new blocking write waits; the try form refuses; an async write call returns at once.
        assertFalse(volume.tryWrite(file, bytes(1, (byte) 9), 0));
        Waiting writer = parkedOn("writer", () -> {
            try (FileChannel fc = FileChannel.open(file, WRITE)) {
                fc.write(bytes(100, (byte) 8), 0);
            }
        });
        CompletableFuture<Object> blocked = writer.result();
        assertFalse(blocked.isDone(), "a write went through a frozen volume");
        Future<Integer> deferred = ch.write(bytes(5, (byte) 6), 200);   // returns although frozen
        assertEquals(0, held.heldCount(), "the async write must not be issued while frozen");
        assertEquals(7, Files.readAllBytes(dir.resolve("f.log"))[0]);

        volume.thaw();                                                     // not the freezing thread
        assertFalse(volume.isFrozen());
        blocked.get(DEADLINE_S, TimeUnit.SECONDS);
        held.awaitHeld(1);
        held.releaseAllAndJoin();
        assertEquals(5, get(deferred));
        byte[] content = Files.readAllBytes(dir.resolve("f.log"));
        assertEquals(8, content[0]);
        assertEquals(6, content[200]);
    }

    @Test
    void freezesNestAndThawWithoutFreezeIsRefused() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class, volume::thaw);
        assertTrue(e.getMessage().contains("not frozen"), e.getMessage());
        Files.createFile(dir.resolve("x"));
        volume.freeze();
        volume.freeze();
        volume.thaw();
        assertTrue(volume.isFrozen(), "one freeze is still held");
        assertFalse(volume.tryWrite(volume.path("x"), bytes(1, (byte) 1), 0));
        volume.thaw();
        assertFalse(volume.isFrozen());
        assertTrue(volume.tryWrite(volume.path("x"), bytes(1, (byte) 1), 0));
        assertThrows(IllegalStateException.class, volume::thaw);
        assertFalse(volume.isFrozen());
    }

    @Test
    void aBlockedWriteCanBeInterruptedAndWritesNothing() throws Exception {
        Path file = volume.path("i.log");
        Files.write(file, new byte[] {1});
        volume.freeze();
        Waiting writer = parkedOn("writer", () -> {
            Files.write(file, new byte[] {2}, StandardOpenOption.APPEND);
        });
        CompletableFuture<Object> w = writer.result();
        writer.thread().interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> w.get(DEADLINE_S, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedIOException.class, e.getCause());
        // Issue 11: this named the volume's internal semaphore ("RwSemaphore[volume test freeze protection, …]").
        assertEquals("interrupted while waiting for volume test to thaw", e.getCause().getMessage());
        volume.thaw();
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("i.log")));
    }

    // --- watch -----------------------------------------------------------------------------------

    @Test
    void watchCannotReturnWhileAWriteThatMissedTheListenerIsInFlight() throws Exception {
        Path file = volume.path("w.log");
        HeldBackExecutor held = new HeldBackExecutor();
        AsynchronousFileChannel ch = heldChannel(file, held);
        Future<Integer> missed = ch.write(bytes(16, (byte) 1), 0);   // announced to nobody
        held.awaitHeld(1);

        List<Modification> seen = new CopyOnWriteArrayList<>();
        Thread[] watcher = new Thread[1];
        CompletableFuture<Boolean> watch = onThread("watcher", () -> {
            toClose.add(volume.watch(seen::add));
            return Files.size(dir.resolve("w.log")) == 16;      // the held write ran first
        }, watcher);
        awaitParkedOrDone(watcher[0]);
        assertFalse(watch.isDone(), "watch() returned while a write that missed it was in flight");
        held.releaseOne();
        assertEquals(16, get(missed));
        assertTrue(watch.get(DEADLINE_S, TimeUnit.SECONDS), "watch() returned before the write ended");
        assertEquals(List.of(), seen);

        Future<Integer> next = ch.write(bytes(32, (byte) 2), 64);
        held.awaitHeld(1);
        assertEquals(List.of(new Modification(Modification.Kind.WRITE, file, 64, 32, null)), seen,
                "announced at START, before the write ran");
        held.releaseAllAndJoin();
        assertEquals(32, get(next));
    }

    @Test
    void listenersSeeEveryKindOfModificationThroughFiles() throws Exception {
        List<Modification> seen = new CopyOnWriteArrayList<>();
        Watch w = volume.watch(seen::add);
        toClose.add(w);
        assertTrue(w.isActive());
        Path a = volume.path("a.txt");
        Path b = volume.path("b.txt");
        Files.write(a, "abc".getBytes(StandardCharsets.UTF_8));               // CREATE, WRITE (a new file needs no truncation)
        try (OutputStream out = Files.newOutputStream(a, StandardOpenOption.APPEND)) {
            out.write('d');
        }
        Files.copy(a, b);
        Path sub = Files.createDirectory(volume.path("sub"));
        Files.move(b, sub.resolve("b.txt"));
        Files.delete(sub.resolve("b.txt"));
        volume.truncate(a, 2);
        List<Modification.Kind> kinds = new ArrayList<>();
        for (Modification m : seen) {
            kinds.add(m.kind());
        }
        assertEquals(List.of(Modification.Kind.CREATE, Modification.Kind.WRITE, Modification.Kind.WRITE,
                Modification.Kind.COPY, Modification.Kind.CREATE, Modification.Kind.MOVE,
                Modification.Kind.DELETE, Modification.Kind.TRUNCATE), kinds, () -> "seen: " + seen);
        assertEquals(new Modification(Modification.Kind.WRITE, a, -1, 1, null), seen.get(2), "append: offset -1");
        assertEquals(new Modification(Modification.Kind.COPY, a, 0, 0, b), seen.get(3));
        assertEquals(new Modification(Modification.Kind.TRUNCATE, a, 2, 0, null), seen.get(7));
        assertEquals("ab", Files.readString(a));
        w.close();
        assertFalse(w.isActive());
        Files.write(a, new byte[] {1});
        assertEquals(8, seen.size(), "a closed watch receives nothing new");
    }

    @Test
    void aListenerThatThrowsIsReportedAndHarmsNoWriteAndNoOtherListener() throws Exception {
        List<Modification> second = new CopyOnWriteArrayList<>();
        toClose.add(volume.watch(m -> {
            throw new IllegalStateException("listener bug");
        }));
        toClose.add(volume.watch(second::add));
        Path file = volume.path("t.txt");
        Files.writeString(file, "data");
        assertEquals("data", Files.readString(file));
        assertEquals(2, second.size(), () -> "CREATE and WRITE: " + second);
        assertEquals(2, reports.size(), () -> "reports: " + reports);
        assertEquals(Report.Kind.CALLBACK_FAILED, reports.get(0).kind());
        assertEquals("listener bug", reports.get(0).cause().getMessage());
    }

    @Test
    void aListenerMayWriteAndItsWriteDoesNotHoldUpAPendingFreeze() throws Exception {
        Path source = volume.path("source.log");
        Path audit = volume.path("audit.log");
        Files.createFile(source);
        Files.createFile(audit);
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch frozen = new CountDownLatch(1);
        toClose.add(volume.watch(m -> {
            if (m.path().equals(source)) {
                inListener.countDown();
                try {
                    assertTrue(frozen.await(DEADLINE_S, TimeUnit.SECONDS));
                    Files.write(audit, ("saw " + m.kind()).getBytes(StandardCharsets.UTF_8));  // waits for the thaw
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }));
        Thread[] writer = new Thread[1];
        CompletableFuture<Object> w = onThread("writer", () -> {
            Files.write(source, new byte[] {42});
            return null;
        }, writer);
        assertTrue(inListener.await(DEADLINE_S, TimeUnit.SECONDS));
        volume.freeze();          // the announcing write holds no freeze protection: this returns
        frozen.countDown();
        awaitParkedOrDone(writer[0]);
        assertFalse(w.isDone());
        volume.thaw();
        w.get(DEADLINE_S, TimeUnit.SECONDS);
        assertArrayEquals(new byte[] {42}, Files.readAllBytes(dir.resolve("source.log")));
        assertEquals("saw WRITE", Files.readString(dir.resolve("audit.log")));
    }

    @Test
    void waitingCallsFromAListenerAreRefused() throws Exception {
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        toClose.add(volume.watch(m -> {
            for (ThrowingSupplier<?> call : List.<ThrowingSupplier<?>>of(
                    () -> { volume.syncFs(); return null; },
                    () -> volume.watch(x -> { }),
                    () -> { volume.close(); return null; })) {
                try {
                    call.get();
                } catch (Throwable t) {
                    refused.add(t);
                }
            }
        }));
        Files.write(volume.path("r.txt"), new byte[] {1});
        assertEquals(6, refused.size(), () -> "CREATE and WRITE, three refusals each: " + refused);
        for (Throwable t : refused) {
            assertInstanceOf(IllegalStateException.class, t);
        }
        assertTrue(volume.isOpen());
    }

    // --- END before the handler ------------------------------------------------------------------

    @Test
    void endRunsBeforeTheHandlerAndAHandlerMayWriteWhileAFreezeWaits() throws Exception {
        Path file = volume.path("h.log");
        HeldBackExecutor held = new HeldBackExecutor();
        AsynchronousFileChannel ch = heldChannel(file, held);
        CompletableFuture<Integer> second = new CompletableFuture<>();
        AtomicReference<Throwable> inHandler = new AtomicReference<>();
        CountDownLatch handlerReturned = new CountDownLatch(1);
        ch.write(bytes(8, (byte) 1), 0, null, new CompletionHandler<Integer, Object>() {
            @Override
            public void completed(Integer n, Object a) {
                try {
                    // END already ran: this write holds nothing, so a grace period does not wait for it...
                    volume.syncFs();
                    // ...and the next write does not block this thread although a freeze waits.
                    ch.write(bytes(8, (byte) 2), 8, null, new CompletionHandler<Integer, Object>() {
                        @Override
                        public void completed(Integer m, Object b) {
                            second.complete(m);
                        }

                        @Override
                        public void failed(Throwable exc, Object b) {
                            second.completeExceptionally(exc);
                        }
                    });
                } catch (Throwable t) {
                    inHandler.set(t);
                } finally {
                    handlerReturned.countDown();
                }
            }

            @Override
            public void failed(Throwable exc, Object a) {
                inHandler.set(exc);
                handlerReturned.countDown();
            }
        });
        held.awaitHeld(1);
        Waiting freezer = parkedOn("freezer", () -> {
            volume.freeze();
        });
        CompletableFuture<Object> freeze = freezer.result();
        held.releaseOne();
        assertTrue(handlerReturned.await(DEADLINE_S, TimeUnit.SECONDS), "the handler blocked");
        assertEquals(null, inHandler.get());
        freeze.get(DEADLINE_S, TimeUnit.SECONDS);
        assertEquals(0, held.heldCount(), "the handler's write waits for the thaw");
        volume.thaw();
        held.awaitHeld(1);
        held.releaseAllAndJoin();
        assertEquals(8, get(second));
    }

    // --- truncate --------------------------------------------------------------------------------

    @Test
    void truncateWaitsForTheFilesAsyncWriteInFlight() throws Exception {
        Path file = volume.path("t.log");
        HeldBackExecutor held = new HeldBackExecutor();
        AsynchronousFileChannel ch = heldChannel(file, held);
        Future<Integer> w = ch.write(bytes(4096, (byte) 3), 0);
        held.awaitHeld(1);
        Waiting truncator = parkedOn("truncator", () -> {
            volume.truncate(file, 0);
        });
        CompletableFuture<Object> t = truncator.result();
        assertFalse(t.isDone(), "truncate returned while a write to the file was in flight");
        held.releaseOne();
        assertEquals(4096, get(w));
        t.get(DEADLINE_S, TimeUnit.SECONDS);
        assertEquals(0, Files.size(dir.resolve("t.log")), "the truncation ran after the write, not before");

        // Channel truncation and growing with truncate(path, size) go through the same gate.
        volume.truncate(file, 100);
        assertEquals(100, Files.size(dir.resolve("t.log")));
        ch.truncate(10);
        assertEquals(10, ch.size());
    }

    /** Regression: an interrupted truncation kept its freeze protection, so the next freeze() hung. */
    @Test
    void anInterruptedTruncationReleasesEverythingItTook() throws Exception {
        Path file = volume.path("it.log");
        HeldBackExecutor held = new HeldBackExecutor();
        AsynchronousFileChannel ch = heldChannel(file, held);
        Future<Integer> w = ch.write(bytes(100, (byte) 4), 0);
        held.awaitHeld(1);
        Waiting truncator = parkedOn("truncator", () -> {
            volume.truncate(file, 0);
        });
        CompletableFuture<Object> t = truncator.result();
        truncator.thread().interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> t.get(DEADLINE_S, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedIOException.class, e.getCause());
        held.releaseAllAndJoin();
        assertEquals(100, get(w));
        Thread[] freezer = new Thread[1];
        onThread("freezer", () -> {
            volume.freeze();              // would wait for ever on a leaked freeze permit
            return null;
        }, freezer).get(DEADLINE_S, TimeUnit.SECONDS);
        volume.thaw();
        volume.syncFs();                  // would wait for ever on a leaked write section
        assertEquals(100, Files.size(dir.resolve("it.log")), "the interrupted truncation changed nothing");
    }

    // --- bad input and closing -------------------------------------------------------------------

    @Test
    void badRootsAreRefused() throws IOException {
        assertThrows(NoSuchFileException.class, () -> Volume.open(dir.resolve("missing")));
        Path file = Files.createFile(dir.resolve("plain-file"));
        assertThrows(NotDirectoryException.class, () -> Volume.open(file));
        assertThrows(NullPointerException.class, () -> Volume.open(null));
        assertThrows(IllegalArgumentException.class, () -> Volume.open(volume.root()));
    }

    @Test
    void badArgumentsAreRefusedAndChangeNothing() throws Exception {
        Path file = volume.path("b.bin");
        Files.write(file, new byte[] {1, 2, 3});
        assertThrows(IllegalArgumentException.class, () -> volume.truncate(file, -1));
        assertThrows(IllegalArgumentException.class, () -> volume.tryWrite(file, bytes(1, (byte) 0), -1));
        assertThrows(NoSuchFileException.class, () -> volume.truncate(volume.path("nope"), 0));
        assertThrows(IllegalArgumentException.class, () -> volume.path("..", "escape"));
        FileSystemException outside = assertThrows(FileSystemException.class,
                () -> Files.write(volume.fileSystem().getPath("/tmp/quiesce-outside"), new byte[] {1}));
        assertTrue(outside.getMessage().contains("outside the volume root"), outside.getMessage());
        assertThrows(ProviderMismatchException.class, () -> volume.truncate(dir.resolve("b.bin"), 0));
        assertThrows(NullPointerException.class, () -> volume.watch(null));
        try (FileChannel ro = FileChannel.open(file, READ)) {
            assertThrows(NonWritableChannelException.class, () -> ro.write(bytes(1, (byte) 0)));
            assertThrows(NonWritableChannelException.class, () -> ro.truncate(0));
        }
        FileChannel closed = FileChannel.open(file, WRITE);
        closed.close();
        assertThrows(ClosedChannelException.class, () -> closed.write(bytes(1, (byte) 0)));
        AsynchronousFileChannel closedAsync = AsynchronousFileChannel.open(file, WRITE);
        closedAsync.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(closedAsync.write(bytes(1, (byte) 0), 0)));
        assertInstanceOf(ClosedChannelException.class, e.getCause());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(dir.resolve("b.bin")));
        volume.syncFs();          // the counts are intact: a grace period completes
    }

    @Test
    void relativePathsAreRelativeToTheRootAndListingsStayOnTheVolume() throws Exception {
        Path rel = volume.fileSystem().getPath("dir", "f.txt");
        assertFalse(rel.isAbsolute());
        Files.createDirectory(rel.getParent());
        Files.writeString(rel, "x");
        assertEquals("x", Files.readString(dir.resolve("dir/f.txt")));
        assertEquals(volume.path("dir", "f.txt"), rel.toAbsolutePath());
        assertEquals(dir.toRealPath(), volume.directory());
        assertSame(dir.getFileSystem(), volume.directory().getFileSystem(), "the plain directory");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(volume.path("dir"))) {
            for (Path p : ds) {
                assertSame(volume.fileSystem(), p.getFileSystem());
                assertEquals(volume.path("dir", "f.txt"), p);
            }
        }
        assertEquals(List.of(volume.path("dir", "f.txt")),
                Files.walk(volume.root()).filter(Files::isRegularFile).toList());
    }

    @Test
    void closeWaitsForWritesInFlightAndRefusesEverythingAfter() throws Exception {
        Path file = volume.path("c.log");
        HeldBackExecutor held = new HeldBackExecutor();
        AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, Set.of(WRITE, CREATE), held);
        Future<Integer> w = ch.write(bytes(64, (byte) 5), 0);
        held.awaitHeld(1);
        assertFalse(volume.close(0, TimeUnit.SECONDS), "a write is in flight");
        assertFalse(volume.isOpen());
        assertThrows(ClosedFileSystemException.class, () -> Files.write(volume.path("new"), new byte[] {1}));
        assertThrows(ClosedFileSystemException.class, () -> volume.watch(m -> { }));
        ExecutionException refused = assertThrows(ExecutionException.class, () -> get(ch.write(bytes(1, (byte) 0), 0)));
        assertInstanceOf(ClosedChannelException.class, refused.getCause());
        held.releaseAllAndJoin();
        assertEquals(64, get(w));
        assertTrue(volume.close(DEADLINE_S, TimeUnit.SECONDS));
        assertFalse(ch.isOpen(), "closing the volume closes its channels");
        assertEquals(64, Files.size(dir.resolve("c.log")));
        volume.close();            // idempotent
    }

    @Test
    void closeIsRefusedWhileFrozenAndChangesNothing() throws Exception {
        volume.freeze();
        assertThrows(IllegalStateException.class, volume::close);
        assertTrue(volume.isOpen());
        assertTrue(volume.isFrozen());
        volume.thaw();
        volume.close();
        assertFalse(volume.isOpen());
        assertThrows(ClosedFileSystemException.class, volume::freeze);
        assertThrows(ClosedFileSystemException.class, volume::syncFs);
    }
}
