package dev.quiesce.nio;

import dev.quiesce.Report;
import dev.quiesce.nio.VolumeTesting.Waiting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Adversarial tests of {@link Volume}'s contracts on real files: races between close, freeze,
 * thaw, truncation, watch registration, moves and hard links, and the async write's deferral
 * path. Like {@link VolumeTest}, nothing here synchronises by sleeping: writes are held in flight
 * with {@link HeldBackExecutor}s (for the plain channel, and for the volume's retry executor),
 * waits are shown by polling a thread until it parks (or ends, which a broken wait would do), and
 * every wait has a generous deadline that is a deadlock guard, not a timer.
 *
 * <p>Five tests here failed against the first {@code Volume} and were fixed there; each one's Javadoc
 * says "Regression" and names the race or the path it caught.
 */
class VolumeEdgeTest {

    @TempDir
    Path dir;

    private Volume volume;
    private final List<Volume> volumes = new ArrayList<>();
    private final List<HeldBackExecutor> executors = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        volume = open(Volume.builder(dir).name("edge"));
    }

    private Volume open(Volume.Builder builder) throws IOException {
        Volume v = builder.open();
        volumes.add(v);
        return v;
    }

    /**
     * Issue 11: every operation refused by a closed volume threw a {@link ClosedFileSystemException}
     * whose message was null, naming neither the volume nor what was refused. Each refusal now
     * names the volume (name and root) and the operation (with its path), and changes nothing.
     */
    @Test
    void everyRefusalOfAClosedVolumeNamesTheVolumeAndTheOperation() throws Exception {
        Path a = volume.path("a.dat");
        Files.write(a, new byte[] {1, 2, 3});
        Path sub = volume.path("sub");
        Files.createDirectory(sub);
        volume.close();
        Path realA = volume.directory().resolve("a.dat");
        Map<String, Executable> refused = new LinkedHashMap<>();
        refused.put("syncFs()", volume::syncFs);
        refused.put("freeze()", volume::freeze);
        refused.put("watch()", () -> volume.watch(m -> { }));
        refused.put("truncate " + realA, () -> volume.truncate(a, 0));
        refused.put("tryWrite " + realA, () -> volume.tryWrite(a, bytes(1, (byte) 9), 0));
        refused.put("open " + realA + " (FileChannel)", () -> FileChannel.open(a, WRITE).close());
        refused.put("open " + realA + " (AsynchronousFileChannel)", () -> AsynchronousFileChannel.open(a, WRITE).close());
        refused.put("open " + realA + " (Files.write)", () -> Files.write(a, new byte[] {9}));
        refused.put("open " + volume.directory().resolve("b.dat") + " (Files.createFile opens a channel)",
                () -> Files.createFile(volume.path("b.dat")));
        refused.put("create " + volume.directory().resolve("dir"), () -> Files.createDirectory(volume.path("dir")));
        refused.put("delete " + realA, () -> Files.delete(a));
        refused.put("copy " + realA, () -> Files.copy(a, volume.path("c.dat")));
        refused.put("move " + realA, () -> Files.move(a, volume.path("d.dat")));
        refused.put("newDirectoryStream " + volume.directory().resolve("sub"), () -> Files.newDirectoryStream(sub).close());
        String closed = ": volume edge (root " + volume.directory() + ") is closed";
        for (Map.Entry<String, Executable> op : refused.entrySet()) {
            ClosedFileSystemException e = assertThrows(ClosedFileSystemException.class, op.getValue(), op.getKey());
            String operation = op.getKey().replaceFirst(" \\(.*\\)$", "");
            assertEquals("cannot " + operation + closed, e.getMessage(), op.getKey());
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(realA), "a refused operation changed the file");
        try (var names = Files.list(volume.directory())) {
            assertEquals(Set.of("a.dat", "sub"), names.map(p -> p.getFileName().toString()).collect(Collectors.toSet()),
                    "a refused operation changed the directory");
        }
        assertFalse(volume.isFrozen(), "a refused freeze() froze the volume");
    }

    /** Best effort: ends every held write, thaws, closes; never hangs the suite. */
    @AfterEach
    void closeAll() throws Exception {
        for (HeldBackExecutor e : executors) {
            e.releaseAllAndJoin();
        }
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the volume may have closed it first
            }
        }
        for (Volume v : volumes) {
            while (v.isFrozen()) {
                v.thaw();
            }
            for (HeldBackExecutor e : executors) {
                e.releaseAllAndJoin();          // retries issued by the thaw
            }
            v.close(DEADLINE_S, TimeUnit.SECONDS);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    private HeldBackExecutor heldExecutor() {
        HeldBackExecutor e = new HeldBackExecutor();
        executors.add(e);
        return e;
    }

    private AsynchronousFileChannel asyncChannel(Path file, ExecutorService executor) throws IOException {
        AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, Set.of(WRITE, READ, CREATE), executor);
        toClose.add(ch);
        return ch;
    }

    private static byte[] filled(int n, byte value) {
        byte[] b = new byte[n];
        Arrays.fill(b, value);
        return b;
    }

    /** The bytes of the plain file in [from, from + n), zeros past its end. */
    private static byte[] range(byte[] content, int from, int n) {
        byte[] r = new byte[n];
        if (from < content.length) {
            System.arraycopy(content, from, r, 0, Math.min(n, content.length - from));
        }
        return r;
    }

    /** Polls {@code condition} until it holds; fails at the deadline. */
    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_S);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never happened: " + what);
            }
            Thread.yield();
        }
    }


    private static Throwable failureOf(Future<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(f));
        return e.getCause();
    }

    /** A completion handler that counts its calls: exactly once is checked by counting. */
    static final class Recorder implements CompletionHandler<Integer, Object> {
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch called = new CountDownLatch(1);
        volatile Integer written;
        volatile Throwable failure;

        @Override
        public void completed(Integer n, Object attachment) {
            written = n;
            calls.incrementAndGet();
            called.countDown();
        }

        @Override
        public void failed(Throwable exc, Object attachment) {
            failure = exc;
            calls.incrementAndGet();
            called.countDown();
        }

        /** Waits for the first call (deadline) and checks it was the only one so far. */
        Recorder awaitOnce(String what) throws InterruptedException {
            assertTrue(called.await(DEADLINE_S, TimeUnit.SECONDS), what + ": the handler was never called");
            assertEquals(1, calls.get(), what + ": handler calls");
            return this;
        }
    }

    /** A listener counting each modification it is told of (modifications here are all distinct). */
    static final class Counting implements ModificationListener {
        final Map<Modification, AtomicInteger> seen = new ConcurrentHashMap<>();

        @Override
        public void beforeModify(Modification m) {
            seen.computeIfAbsent(m, k -> new AtomicInteger()).incrementAndGet();
        }

        int count(Modification m) {
            AtomicInteger n = seen.get(m);
            return n == null ? 0 : n.get();
        }

        int total() {
            int n = 0;
            for (AtomicInteger c : seen.values()) {
                n += c.get();
            }
            return n;
        }
    }

    private static Modification write(Path file, long offset, long length) {
        return new Modification(Modification.Kind.WRITE, file, offset, length, null);
    }

    // --- close against writes and opens ----------------------------------------------------------

    /** One async write of the close race: its handler or its future, or what the call threw. */
    private record Issued(int index, Recorder handler, Future<Integer> future, RuntimeException thrown) {
    }

    /**
     * close() while two threads keep issuing async writes (handler and Future forms, each to its
     * own 16-byte slot) until they have issued 100 more after seeing the volume closed, and a third
     * keeps opening channels until it is refused. Every handler is called exactly once; a write
     * that completed is on disk when close() returns (close waited for it), a write that failed did
     * so with ClosedChannelException and wrote nothing; every channel an open returned is closed;
     * nothing is written after close() returned.
     */
    @Test
    void closeRacingAsyncWritesAndOpensLosesNoWriteAndCountsNoneTwice() throws Exception {
        final int len = 16;
        final int cap = 200_000;                    // per writer, in case close() never came
        Path file = volume.path("race.dat");
        Path plain = dir.resolve("race.dat");
        Files.createFile(plain);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            AsynchronousFileChannel ch = asyncChannel(file, pool);
            List<List<Issued>> issued = List.of(new ArrayList<>(), new ArrayList<>());
            CountDownLatch flowing = new CountDownLatch(2);
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                final int writer = w;
                threads.add(new Thread(() -> {
                    List<Issued> mine = issued.get(writer);
                    int afterClose = 0;
                    for (int k = 0; k < cap && afterClose < 100; k++) {
                        if (!volume.isOpen()) {
                            afterClose++;
                        }
                        int i = 2 * k + writer;
                        ByteBuffer b = bytes(len, (byte) (i % 251 + 1));
                        Recorder handler = k % 2 == 0 ? new Recorder() : null;
                        Future<Integer> future = null;
                        RuntimeException thrown = null;
                        try {
                            if (handler != null) {
                                ch.write(b, (long) i * len, null, handler);
                            } else {
                                future = ch.write(b, (long) i * len);
                            }
                        } catch (RuntimeException e) {
                            thrown = e;                 // not allowed: checked below
                        }
                        mine.add(new Issued(i, handler, future, thrown));
                        if (k == 200) {
                            flowing.countDown();
                        }
                    }
                    flowing.countDown();
                }, "writer-" + w));
            }
            List<AutoCloseable> opened = new CopyOnWriteArrayList<>();
            AtomicInteger openRefused = new AtomicInteger();
            AtomicReference<Throwable> openFailure = new AtomicReference<>();
            threads.add(new Thread(() -> {
                for (int k = 0; k < cap && openRefused.get() == 0; k++) {
                    try {
                        if (opened.size() == 32) {
                            AutoCloseable oldest = opened.remove(0);   // keeps the descriptors few
                            oldest.close();
                        }
                        if (k % 2 == 0) {
                            opened.add(FileChannel.open(volume.path("opened-" + (k % 64)), CREATE, WRITE));
                        } else {
                            opened.add(AsynchronousFileChannel.open(file, WRITE));
                        }
                    } catch (ClosedFileSystemException refused) {
                        openRefused.incrementAndGet();
                    } catch (Throwable t) {
                        openFailure.set(t);
                        return;
                    }
                }
            }, "opener"));
            for (Thread t : threads) {
                t.start();
            }
            assertTrue(flowing.await(DEADLINE_S, TimeUnit.SECONDS));
            Thread[] closer = new Thread[1];
            CompletableFuture<byte[]> closedSnapshot = onThread("closer", () -> {
                volume.close();
                return Files.readAllBytes(plain);          // what close() left on disk
            }, closer);
            byte[] atClose = get(closedSnapshot);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(DEADLINE_S));
                assertFalse(t.isAlive(), t.getName() + " hung");
            }
            assertNull(openFailure.get(), () -> "open failed otherwise than ClosedFileSystemException: " + openFailure);
            assertEquals(1, openRefused.get(), "the opener ran until close() refused it");

            int completed = 0;
            int failed = 0;
            for (List<Issued> mine : issued) {
                for (Issued w : mine) {
                    int i = w.index();
                    assertNull(w.thrown(), () -> "write " + i + " threw instead of reporting to its handler or future");
                    Integer written;
                    Throwable failure;
                    if (w.handler() != null) {
                        w.handler().awaitOnce("write " + i);
                        written = w.handler().written;
                        failure = w.handler().failure;
                    } else {
                        try {
                            written = get(w.future());
                            failure = null;
                        } catch (ExecutionException e) {
                            written = null;
                            failure = e.getCause();
                        }
                    }
                    byte[] region = range(atClose, i * len, len);
                    if (failure == null) {
                        completed++;
                        assertEquals(len, written, "write " + i);
                        assertArrayEquals(filled(len, (byte) (i % 251 + 1)), region,
                                "write " + i + " completed but was not on disk when close() returned");
                    } else {
                        failed++;
                        assertInstanceOf(ClosedChannelException.class, failure, "write " + i);
                        assertArrayEquals(new byte[len], region, "write " + i + " failed but wrote");
                    }
                }
            }
            assertTrue(completed > 0 && failed >= 200, "the race happened: " + completed + " completed, "
                    + failed + " refused");
            for (AutoCloseable c : opened) {
                boolean open = c instanceof FileChannel ? ((FileChannel) c).isOpen()
                        : ((AsynchronousFileChannel) c).isOpen();
                assertFalse(open, c + " was opened but survived close()");
            }
            // No late write and no second call: checked after everything has ended.
            assertArrayEquals(atClose, Files.readAllBytes(plain), "something was written after close() returned");
            for (List<Issued> mine : issued) {
                for (Issued w : mine) {
                    if (w.handler() != null) {
                        assertEquals(1, w.handler().calls.get(), "write " + w.index());
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Opens that race close(), made exact by a file attribute whose {@code value()} blocks: the
     * JDK reads it inside the plain open, after the volume's open-check and (for a creating open)
     * inside the CREATE section. An open of an existing file holds no section, so close() does not
     * wait for it and returns first; the open must then be refused with ClosedFileSystemException,
     * not hand back a channel that close() never saw. A creating open is in flight (its CREATE
     * section): close() waits for it, the file is created, and the open is still refused.
     */
    @Test
    void anOpenThatRacesCloseIsRefusedWhetherOrNotCloseWaitedForIt() throws Exception {
        Path existing = volume.path("existing.dat");
        Files.write(existing, new byte[] {1});
        BlockingMode plainOpen = new BlockingMode();
        Thread[] opener = new Thread[1];
        CompletableFuture<FileChannel> open = onThread("opener",
                () -> FileChannel.open(existing, Set.of(WRITE), plainOpen), opener);
        assertTrue(plainOpen.entered.await(DEADLINE_S, TimeUnit.SECONDS));
        assertTrue(volume.close(DEADLINE_S, TimeUnit.SECONDS), "close() waited for a plain open");
        plainOpen.release.countDown();
        Throwable refused = failureOf(open);
        assertInstanceOf(ClosedFileSystemException.class, refused, "an open that began before close() returned after it");
        assertEquals("cannot open " + existing + ": volume edge (root " + volume.directory() + ") is closed",
                refused.getMessage(), "the refusal of an open that raced close() names the volume (issue 11)");

        Volume v = open(Volume.builder(dir).name("creating"));
        Path created = v.path("created.dat");
        BlockingMode creatingOpen = new BlockingMode();
        CompletableFuture<FileChannel> create = onThread("creator",
                () -> FileChannel.open(created, Set.of(WRITE, CREATE), creatingOpen), opener);
        assertTrue(creatingOpen.entered.await(DEADLINE_S, TimeUnit.SECONDS));
        assertFalse(v.close(0, TimeUnit.SECONDS), "the CREATE is in flight");
        creatingOpen.release.countDown();
        Throwable createRefused = failureOf(create);
        assertInstanceOf(ClosedFileSystemException.class, createRefused);
        assertEquals("cannot open " + created + ": volume creating (root " + v.directory() + ") is closed",
                createRefused.getMessage());
        assertTrue(v.close(DEADLINE_S, TimeUnit.SECONDS));
        assertTrue(Files.exists(dir.resolve("created.dat")), "the CREATE in flight at close() completed");
    }

    /** A {@code posix:permissions} attribute whose value() waits for the test: a hook inside a plain open. */
    static final class BlockingMode implements FileAttribute<Set<PosixFilePermission>> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public String name() {
            return "posix:permissions";
        }

        @Override
        public Set<PosixFilePermission> value() {
            entered.countDown();
            try {
                if (!release.await(DEADLINE_S, TimeUnit.SECONDS)) {
                    throw new AssertionError("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return PosixFilePermissions.fromString("rw-r--r--");
        }
    }

    /**
     * A write deferred by a truncation (it holds nothing) when close() begins: close() waits for
     * the truncation, and the deferred write, retried after it, fails with ClosedChannelException
     * exactly once and writes nothing.
     */
    @Test
    void aWriteDeferredByATruncationFailsOnceWhenTheVolumeClosesMeanwhile() throws Exception {
        Path file = volume.path("t.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        Future<Integer> first = ch.write(bytes(64, (byte) 1), 0);
        held.awaitHeld(1);
        Waiting truncator = parkedOn("truncator", () -> {
            volume.truncate(file, 0);
        });
        CompletableFuture<Object> truncation = truncator.result();
        assertFalse(truncation.isDone(), "truncate returned while a write was in flight");
        Recorder deferred = new Recorder();
        ch.write(bytes(8, (byte) 2), 100, null, deferred);
        assertEquals(1, held.heldCount(), "the second write must wait for the truncation");
        assertFalse(volume.close(0, TimeUnit.SECONDS), "the truncation is in flight");
        held.releaseOne();
        assertEquals(64, get(first));
        get(truncation);
        deferred.awaitOnce("deferred write");
        assertInstanceOf(ClosedChannelException.class, deferred.failure);
        assertTrue(volume.close(DEADLINE_S, TimeUnit.SECONDS));
        assertEquals(0, held.heldCount(), "the refused write was never issued");
        assertEquals(0, Files.size(dir.resolve("t.dat")), "the truncation ran, the refused write did not");
        assertEquals(1, deferred.calls.get());
    }

    // --- writes deferred by a freeze ------------------------------------------------------------

    /**
     * An async write deferred by a freeze whose channel is closed before the thaw: its handler
     * fails with AsynchronousCloseException exactly once (it does not vanish), nothing is written,
     * and no permit is left behind (a second freeze and a syncFs complete).
     */
    @Test
    void aDeferredWriteWhoseChannelIsClosedBeforeTheThawFailsWithAsynchronousClose() throws Exception {
        Path file = volume.path("d.dat");
        Files.write(file, new byte[] {9});
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        volume.freeze();
        Recorder handler = new Recorder();
        ch.write(bytes(4, (byte) 5), 0, null, handler);
        Future<Integer> future = ch.write(bytes(4, (byte) 6), 8);
        assertEquals(0, held.heldCount(), "nothing is issued while frozen");
        ch.close();
        volume.thaw();
        handler.awaitOnce("handler form");
        assertInstanceOf(AsynchronousCloseException.class, handler.failure);
        assertInstanceOf(AsynchronousCloseException.class, failureOf(future));
        assertEquals(0, held.heldCount(), "nothing was issued after the close");
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(dir.resolve("d.dat")));
        volume.freeze();                   // no shared freeze permit was leaked by the retry
        volume.thaw();
        volume.syncFs();                   // no write section was leaked
        assertEquals(1, handler.calls.get());
    }

    /**
     * The AsynchronousChannel contract: closing the channel completes its outstanding operations
     * with AsynchronousCloseException. A write deferred by a freeze is outstanding (its write call
     * returned), so its handler must run when the channel closes, not whenever the volume thaws.
     *
     * <p>Regression — this failed against the first {@code Volume}, before the fix: the deferred write waits in {@code freezeProtection.acquireSharedAsync()}
     * ({@code Volume.attemptAsync}) and checks {@code channel.isOpen()} only when that completes,
     * i.e. at the thaw; {@code TrackedAsyncFileChannel.close()} does not fail the writes it has
     * deferred. A freeze that lasts (a backup) keeps the caller's handler — and whatever it
     * releases — waiting on a channel that is long closed.
     */
    @Test
    void closingTheChannelFailsItsDeferredWriteWithoutWaitingForTheThaw() throws Exception {
        Path file = volume.path("dc.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        volume.freeze();
        Recorder handler = new Recorder();
        ch.write(bytes(4, (byte) 5), 0, null, handler);
        ch.close();
        assertTrue(handler.called.await(10, TimeUnit.SECONDS),
                "the handler of a write outstanding on a closed channel was not called while the volume stays frozen");
        assertInstanceOf(AsynchronousCloseException.class, handler.failure);
        volume.thaw();
        assertEquals(1, handler.calls.get());
    }

    /**
     * The FileChannel contract: a thread blocked in a write on a channel that another thread
     * closes receives AsynchronousCloseException. A blocking write parked by a freeze is blocked
     * in that write.
     *
     * <p>Regression — this failed against the first {@code Volume}, before the fix: {@code Volume.begin} (now {@code WriteProtocol.begin}) parks in {@code blocker.acquireShared()} (the wait for the
     * thaw), which nothing wakes when the channel closes ({@code TrackedFileChannel} neither
     * brackets the wait with {@code begin()/end()} of {@code AbstractInterruptibleChannel} nor
     * checks for a close); the writer stays parked until the thaw, then fails with
     * ClosedChannelException.
     */
    @Test
    void closingAFileChannelWakesItsWriteParkedByAFreeze() throws Exception {
        Path file = volume.path("fc.dat");
        Files.write(file, new byte[] {1});
        FileChannel fc = FileChannel.open(file, WRITE);
        toClose.add(fc);
        volume.freeze();
        Thread[] writer = new Thread[1];
        CompletableFuture<Integer> w = onThread("writer", () -> fc.write(bytes(1, (byte) 2), 0), writer);
        awaitParkedOrDone(writer[0]);
        assertFalse(w.isDone(), "a write went through a frozen volume");
        fc.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> w.get(10, TimeUnit.SECONDS),
                "the parked write was not woken by the close of its channel");
        assertInstanceOf(AsynchronousCloseException.class, e.getCause());
        volume.thaw();
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("fc.dat")));
    }

    /**
     * close() is refused while a write waits for the thaw (the volume is frozen), and changes
     * nothing: the deferred write is issued at the thaw and lands; syncFs() on the frozen volume
     * does not wait for the deferred write (it holds no section) and so does not wait for the thaw.
     */
    @Test
    void closeIsRefusedWhileAWriteWaitsForTheThawAndTheWriteLandsAfterIt() throws Exception {
        Path file = volume.path("f.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        volume.freeze();
        Recorder handler = new Recorder();
        ch.write(bytes(4, (byte) 7), 0, null, handler);
        assertThrows(IllegalStateException.class, volume::close);
        assertThrows(IllegalStateException.class, () -> volume.close(0, TimeUnit.SECONDS));
        assertTrue(volume.isOpen());
        assertTrue(volume.isFrozen());
        Thread[] syncer = new Thread[1];
        CompletableFuture<Object> sync = onThread("syncer", () -> {
            volume.syncFs();
            return null;
        }, syncer);
        get(sync);                                  // returns although frozen
        assertEquals(0, handler.calls.get());
        volume.thaw();
        held.awaitHeld(1);
        held.releaseAllAndJoin();
        handler.awaitOnce("deferred write");
        assertEquals(4, handler.written);
        assertArrayEquals(filled(4, (byte) 7), Files.readAllBytes(dir.resolve("f.dat")));
        assertTrue(volume.close(DEADLINE_S, TimeUnit.SECONDS));
        assertFalse(ch.isOpen());
    }

    /**
     * A volume whose retry executor rejects (an application shut its executor down): a write
     * deferred by a freeze must still be issued and reach its handler (the volume runs the retry on
     * a new thread and reports the rejection), and the freeze permit granted for its retry must
     * not be lost.
     *
     * <p>Regression — this failed against the first {@code Volume}, before the fix: {@code Volume.attemptAsync} chains the retry with
     * {@code blocker.acquireSharedAsync().whenCompleteAsync(..., executor)}. When the thaw grants
     * the shared permit, CompletableFuture catches the RejectedExecutionException and completes
     * the (unobserved) dependent stage with it: the lambda never runs, so the granted permit is
     * never closed and the handler is never called. The leaked shared permit of freeze protection
     * makes every later freeze() wait for ever.
     */
    @Test
    void aRejectingExecutorNeitherLosesADeferredWriteNorLeaksItsPermit() throws Exception {
        AtomicInteger rejected = new AtomicInteger();
        Executor rejecting = task -> {
            rejected.incrementAndGet();
            throw new RejectedExecutionException("executor shut down");
        };
        List<Report> reports = new CopyOnWriteArrayList<>();
        Volume v = open(Volume.builder(dir).name("rejecting").executor(rejecting).reportHandler(reports::add));
        Path file = v.path("r.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        v.freeze();
        Recorder handler = new Recorder();
        ch.write(bytes(4, (byte) 1), 0, null, handler);
        v.thaw();
        // The thaw grants the waiting write's admission; the grant is delivered off the thawing
        // thread (RwSemaphore's async executor), which then hands the retry to the executor.
        awaitTrue("the retry was handed to the executor", () -> rejected.get() == 1);
        held.awaitHeld(1);                          // issued after all, from the volume's own thread
        held.releaseAllAndJoin();
        assertTrue(handler.called.await(DEADLINE_S, TimeUnit.SECONDS), "the deferred write's handler was never called");
        assertEquals(1, handler.calls.get());
        assertEquals(1, rejected.get(), "the retry was handed to the executor more than once");
        assertArrayEquals(filled(4, (byte) 1), Files.readAllBytes(dir.resolve("r.dat")));
        assertEquals(1, reports.size(), () -> "reports: " + reports);
        assertEquals(Report.Kind.CALLBACK_FAILED, reports.get(0).kind());
        assertInstanceOf(RejectedExecutionException.class, reports.get(0).cause());
        Thread[] freezer = new Thread[1];
        CompletableFuture<Object> refreeze = onThread("freezer", () -> {
            v.freeze();
            return null;
        }, freezer);
        try {
            refreeze.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            freezer[0].interrupt();                 // leaves the volume unfrozen for the clean-up
            fail("freeze() waits for a freeze-protection permit that nobody holds any more");
        }
        v.thaw();
    }

    // --- END before the caller sees the completion -----------------------------------------------

    /**
     * Handler form: when the caller's handler runs, the write holds nothing any more, so a
     * close() that does not wait at all already finds no write in flight.
     */
    @Test
    void theHandlerRunsAfterEndEvenForAWriteDeferredByAFreeze() throws Exception {
        Path file = volume.path("h.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        volume.freeze();
        AtomicReference<Object> probe = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        ch.write(bytes(4, (byte) 1), 0, null, new CompletionHandler<Integer, Object>() {
            @Override
            public void completed(Integer n, Object a) {
                try {
                    probe.set(volume.close(0, TimeUnit.NANOSECONDS));   // true only if no write is in flight
                } catch (Throwable t) {
                    probe.set(t);
                }
                ran.countDown();
            }

            @Override
            public void failed(Throwable exc, Object a) {
                probe.set(exc);
                ran.countDown();
            }
        });
        volume.thaw();
        held.awaitHeld(1);
        held.releaseOne();
        assertTrue(ran.await(DEADLINE_S, TimeUnit.SECONDS));
        assertEquals(Boolean.TRUE, probe.get(), "the handler ran while its write was still in flight");
    }

    /**
     * Future form: the future completes after END. A dependent of the returned future runs on the
     * completion thread the moment it completes; there, a non-waiting close() must already find
     * no write in flight. (The returned Future is a CompletableFuture here; the test is skipped
     * if it is not.) Also: right after get() returns, nothing is in flight.
     */
    @Test
    void theFutureCompletesAfterEnd() throws Exception {
        Path file = volume.path("fut.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        Future<Integer> f = ch.write(bytes(4, (byte) 1), 0);
        held.awaitHeld(1);
        assumeTrue(f instanceof CompletableFuture, "the Future is not a CompletableFuture: " + f.getClass());
        AtomicReference<Object> probe = new AtomicReference<>();
        CompletableFuture<Void> dependent = ((CompletableFuture<Integer>) f).thenRun(() -> {
            try {
                probe.set(volume.close(0, TimeUnit.NANOSECONDS));
            } catch (Throwable t) {
                probe.set(t);
            }
        });
        assertNull(probe.get(), "the dependent ran before the write");
        Thread completion = held.releaseOne();
        assertEquals(4, get(f));
        get(dependent);
        completion.join(TimeUnit.SECONDS.toMillis(DEADLINE_S));
        assertEquals(Boolean.TRUE, probe.get(), "the future completed while its write was still in flight");
    }

    /** Future form, seen from the caller: after get() returns, a non-waiting probe finds nothing in flight. */
    @Test
    void afterFutureGetReturnsNothingIsInFlight() throws Exception {
        Path file = volume.path("get.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        Future<Integer> f = ch.write(bytes(4, (byte) 1), 0);
        held.awaitHeld(1);
        held.releaseOne();
        assertEquals(4, get(f));
        assertTrue(volume.close(0, TimeUnit.NANOSECONDS), "get() returned before END");
    }

    // --- truncation ------------------------------------------------------------------------------

    /**
     * A truncation waits for the write in flight; an async write that arrives meanwhile is deferred
     * (not issued: the truncation is waiting), and is issued only after the truncation, so it
     * lands on the truncated file; the try form refuses meanwhile; a listener is told of each
     * modification exactly once.
     */
    @Test
    void aWriteArrivingWhileATruncationWaitsIsIssuedAfterTheTruncation() throws Exception {
        Path file = volume.path("t.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);    // creates the file
        Counting listener = new Counting();
        toClose.add(volume.watch(listener));
        Future<Integer> first = ch.write(bytes(4096, (byte) 3), 0);
        held.awaitHeld(1);
        Waiting truncator = parkedOn("truncator", () -> {
            volume.truncate(file, 0);
        });
        CompletableFuture<Object> truncation = truncator.result();
        assertFalse(truncation.isDone(), "truncate returned while a write was in flight");
        Future<Integer> second = ch.write(bytes(4, (byte) 9), 100);
        assertEquals(1, held.heldCount(), "the second write was issued while the truncation waited");
        assertFalse(volume.tryWrite(file, bytes(1, (byte) 1), 0), "tryWrite while the file is being truncated");

        held.releaseOne();
        assertEquals(4096, get(first));
        get(truncation);
        held.awaitHeld(1);
        held.releaseAllAndJoin();
        assertEquals(4, get(second));
        byte[] content = Files.readAllBytes(dir.resolve("t.dat"));
        assertEquals(104, content.length, "the deferred write ran after the truncation");
        assertArrayEquals(new byte[100], range(content, 0, 100), "the first write was truncated away");
        assertArrayEquals(filled(4, (byte) 9), range(content, 100, 4));
        assertEquals(1, listener.count(write(file, 0, 4096)));
        assertEquals(1, listener.count(write(file, 100, 4)));
        assertEquals(1, listener.count(new Modification(Modification.Kind.TRUNCATE, file, 0, 0, null)));
        assertEquals(1, listener.count(write(file, 0, 1)), "the refused tryWrite was announced once");
        assertEquals(4, listener.total(), () -> "seen: " + listener.seen);
    }

    // --- watch and the retry path ----------------------------------------------------------------

    /**
     * Writes deferred by a freeze hold no section, so watch() returns while the volume is frozen;
     * after the thaw the new listener is told of each deferred write exactly once, and the
     * listener registered before the freeze, told when the writes first tried, is not told again.
     */
    @Test
    void aListenerRegisteredWhileWritesAreDeferredIsToldOfEachExactlyOnce() throws Exception {
        Path a = volume.path("a.dat");
        Path b = volume.path("b.dat");
        Files.createFile(b);
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(a, held);
        FileChannel fc = FileChannel.open(b, WRITE);
        toClose.add(fc);
        Counting before = new Counting();             // after the creations: it sees only the writes
        toClose.add(volume.watch(before));
        volume.freeze();
        Future<Integer> a1 = ch.write(bytes(8, (byte) 1), 0);
        Future<Integer> a2 = ch.write(bytes(8, (byte) 2), 8);
        Thread[] writer = new Thread[1];
        CompletableFuture<Integer> blocking = onThread("writer", () -> fc.write(bytes(8, (byte) 3), 0), writer);
        awaitParkedOrDone(writer[0]);
        assertFalse(blocking.isDone());
        assertEquals(0, held.heldCount());
        assertEquals(1, before.count(write(a, 0, 8)), "told when it first tried");
        assertEquals(1, before.count(write(a, 8, 8)));
        assertEquals(1, before.count(write(b, 0, 8)));

        Counting after = new Counting();
        Thread[] watcher = new Thread[1];
        CompletableFuture<Watch> watch = onThread("watcher", () -> volume.watch(after), watcher);
        toClose.add(get(watch));                    // returns while frozen
        assertEquals(0, after.total());

        volume.thaw();
        assertEquals(8, get(blocking));
        held.awaitHeld(2);
        held.releaseAllAndJoin();
        assertEquals(8, get(a1));
        assertEquals(8, get(a2));
        for (Modification m : List.of(write(a, 0, 8), write(a, 8, 8), write(b, 0, 8))) {
            assertEquals(1, after.count(m), () -> "new listener, " + m + ": " + after.seen);
            assertEquals(1, before.count(m), () -> "old listener, " + m + ": " + before.seen);
        }
        assertEquals(3, after.total());
        assertEquals(3, before.total());
    }

    /**
     * One async write retried twice: thawed, frozen again before its retry runs (so the retry is
     * deferred again), a listener registered in between, thawed again. Each listener is told
     * exactly once. The volume's retry executor is held back so the interleaving is exact.
     */
    @Test
    void aWriteRetriedTwiceTellsEachListenerExactlyOnce() throws Exception {
        HeldBackExecutor retries = heldExecutor();
        Volume v = open(Volume.builder(dir).name("retries").executor(retries));
        Path file = v.path("r.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        Counting first = new Counting();
        toClose.add(v.watch(first));

        v.freeze();
        Future<Integer> w = ch.write(bytes(8, (byte) 4), 0);
        assertEquals(1, first.count(write(file, 0, 8)));
        v.thaw();
        retries.awaitHeld(1);                       // the retry is queued, not run
        // The permit the thaw granted for the retry was dropped at once: a new freeze does not
        // wait for the retry executor.
        v.freeze();
        retries.releaseOne().join(TimeUnit.SECONDS.toMillis(DEADLINE_S));   // retry: frozen again, deferred again
        assertTrue(v.isFrozen());
        assertEquals(0, held.heldCount(), "issued while frozen");
        Counting second = new Counting();
        toClose.add(v.watch(second));
        v.thaw();
        retries.awaitHeld(1);
        retries.releaseOne().join(TimeUnit.SECONDS.toMillis(DEADLINE_S));
        held.awaitHeld(1);
        held.releaseAllAndJoin();
        assertEquals(8, get(w));
        assertEquals(1, first.count(write(file, 0, 8)), () -> "first: " + first.seen);
        assertEquals(1, second.count(write(file, 0, 8)), () -> "second: " + second.seen);
        assertEquals(1, first.total());
        assertEquals(1, second.total());
    }

    // --- moves and hard links --------------------------------------------------------------------

    /** An open file moved through the volume is still forced by syncFs(), under its new name. */
    @Test
    void anOpenFileMovedThroughTheVolumeIsForcedUnderItsNewName() throws Exception {
        Path real = dir.toRealPath();
        List<Path> forced = new CopyOnWriteArrayList<>();
        volume.files().forceObserver = forced::add;
        Path a = volume.path("a.log");
        Path b = volume.path("b.log");
        FileChannel fc = FileChannel.open(a, CREATE, WRITE);
        toClose.add(fc);
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ach = asyncChannel(volume.path("c.log"), held);

        fc.write(bytes(4, (byte) 1), 0);
        Files.move(a, b);                                   // written, not yet synced
        Future<Integer> inFlight = ach.write(bytes(4, (byte) 2), 0);
        held.awaitHeld(1);
        Files.move(volume.path("c.log"), volume.path("d.log"));   // moved while its write is in flight
        held.releaseOne();
        assertEquals(4, get(inFlight));
        volume.syncFs();
        assertTrue(forced.contains(real.resolve("b.log")), () -> "forced: " + forced);
        assertTrue(forced.contains(real.resolve("d.log")), () -> "forced: " + forced);
        assertFalse(forced.contains(real.resolve("a.log")) || forced.contains(real.resolve("c.log")));

        forced.clear();
        fc.write(bytes(4, (byte) 3), 4);                    // through the channel opened as a.log
        volume.syncFs();
        assertTrue(forced.contains(real.resolve("b.log")), () -> "forced: " + forced);
        assertArrayEquals(new byte[] {1, 1, 1, 1, 3, 3, 3, 3}, Files.readAllBytes(real.resolve("b.log")));
    }

    /**
     * A directory whose entries changed is forced by the next syncFs() even if it was renamed
     * through the volume meanwhile: the new file's directory entry lives in that directory, now
     * at its new name.
     *
     * <p>Regression — this failed against the first {@code Volume}, before the fix: {@code Volume.moved(from, to)} rewrites the plain paths of {@code dirty} and
     * of the file nodes but not {@code dirtyDirectories}, so the directory stays marked under its
     * old name; {@code force()} then meets NoSuchFileException and skips it as deleted, and the
     * renamed directory is never forced.
     */
    @Test
    void aDirtyDirectoryRenamedThroughTheVolumeIsForcedUnderItsNewName() throws Exception {
        Path real = dir.toRealPath();
        Files.createDirectory(volume.path("sub"));
        volume.syncFs();
        List<Path> forced = new CopyOnWriteArrayList<>();
        volume.files().forceObserver = forced::add;
        Files.write(volume.path("sub", "f"), new byte[] {1});       // a new entry in sub
        Files.move(volume.path("sub"), volume.path("sub2"));
        volume.syncFs();
        assertTrue(forced.contains(real.resolve("sub2").resolve("f")), () -> "forced: " + forced);
        assertTrue(forced.contains(real), () -> "forced: " + forced);
        assertTrue(forced.contains(real.resolve("sub2")),
                () -> "the directory holding the new entry was not forced: " + forced);
    }

    /**
     * Two names of one file (a hard link made through the volume) share the truncation gate: a
     * truncation through one name, or through a channel opened on it, waits for the async write
     * in flight through the other.
     */
    @Test
    void twoNamesOfOneFileShareTheTruncationGate() throws Exception {
        Path a = volume.path("a.dat");
        Path b = volume.path("b.dat");
        Files.write(a, new byte[] {1});
        Files.createLink(b, a);
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(a, held);

        Future<Integer> w = ch.write(bytes(4096, (byte) 2), 0);
        held.awaitHeld(1);
        Waiting truncator = parkedOn("truncator", () -> {
            volume.truncate(b, 10);
        });
        CompletableFuture<Object> t = truncator.result();
        assertFalse(t.isDone(), "truncate through the other name did not wait for the write in flight");
        held.releaseOne();
        assertEquals(4096, get(w));
        get(t);
        assertEquals(10, Files.size(dir.resolve("a.dat")), "the truncation ran after the write");

        FileChannel viaB = FileChannel.open(b, WRITE);
        toClose.add(viaB);
        Future<Integer> w2 = ch.write(bytes(4096, (byte) 3), 0);
        held.awaitHeld(1);
        CompletableFuture<Object> t2 = parkedOn("channel-truncator", () -> {
            viaB.truncate(5);
        }).result();
        assertFalse(t2.isDone(), "a channel truncation through the other name did not wait");
        held.releaseOne();
        assertEquals(4096, get(w2));
        get(t2);
        assertEquals(5, Files.size(dir.resolve("b.dat")));
    }

    /**
     * A file written through one name is forced by syncFs() although another name of it, used
     * through the volume meanwhile, was deleted through the volume: the file still exists.
     *
     * <p>Regression — this failed against the first {@code Volume}, before the fix: the node of a file is shared by its names (keyed by file key), and
     * {@code Volume.acquireNode} sets {@code node.path = real} on every open or truncation, so the
     * node ends up naming the most recently used link. After that link is deleted (a DELETE does
     * not touch node paths), {@code Pass.end -> markDirty} marks the file under the deleted name,
     * {@code force()} meets NoSuchFileException and skips it as deleted, and the data written
     * through {@code a.dat} is never forced.
     */
    @Test
    void aFileIsStillForcedAfterAnotherOfItsNamesIsDeleted() throws Exception {
        Path real = dir.toRealPath();
        Path a = volume.path("a.dat");
        Path b = volume.path("b.dat");
        Files.write(a, new byte[] {1});
        FileChannel viaA = FileChannel.open(a, WRITE);
        toClose.add(viaA);
        Files.createLink(b, a);
        try (FileChannel viaB = FileChannel.open(b, WRITE)) {
            viaB.write(bytes(1, (byte) 2), 1);
        }
        Files.delete(b);
        volume.syncFs();
        List<Path> forced = new CopyOnWriteArrayList<>();
        volume.files().forceObserver = forced::add;
        viaA.write(bytes(1, (byte) 3), 2);
        volume.syncFs();
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(real.resolve("a.dat")));
        assertTrue(forced.contains(real.resolve("a.dat")),
                () -> "the file written through a.dat was not forced: " + forced);
    }

    // --- freeze: interruption, threads, nesting --------------------------------------------------

    /**
     * freeze() interrupted while it drains: it throws, the volume is not frozen, and everything it
     * held back proceeds — a blocking writer, a deferred async write, the try form — while the
     * write it was draining is still in flight. A later freeze works.
     */
    @Test
    void anInterruptedFreezeLeavesTheVolumeUnfrozenAndLetsBlockedWritesGo() throws Exception {
        Path a = volume.path("a.dat");
        Path x = volume.path("x.dat");
        Path y = volume.path("y.dat");
        Files.write(x, new byte[] {0});
        HeldBackExecutor held = heldExecutor();
        HeldBackExecutor heldY = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(a, held);
        AsynchronousFileChannel chY = asyncChannel(y, heldY);
        Future<Integer> draining = ch.write(bytes(8, (byte) 1), 0);
        held.awaitHeld(1);

        Waiting freezer = parkedOn("freezer", () -> {
            volume.freeze();
        });
        CompletableFuture<Object> freeze = freezer.result();
        assertFalse(freeze.isDone(), "freeze() returned while a write was in flight");
        Waiting writer = parkedOn("writer", () -> {
            try (FileChannel fc = FileChannel.open(x, WRITE)) {
                fc.write(bytes(1, (byte) 5), 0);
            }
        });
        CompletableFuture<Object> blocked = writer.result();
        assertFalse(blocked.isDone(), "a write went through a draining freeze");
        Future<Integer> deferred = chY.write(bytes(4, (byte) 6), 0);
        assertEquals(0, heldY.heldCount(), "an async write was issued during a draining freeze");
        assertFalse(volume.tryWrite(x, bytes(1, (byte) 7), 0));

        freezer.thread().interrupt();
        assertInstanceOf(InterruptedException.class, failureOf(freeze));
        assertFalse(volume.isFrozen());
        assertThrows(IllegalStateException.class, volume::thaw, "nothing to thaw");
        get(blocked);
        heldY.awaitHeld(1);
        heldY.releaseAllAndJoin();
        assertEquals(4, get(deferred));
        assertTrue(volume.tryWrite(x, bytes(1, (byte) 7), 0));
        assertEquals(1, held.heldCount(), "the drained write is still in flight");
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(dir.resolve("x.dat")));

        held.releaseOne();
        assertEquals(8, get(draining));
        Thread[] refreezer = new Thread[1];
        get(onThread("refreezer", () -> {
            volume.freeze();
            return null;
        }, refreezer));
        assertTrue(volume.isFrozen());
        volume.thaw();
    }

    /**
     * A freeze taken on a thread that has since ended is thawed by another thread; held-back
     * writes then proceed, and the volume can be frozen again from a third thread.
     */
    @Test
    void aFreezeWhoseThreadHasEndedIsThawedByAnother() throws Exception {
        Path file = volume.path("e.dat");
        Files.write(file, new byte[] {1});
        Thread[] freezer = new Thread[1];
        get(onThread("freezer", () -> {
            volume.freeze();
            return null;
        }, freezer));
        freezer[0].join(TimeUnit.SECONDS.toMillis(DEADLINE_S));
        assertFalse(freezer[0].isAlive());
        assertTrue(volume.isFrozen());
        Waiting writer = parkedOn("writer", () -> {
            Files.write(file, new byte[] {2});
        });
        CompletableFuture<Object> w = writer.result();
        assertFalse(w.isDone());
        volume.thaw();
        get(w);
        assertArrayEquals(new byte[] {2}, Files.readAllBytes(dir.resolve("e.dat")));
        Thread[] third = new Thread[1];
        get(onThread("third", () -> {
            volume.freeze();
            return null;
        }, third));
        assertFalse(volume.tryWrite(file, bytes(1, (byte) 3), 0));
        volume.thaw();
        assertTrue(volume.tryWrite(file, bytes(1, (byte) 3), 0));
    }

    /**
     * Two threads freeze while the first freeze drains: the second waits for it and then nests.
     * While draining the volume is not frozen, thaw() and close() are refused; after the drain
     * two thaws are needed.
     */
    @Test
    void aFreezeDuringAnotherFreezesDrainWaitsAndThenNests() throws Exception {
        Path file = volume.path("n.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        Future<Integer> w = ch.write(bytes(8, (byte) 1), 0);
        held.awaitHeld(1);
        Thread[] first = new Thread[1];
        Thread[] second = new Thread[1];
        CompletableFuture<Object> f1 = onThread("freezer-1", () -> {
            volume.freeze();
            return null;
        }, first);
        awaitParkedOrDone(first[0]);
        CompletableFuture<Object> f2 = onThread("freezer-2", () -> {
            volume.freeze();
            return null;
        }, second);
        awaitParkedOrDone(second[0]);
        assertFalse(f1.isDone() || f2.isDone(), "a freeze returned while a write was in flight");
        assertFalse(volume.isFrozen(), "frozen before the drain ended");
        IllegalStateException thaw = assertThrows(IllegalStateException.class, volume::thaw);
        assertTrue(thaw.getMessage().contains("draining"), thaw.getMessage());
        IllegalStateException close = assertThrows(IllegalStateException.class, () -> volume.close(0, TimeUnit.SECONDS));
        assertTrue(close.getMessage().contains("freezing"), close.getMessage());
        assertTrue(volume.isOpen());

        held.releaseOne();
        assertEquals(8, get(w));
        get(f1);
        get(f2);
        assertTrue(volume.isFrozen());
        volume.thaw();
        assertTrue(volume.isFrozen(), "the second freeze nested: one thaw is not enough");
        assertFalse(volume.tryWrite(file, bytes(1, (byte) 2), 0));
        volume.thaw();
        assertFalse(volume.isFrozen());
        assertTrue(volume.tryWrite(file, bytes(1, (byte) 2), 0));
        assertThrows(IllegalStateException.class, volume::thaw);
    }

    /**
     * The first freezer is interrupted while a second waits for its drain: the second then freezes
     * on its own (it waits for the write still in flight) and needs exactly one thaw.
     */
    @Test
    void whenTheDrainingFreezeIsInterruptedTheWaitingOneTakesOver() throws Exception {
        Path file = volume.path("m.dat");
        HeldBackExecutor held = heldExecutor();
        AsynchronousFileChannel ch = asyncChannel(file, held);
        Future<Integer> w = ch.write(bytes(8, (byte) 1), 0);
        held.awaitHeld(1);
        Thread[] first = new Thread[1];
        Thread[] second = new Thread[1];
        CompletableFuture<Object> f1 = onThread("freezer-1", () -> {
            volume.freeze();
            return null;
        }, first);
        awaitParkedOrDone(first[0]);
        CompletableFuture<Object> f2 = onThread("freezer-2", () -> {
            volume.freeze();
            return null;
        }, second);
        awaitParkedOrDone(second[0]);
        first[0].interrupt();
        assertInstanceOf(InterruptedException.class, failureOf(f1));
        // The second freezer now drains the same write: wait until it parks draining (inside the
        // write protocol's blockWrites: on freeze protection, or on the write domain's grace
        // period, which drains the writes that took the quiet path, as this one did), not on the
        // freeze lock's condition; or until it returns, which would be the bug.
        awaitTrue("the second freezer drains", () -> f2.isDone() || drains(second[0]));
        assertFalse(f2.isDone(), "the second freeze returned while the write was in flight");
        assertFalse(volume.isFrozen());
        held.releaseOne();
        assertEquals(8, get(w));
        get(f2);
        assertTrue(volume.isFrozen());
        volume.thaw();
        assertFalse(volume.isFrozen(), "one freeze succeeded: one thaw undoes it");
    }

    /** Whether {@code t} is parked inside the write protocol's drain of a freeze. */
    private static boolean drains(Thread t) {
        Thread.State state = t.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
            return false;                       // a grace period's waits are timed (stall checks)
        }
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(WriteProtocol.class.getName()) && e.getMethodName().equals("blockWrites")) {
                return true;
            }
        }
        return false;
    }

    // --- stress: freeze/thaw cycles against writers ----------------------------------------------

    /**
     * A blocking writer and an async writer run against 60 freeze/thaw cycles. While frozen, the
     * files do not change (read twice, with the writers runnable in between); after each thaw both
     * writers make progress; at the end the listener was told of every write exactly once (each
     * write is a distinct modification), every async write completed, nothing hung.
     */
    @Test
    void freezeThawCyclesAgainstWritersLetNothingThroughAndLoseNothing() throws Exception {
        Path s = volume.path("s.dat");
        Path a = volume.path("a.dat");
        Files.createFile(s);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong syncWrites = new AtomicLong();
        AtomicLong asyncWrites = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            AsynchronousFileChannel ach = asyncChannel(a, pool);
            FileChannel fc = FileChannel.open(s, WRITE);
            toClose.add(fc);
            Counting listener = new Counting();       // after the creations: it sees only the writes
            toClose.add(volume.watch(listener));
            // Each write goes to its own 8-byte slot (position = 8 * n) so that each is a distinct
            // modification for the listener's count.
            Thread syncWriter = new Thread(() -> {
                try {
                    for (long n = 0; !stop.get(); n++) {
                        ByteBuffer b = ByteBuffer.allocate(8).putLong(0, n + 1);
                        fc.write(b, 8 * n);
                        syncWrites.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "sync-writer");
            Thread asyncWriter = new Thread(() -> {
                try {
                    List<Future<Integer>> window = new ArrayList<>();
                    for (long n = 0; !stop.get(); n++) {
                        window.add(ach.write(ByteBuffer.allocate(8).putLong(0, n + 1), 8 * n));
                        if (window.size() == 4) {
                            for (Future<Integer> f : window) {
                                if (get(f) != 8) {
                                    throw new AssertionError("short write");
                                }
                            }
                            window.clear();
                            asyncWrites.set(n + 1);
                        }
                    }
                    for (Future<Integer> f : window) {
                        get(f);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "async-writer");
            syncWriter.start();
            asyncWriter.start();
            Path plainS = dir.resolve("s.dat");
            Path plainA = dir.resolve("a.dat");
            for (int cycle = 0; cycle < 60 && failure.get() == null; cycle++) {
                long sBefore = syncWrites.get();
                long aBefore = asyncWrites.get();
                awaitTrue("both writers progress between freezes (cycle " + cycle + ")",
                        () -> syncWrites.get() > sBefore + 2 && asyncWrites.get() > aBefore + 4
                                || failure.get() != null);
                volume.freeze();
                try {
                    long sizeS = Files.size(plainS);
                    long sizeA = Files.size(plainA);
                    byte[] frozenS = Files.readAllBytes(plainS);
                    byte[] frozenA = Files.readAllBytes(plainA);
                    for (int i = 0; i < 20; i++) {
                        Thread.yield();
                    }
                    assertEquals(sizeS, Files.size(plainS), "cycle " + cycle + ": a blocking write landed while frozen");
                    assertEquals(sizeA, Files.size(plainA), "cycle " + cycle + ": an async write landed while frozen");
                    assertArrayEquals(frozenS, Files.readAllBytes(plainS), "cycle " + cycle);
                    assertArrayEquals(frozenA, Files.readAllBytes(plainA), "cycle " + cycle);
                } finally {
                    volume.thaw();
                }
            }
            stop.set(true);
            syncWriter.join(TimeUnit.SECONDS.toMillis(DEADLINE_S));
            asyncWriter.join(TimeUnit.SECONDS.toMillis(DEADLINE_S));
            assertFalse(syncWriter.isAlive() || asyncWriter.isAlive(), "a writer hung");
            assertNull(failure.get(), () -> "writer failed: " + failure.get());
            long nSync = Files.size(plainS) / 8;
            long nAsync = Files.size(plainA) / 8;
            for (long n = 0; n < nSync; n++) {
                assertEquals(1, listener.count(write(s, 8 * n, 8)), "blocking write " + n);
            }
            for (long n = 0; n < nAsync; n++) {
                assertEquals(1, listener.count(write(a, 8 * n, 8)), "async write " + n);
            }
            assertEquals(nSync + nAsync, listener.total(), "no write was announced without happening, none twice");
            ByteBuffer content = ByteBuffer.wrap(Files.readAllBytes(plainA));
            for (long n = 0; n < nAsync; n++) {
                assertEquals(n + 1, content.getLong((int) (8 * n)), "async write " + n + " lost");
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }
}
