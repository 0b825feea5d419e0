package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One test per clause of the {@link RwSemaphore} contract, each written as the mistake a user (or
 * an implementation) would make. Threads are coordinated with latches, joins and the semaphore's
 * own queue counts; time-outs are only deadlock guards.
 */
@Timeout(120)
class RwSemaphoreTest {

    /** The bound the class documentation states for a waiter's re-check: 50 µs doubling to 1 ms. */
    private static final long FIRST_LOOK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long LONGEST_LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static RwSemaphore semaphore(boolean inflated) {
        RwSemaphore s = RwSemaphore.create("test");
        if (inflated) {
            s.inflate();
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------
    // Exclusion

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void exclusivePermitExcludesSharedOnesHeldOnOtherThreads(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        Permit shared = Threads.start("reader", s::acquireShared).join();   // held, its thread gone
        assertNull(s.tryAcquireExclusive(), "a writer got in while a permit taken on another thread was open");
        Threads.start("closer", () -> { shared.close(); return null; }).join();
        Permit w = s.tryAcquireExclusive();
        assertNotNull(w);
        assertNull(s.tryAcquireShared(), "a reader got in under the writer");
        assertNull(s.tryAcquireExclusive(), "two writers at once");
        w.close();
        assertNotNull(s.tryAcquireShared());
    }

    @Test
    void exclusivePermitMayBeReleasedByAnotherThread() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit freeze = s.acquireExclusive();
        var waiter = Threads.start("reader", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 1, "reader queued");
        Threads.start("thaw", () -> { freeze.close(); return null; }).join();
        waiter.join().close();
        assertNotNull(s.tryAcquireExclusive());
    }

    // ---------------------------------------------------------------------------------------
    // Writer bias and fairness

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void tryAcquireSharedFailsOnceAWriterWaits(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        Permit longReader = s.acquireShared();
        var writer = Threads.start("writer", s::acquireExclusive);
        Threads.await(s::isWriterWaiting, "writer waiting");
        assertNull(s.tryAcquireShared(), "a new reader overtook a waiting writer");
        assertEquals(0L, s.tryAcquireSharedToken());
        var reader = Threads.start("late reader", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 1, "late reader queued behind the writer");
        longReader.close();
        Permit w = writer.join();
        assertFalse(reader.isDone(), "the late reader entered with the writer");
        w.close();
        reader.join().close();
    }

    /**
     * The spurious failure that an exclusive "try" which sets a bit and backs it out would cause:
     * a reader must fail only if a writer actually held or waited during its attempt.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void failedTryAcquireExclusiveNeverMakesTryAcquireSharedFail(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        AtomicLong starts = new AtomicLong();
        AtomicLong ends = new AtomicLong();
        AtomicLong successes = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        var writer = Threads.start("try-writer", () -> {
            while (!stop.get()) {
                starts.incrementAndGet();
                Permit p = s.tryAcquireExclusive();
                if (p != null) {
                    p.close();
                    successes.incrementAndGet();   // after close: a hold overlapping a reader shows here
                }
                ends.incrementAndGet();
            }
            return null;
        });
        try {
            for (int i = 0; i < 200_000; i++) {
                long before = successes.get();
                Permit r = s.tryAcquireShared();
                if (r != null) {
                    r.close();
                    continue;
                }
                long started = starts.get();
                Threads.await(() -> ends.get() >= started, "overlapping writer attempts finished");
                assertTrue(successes.get() > before,
                        "tryAcquireShared failed although no writer held or waited (iteration " + i + ")");
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }

    @Test
    void overlappingReadersCannotStarveAWriter() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch streaming = new CountDownLatch(2);
        List<Threads.Started<Void>> readers = new ArrayList<>();
        Permit[] baton = {s.acquireShared()};
        for (int t = 0; t < 2; t++) {
            readers.add(Threads.start("reader-" + t, () -> {
                Permit mine = s.acquireShared();
                streaming.countDown();
                // Hand over hand: take a new permit before closing the old one, so the reader
                // count never drops to zero on its own. (Waiting for a new permit while holding
                // one would deadlock behind the writer: once it fails, let go first.)
                while (!stop.get()) {
                    Permit next = s.tryAcquireShared();
                    mine.close();
                    mine = next != null ? next : s.acquireShared();
                }
                mine.close();
                return null;
            }));
        }
        streaming.await();
        baton[0].close();
        Permit w = s.tryAcquireExclusive(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        assertNotNull(w, "overlapping readers starved the writer");
        stop.set(true);
        w.close();
        for (var r : readers) {
            r.join();
        }
    }

    @Test
    void aStreamOfWritersCannotStarveAReader() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch writing = new CountDownLatch(2);
        List<Threads.Started<Void>> writers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            writers.add(Threads.start("writer-" + t, () -> {
                writing.countDown();
                while (!stop.get()) {
                    s.acquireExclusive().close();
                }
                return null;
            }));
        }
        writing.await();
        for (int i = 0; i < 100; i++) {
            Permit r = s.tryAcquireShared(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
            assertNotNull(r, "writers starved a reader");   // each gets in within one writer phase
            r.close();
        }
        stop.set(true);
        for (var w : writers) {
            w.join();
        }
    }

    /** Phase-fair: a writer's release lets in every reader queued meanwhile, even with writers queued. */
    @Test
    void readersAndWritersAlternateInPhases() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit w1 = s.acquireExclusive();
        var r1 = Threads.start("r1", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 1, "r1 queued");
        var w2 = Threads.start("w2", s::acquireExclusive);
        Threads.await(() -> s.stats().waitingWriters() == 1, "w2 queued");
        var r2 = Threads.start("r2", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 2, "r2 queued");
        w1.close();
        Permit p1 = r1.join();
        Permit p2 = r2.join();             // both readers of the phase, though w2 came before r2
        assertFalse(w2.isDone());
        var r3 = Threads.start("r3", s::acquireShared);  // arrives while w2 waits: next read phase
        Threads.await(() -> s.stats().waitingReaders() == 1, "r3 queued behind w2");
        p1.close();
        assertFalse(w2.isDone());
        p2.close();
        Permit pw2 = w2.join();
        assertFalse(r3.isDone());
        pw2.close();
        r3.join().close();
    }

    // ---------------------------------------------------------------------------------------
    // Killing

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void killFencesFromTheStartAndWaitsForEveryPermit(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        Permit inFlight = Threads.start("submitter", s::acquireShared).join();
        AtomicBoolean killReturned = new AtomicBoolean();
        var killer = Threads.start("killer", () -> { s.kill(); killReturned.set(true); return null; });
        Threads.await(s::isKilled, "kill began");
        assertNull(s.tryAcquireShared());
        assertNull(s.tryAcquireExclusive());
        assertNull(s.tryAcquireShared(1, TimeUnit.MILLISECONDS));
        assertThrows(IllegalStateException.class, s::acquireShared);
        assertThrows(IllegalStateException.class, s::acquireExclusiveUninterruptibly);
        ExecutionException e = assertThrows(ExecutionException.class, () -> s.acquireSharedAsync().get());
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertFalse(killReturned.get(), "kill() returned while a permit was open");
        assertFalse(s.isDead());
        Threads.start("completion", () -> { inFlight.close(); return null; }).join();
        killer.join();
        assertTrue(s.isDead());
        assertNull(s.tryAcquireShared());
        assertThrows(IllegalStateException.class, s::acquireExclusive);
        s.kill();                          // a second kill returns once dead
        assertTrue(s.kill(0, TimeUnit.SECONDS));
    }

    @Test
    void queuedAcquirersAreWokenAndFailWhenKillBegins() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit holder = s.acquireExclusive();
        var reader = Threads.start("reader", s::acquireShared);
        var timedReader = Threads.start("timed reader", () -> s.tryAcquireShared(1, TimeUnit.HOURS));
        var writer = Threads.start("writer", s::acquireExclusiveUninterruptibly);
        CompletableFuture<Permit> async = s.acquireExclusiveAsync();
        Threads.await(() -> s.stats().waitingReaders() == 2 && s.stats().waitingWriters() == 2, "all queued");
        var killer = Threads.start("killer", () -> { s.kill(); return null; });
        assertInstanceOf(IllegalStateException.class, reader.failure());
        assertNull(timedReader.join());
        assertInstanceOf(IllegalStateException.class, writer.failure());
        ExecutionException e = assertThrows(ExecutionException.class, async::get);
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertFalse(killer.isDone());
        holder.close();
        killer.join();
        assertTrue(s.isDead());
    }

    @Test
    void timedKillThatGivesUpLeavesItKilling() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit p = s.acquireShared();
        assertFalse(s.kill(0, TimeUnit.SECONDS));
        assertFalse(s.kill(-5, TimeUnit.SECONDS));
        assertTrue(s.isKilled());
        assertNull(s.tryAcquireShared(), "a reader got in after a timed kill gave up");
        p.close();                         // the last release makes it dead, with no killer waiting
        assertTrue(s.isDead());
        s.kill();
    }

    @Test
    void closeHappensBeforeKillReturns() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        int[] data = new int[1];
        Permit p = s.acquireShared();
        var killer = Threads.start("killer", () -> { s.kill(); return data[0]; });
        Threads.await(s::isKilled, "kill began");
        Threads.start("completion", () -> { data[0] = 42; p.close(); return null; }).join();
        assertEquals(42, killer.join());
    }

    @Test
    void permitKillAbandonsTheWriter() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit w = s.acquireExclusive();
        var reader = Threads.start("reader", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 1, "reader queued");
        var killer = Threads.start("killer", () -> { s.kill(); return null; });
        Threads.await(s::isKilled, "kill began");
        try (w) {
            w.kill();                      // dies write-locked: the writer never releases
        }                                  // a consumed permit closes as a no-op
        assertTrue(s.isDead());
        assertInstanceOf(IllegalStateException.class, reader.failure());
        killer.join();
        assertFalse(w.isOpen());
        assertThrows(IllegalStateException.class, w::kill);
    }

    @Test
    void sharedPermitCannotKill() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit r = s.acquireShared();
        assertThrows(IllegalStateException.class, r::kill);
        assertTrue(r.isOpen());
        assertFalse(s.isKilled());
        r.close();
        assertNotNull(s.tryAcquireExclusive());
    }

    // ---------------------------------------------------------------------------------------
    // Downgrade

    @Test
    void downgradeLetsWaitingReadersInButNotAQueuedWriter() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit w = s.acquireExclusive();
        var reader = Threads.start("reader", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 1, "reader queued");
        var writer = Threads.start("writer", s::acquireExclusive);
        Threads.await(() -> s.stats().waitingWriters() == 1, "writer queued");
        Permit r = w.downgrade();
        assertFalse(r.isExclusive());
        Permit other = reader.join();
        assertFalse(writer.isDone());
        assertNull(s.tryAcquireShared(), "writer waits: new readers must not enter");
        w.close();                         // consumed: no-op
        r.close();
        assertFalse(writer.isDone());
        other.close();
        writer.join().close();
    }

    @Test
    void downgradeWithNoOneWaitingHoldsTheWriterOut() {
        RwSemaphore s = RwSemaphore.create();
        Permit r = s.acquireExclusiveUninterruptibly().downgrade();
        assertNull(s.tryAcquireExclusive());
        assertNotNull(s.tryAcquireShared());
        r.close();
    }

    @Test
    void downgradeMisuseThrowsAndChangesNothing() {
        RwSemaphore s = RwSemaphore.create();
        Permit w = s.acquireExclusiveUninterruptibly();
        Permit r = w.downgrade();
        assertThrows(IllegalStateException.class, w::downgrade, "second downgrade");
        assertThrows(IllegalStateException.class, r::downgrade, "downgrade of a shared permit");
        assertTrue(r.isOpen());
        r.close();
        assertNotNull(s.tryAcquireExclusive(), "a misuse changed a count");
    }

    // ---------------------------------------------------------------------------------------
    // Cancelled waiters

    @Test
    void interruptedWriterLetsTheReadersItHeldBackIn() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit r0 = s.acquireShared();
        var writer = Threads.start("writer", s::acquireExclusive);
        Threads.await(() -> s.stats().waitingWriters() == 1, "writer queued");
        var reader = Threads.start("reader", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 1, "reader queued behind the writer");
        writer.thread.interrupt();
        assertInstanceOf(InterruptedException.class, writer.failure());
        reader.join().close();             // proceeds without r0 being closed
        assertFalse(s.isWriterWaiting());
        assertNotNull(s.tryAcquireShared());
        r0.close();
    }

    @Test
    void timedOutWriterLetsTheReadersItHeldBackIn() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit r0 = s.acquireShared();
        CountDownLatch readerQueued = new CountDownLatch(1);
        var writer = Threads.start("writer", () -> {
            // Repeat short waits until one has covered the queued reader's arrival.
            for (;;) {
                boolean covered = readerQueued.getCount() == 0;
                Permit p = s.tryAcquireExclusive(20, TimeUnit.MILLISECONDS);
                if (p != null) {
                    throw new AssertionError("writer got in while r0 was held");
                }
                if (covered) {
                    return null;
                }
            }
        });
        // Start the reader only once the writer waits: started earlier, on a loaded machine it
        // could get its permit before the writer's first try and never queue. It can still come
        // just after one 20 ms wait timed out and get in at once (seen on JDK 25 under load 44);
        // then it leaves and another reader tries, until one has queued behind the writer.
        Threads.Started<Permit> reader;
        for (;;) {
            Threads.await(s::isWriterWaiting, "writer waiting");
            Threads.Started<Permit> attempt = Threads.start("reader", s::acquireShared);
            Threads.await(() -> s.stats().waitingReaders() == 1 || attempt.isDone(), "reader queued or in");
            if (s.stats().waitingReaders() == 1) {
                reader = attempt;
                break;
            }
            attempt.join().close();                     // came in between two waits: try again
        }
        readerQueued.countDown();
        writer.join();
        reader.join().close();
        r0.close();
    }

    @Test
    void cancelledAsyncWriterLetsTheReadersItHeldBackIn() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit r0 = s.acquireShared();
        CompletableFuture<Permit> w = s.acquireExclusiveAsync();
        assertTrue(s.isWriterWaiting());
        var reader = Threads.start("reader", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 1, "reader queued");
        assertTrue(w.cancel(false));
        reader.join().close();
        assertFalse(s.isWriterWaiting());
        r0.close();
        assertNotNull(s.tryAcquireExclusive(), "the cancelled request kept a permit");
    }

    @Test
    void interruptedReaderLeavesNothingBehind() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit w = s.acquireExclusive();
        var reader = Threads.start("reader", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 1, "reader queued");
        reader.thread.interrupt();
        assertInstanceOf(InterruptedException.class, reader.failure());
        assertEquals(0, s.stats().waitingReaders());
        w.close();
        assertNotNull(s.tryAcquireExclusive());
    }

    @Test
    void uninterruptibleAcquireKeepsWaitingAndRestoresTheInterrupt() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit w = s.acquireExclusive();
        var reader = Threads.start("reader", () -> {
            Permit p = s.acquireSharedUninterruptibly();
            boolean flag = Thread.currentThread().isInterrupted();
            p.close();
            return flag;
        });
        Threads.await(() -> s.stats().waitingReaders() == 1, "reader queued");
        reader.thread.interrupt();
        Threads.await(() -> !reader.thread.isInterrupted() || reader.isDone(), "interrupt consumed");
        w.close();
        assertTrue(reader.join());
    }

    // ---------------------------------------------------------------------------------------
    // Async

    @Test
    void asyncAcquiresCompleteWithoutBlockingAndInPhaseOrder() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit r0 = s.acquireShared();
        CompletableFuture<Permit> w = s.acquireExclusiveAsync();
        CompletableFuture<Permit> r = s.acquireSharedAsync();
        assertFalse(w.isDone());
        assertFalse(r.isDone());
        r0.close();
        Permit pw = w.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);    // the release granted it
        assertTrue(pw.isExclusive());
        assertFalse(r.isDone());
        pw.close();
        Permit pr = r.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        assertNotNull(pr);
        pr.close();
    }

    /**
     * A release never runs the dependents of an async acquire that it grants: the future is
     * completed on the semaphore's async executor, so a permit closed on an I/O completion thread
     * does not run the next acquirer's work there.
     */
    @Test
    void asyncGrantsAreCompletedOffTheReleasingThread() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit r0 = s.acquireShared();
        CompletableFuture<Thread> writerRanOn = s.acquireExclusiveAsync().thenApply(p -> {
            p.close();
            return Thread.currentThread();
        });
        var releaser = Threads.start("releaser", () -> { r0.close(); return Thread.currentThread(); });
        Thread releasing = releaser.join();
        assertNotSame(releasing, writerRanOn.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS),
                "the writer's dependent ran on the thread that released the last shared permit");
        Permit w = s.acquireExclusive();
        CompletableFuture<Thread> failedOn = s.acquireSharedAsync().handle((p, e) -> Thread.currentThread());
        var killer = Threads.start("killer", () -> { s.kill(5, TimeUnit.MILLISECONDS); return Thread.currentThread(); });
        Thread killing = killer.join();
        assertNotSame(killing, failedOn.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS),
                "a queued future was failed on the killing thread");
        w.close();
    }

    /**
     * A pool whose only worker blocks in an acquire that waits for a grant the same pool must
     * deliver: the blocked worker waits through ForkJoinPool.managedBlock, so the pool starts a
     * spare worker that delivers the grant, and nothing deadlocks.
     */
    @Test
    void aPoolWorkerBlockedOnTheSemaphoreDoesNotStarveItsOwnDeliveries() throws Exception {
        ForkJoinPool pool = new ForkJoinPool(1);
        try {
            RwSemaphore s = RwSemaphore.builder().asyncExecutor(pool).build();
            Permit r0 = s.acquireShared();
            CompletableFuture<Permit> writer = s.acquireExclusiveAsync();
            CompletableFuture<Void> wrote = writer.thenAccept(Permit::close);   // runs in the delivery
            CountDownLatch blocking = new CountDownLatch(1);
            java.util.concurrent.Future<Boolean> reader = pool.submit(() -> {
                blocking.countDown();
                Permit p = s.acquireShared();              // queues behind the waiting writer
                p.close();
                return true;
            });
            blocking.await();
            Threads.await(() -> s.stats().waitingReaders() == 1, "the pool's worker is queued");
            r0.close();                                    // grants the writer: delivered on the pool
            assertTrue(reader.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS));
            wrote.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The async executor is the builder's; one that refuses the task costs the grant nothing. */
    @Test
    void asyncGrantsUseTheBuildersExecutorAndSurviveARefusal() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        RwSemaphore s = RwSemaphore.builder().asyncExecutor(task -> {
            ran.incrementAndGet();
            task.run();
        }).build();
        Permit r0 = s.acquireShared();
        CompletableFuture<Permit> w = s.acquireExclusiveAsync();
        r0.close();
        assertEquals(1, ran.get(), "the grant was not delivered by the builder's executor");
        w.getNow(null).close();

        RwSemaphore refusing = RwSemaphore.builder().asyncExecutor(task -> {
            throw new RejectedExecutionException("shut down");
        }).build();
        Permit r1 = refusing.acquireShared();
        CompletableFuture<Permit> w1 = refusing.acquireExclusiveAsync();
        r1.close();
        Permit granted = w1.getNow(null);
        assertNotNull(granted, "a grant refused by the executor was lost");
        granted.close();
        assertNotNull(refusing.tryAcquireExclusive());
    }

    @Test
    void permitGrantedToACancelledFutureIsReleased() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        for (int i = 0; i < 2000; i++) {
            Permit w = s.acquireExclusive();
            CompletableFuture<Permit> r = s.acquireSharedAsync();
            var canceller = Threads.start("canceller", () -> r.cancel(false));
            w.close();                     // races the cancel
            canceller.join();
            if (!r.isCancelled()) {
                r.join().close();
            }
            // A grant that lands on a cancelled future is released by its delivery, off this
            // thread: wait for it (a lost permit fails at the guard).
            Permit[] again = new Permit[1];
            Threads.await(() -> (again[0] = s.tryAcquireExclusive()) != null,
                    "the permit of a cancelled future is released (iteration " + i + ")");
            again[0].close();
        }
    }

    // ---------------------------------------------------------------------------------------
    // Inflation

    @Test
    void permitsTakenBeforeInflationReleaseCorrectlyAfterIt() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit before = s.acquireShared();
        long token = s.tryAcquireSharedToken();
        s.inflate();
        assertTrue(RwSemaphoreSeams.isInflated(s));
        Permit after = s.acquireShared();
        var writer = Threads.start("writer", s::acquireExclusive);
        Threads.await(s::isWriterWaiting, "writer waiting");
        before.close();
        s.releaseShared(token);
        assertFalse(writer.isDone(), "writer entered while a permit counted in a cell was open");
        after.close();
        Permit w = writer.join();
        w.close();
        assertNotNull(s.tryAcquireExclusive());
    }

    @Test
    void contendingReadersInflateTheSemaphore() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        CountDownLatch go = new CountDownLatch(1);
        List<Threads.Started<Void>> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            readers.add(Threads.start("reader-" + t, () -> {
                go.await();
                for (int i = 0; i < 1_000_000 && !RwSemaphoreSeams.isInflated(s); i++) {
                    s.acquireShared().close();
                }
                return null;
            }));
        }
        go.countDown();
        for (var r : readers) {
            r.join();
        }
        // Two readers on two cores collide on the word almost at once; on a loaded machine they
        // may not, which is not an error: inflation is an optimisation.
        Permit w = s.tryAcquireExclusive();
        assertNotNull(w);
        w.close();
    }

    // ---------------------------------------------------------------------------------------
    // Tokens

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void tokensReleaseOnAnyThreadAndRejectGarbage(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        long t = s.tryAcquireSharedToken();
        assertTrue(t != 0L);
        assertThrows(IllegalArgumentException.class, () -> s.releaseShared(0L));
        assertThrows(IllegalArgumentException.class, () -> s.releaseShared(1L << 40));
        assertNull(s.tryAcquireExclusive());
        Threads.start("releaser", () -> { s.releaseShared(t); return null; }).join();
        assertThrows(IllegalStateException.class, () -> s.releaseShared(t), "double release of a token");
        Permit w = s.tryAcquireExclusive();
        assertNotNull(w);
        w.close();
    }

    // ---------------------------------------------------------------------------------------
    // Reader slots (inflated): a release is a plain store and may miss a writer's bit

    /**
     * The race that a slot's fence-free release allows, made deterministic: the writer (or
     * killer) has summed the slots and waits, and the last reader leaves without reading its
     * bit. Nobody signals; the waiter must find out by itself.
     */
    @Test
    void aBlockedWriterIsGrantedWhenTheLastReleaseMissesItsBit() throws Exception {
        RwSemaphore s = semaphore(true);
        long t = s.tryAcquireSharedToken();
        var writer = Threads.start("writer", s::acquireExclusive);
        Threads.await(() -> s.stats().waitingWriters() == 1, "writer queued");
        assertTrue(RwSemaphoreSeams.releaseSlotUnsignalled(s, t), "an inflated semaphore's first permit owns a slot");
        Permit w = writer.join();
        assertTrue(w.isExclusive());
        assertNull(s.tryAcquireShared());
        w.close();
    }

    @Test
    void anAsyncWriterIsGrantedWhenTheLastReleaseMissesItsBit() throws Exception {
        RwSemaphore s = semaphore(true);
        long t = s.tryAcquireSharedToken();
        CompletableFuture<Permit> writer = s.acquireExclusiveAsync();
        assertEquals(1, s.stats().waitingWriters());
        assertTrue(RwSemaphoreSeams.releaseSlotUnsignalled(s, t));
        Permit w = writer.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        assertTrue(w.isExclusive());
        w.close();
        assertNotNull(s.tryAcquireExclusive(), "the permit was released");
    }

    /**
     * The bound on a missed release, checked without timing anything: a blocked writer (or
     * killer) of an inflated semaphore never parks longer than 1 ms at a time while readers
     * hold it — its intervals start at 50 µs and double to that cap — and the first look after
     * a release that told no one grants it, without parking again. The release comes after
     * the first, the fourth or the thirteenth park (when the intervals have reached the cap), so
     * a waiter that skips its early looks fails too.
     */
    @ParameterizedTest
    @CsvSource({"false, 0", "false, 3", "false, 12", "true, 0", "true, 12"})
    void aBlockedWriterLooksAgainAtLeastEveryMillisecondAndFindsAMissedRelease(boolean killer, int parksBefore)
            throws Exception {
        SteppedPause pause = new SteppedPause();
        RwSemaphore s = RwSemaphore.builder().name("stepped").pause(pause).build();
        s.inflate();
        long t = s.tryAcquireSharedToken();
        var waiter = Threads.start(killer ? "killer" : "writer", () -> {
            if (killer) {
                s.kill();
                return null;
            }
            return s.acquireExclusive();
        });
        List<Long> asked = new ArrayList<>();
        for (int look = 0; look < parksBefore; look++) {
            asked.add(pause.nextPark());   // parked, its look found the reader still there
            assertFalse(waiter.future.isDone());
            pause.endPark();
        }
        asked.add(pause.nextPark());
        assertTrue(RwSemaphoreSeams.releaseSlotUnsignalled(s, t), "an inflated semaphore's first permit owns a slot");
        pause.endPark();                   // the interval it was parked for runs out
        Permit w = waiter.join();          // granted by its next look: a further park would never end
        assertEquals(0, pause.parksPending(), "granted without parking again");
        if (killer) {
            assertTrue(s.isDead());
        } else {
            assertTrue(w.isExclusive());
            w.close();
        }
        assertLooksDoubleToTheCap(asked);
    }

    /** As above for an async writer, whose looks are timer tasks rather than parks. */
    @ParameterizedTest
    @ValueSource(ints = {0, 3, 12})
    void anAsyncWriterIsLookedForAtLeastEveryMillisecondAndAMissedReleaseIsFound(int looksBefore) throws Exception {
        SteppedPause pause = new SteppedPause();
        RwSemaphore s = RwSemaphore.builder().name("stepped").pause(pause).build();
        s.inflate();
        long t = s.tryAcquireSharedToken();
        CompletableFuture<Permit> writer = s.acquireExclusiveAsync();
        List<Long> asked = new ArrayList<>();
        for (int look = 0; look < looksBefore; look++) {
            SteppedPause.Timer timer = pause.nextTimer();
            asked.add(timer.nanos);
            timer.task.run();              // looks: the reader is still there, so it reschedules
            assertFalse(writer.isDone());
        }
        SteppedPause.Timer last = pause.nextTimer();
        asked.add(last.nanos);
        assertTrue(RwSemaphoreSeams.releaseSlotUnsignalled(s, t));
        last.task.run();                   // the look after the release grants it
        assertEquals(0, pause.timersPending(), "granted: no further look scheduled");
        Permit w = writer.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        assertTrue(w.isExclusive());
        w.close();
        assertLooksDoubleToTheCap(asked);
    }

    /**
     * The intervals a waiter asked for, in order: the first FIRST_LOOK_NANOS, each next one
     * twice the last up to LONGEST_LOOK_NANOS (the bound the class documentation states).
     */
    private static void assertLooksDoubleToTheCap(List<Long> asked) {
        assertEquals(FIRST_LOOK_NANOS, asked.get(0), "first interval of " + asked);
        for (int i = 1; i < asked.size(); i++) {
            long expected = Math.min(asked.get(i - 1) * 2, LONGEST_LOOK_NANOS);
            assertEquals(expected, asked.get(i), "interval " + i + " of " + asked);
        }
        if (asked.size() > 5) {            // 50 µs doubled five times passes 1 ms
            assertEquals(LONGEST_LOOK_NANOS, asked.get(asked.size() - 1), "the cap is reached: " + asked);
        }
    }


    @Test
    void aKillReturnsWhenTheLastReleaseMissesItsBit() throws Exception {
        RwSemaphore s = semaphore(true);
        long t = s.tryAcquireSharedToken();
        var killer = Threads.start("killer", () -> { s.kill(); return null; });
        Threads.await(() -> s.stats().waitingKillers() == 1, "killer waiting");
        assertTrue(RwSemaphoreSeams.releaseSlotUnsignalled(s, t));
        killer.join();
        assertTrue(s.isDead());
    }

    @Test
    void aLaterKillFindsTheReleaseThatATimedOutKillMissed() throws Exception {
        RwSemaphore s = semaphore(true);
        long t = s.tryAcquireSharedToken();
        assertFalse(s.kill(0, TimeUnit.SECONDS), "a permit is open");
        assertTrue(RwSemaphoreSeams.releaseSlotUnsignalled(s, t));
        assertTrue(s.kill(Threads.GUARD_SECONDS, TimeUnit.SECONDS));
        assertTrue(s.isDead());
    }

    @Test
    void aRevocableGateOwnsNoSlotsSoItsLastCloseSeesTheRevoke() {
        Revocable<Object> r = Revocable.of(new Object(), o -> { });
        RwSemaphore gate = r.gate();
        gate.inflate();
        long t = gate.tryAcquireSharedToken();
        assertTrue(t != 0L);
        assertFalse(RwSemaphoreSeams.releaseSlotUnsignalled(gate, t), "a Revocable's accesses must be counted, fenced");
        gate.releaseShared(t);
    }

    /** A thread that holds more permits than there are slots: the rest are counted in cells. */
    @Test
    void permitsBeyondTheSlotsAreCountedAndReleaseAnywhere() throws Exception {
        RwSemaphore s = semaphore(true);
        List<Long> tokens = new ArrayList<>();
        List<Permit> permits = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long t = s.tryAcquireSharedToken();
            assertTrue(t != 0L);
            tokens.add(t);
            permits.add(s.tryAcquireShared());
        }
        assertTrue(tokens.stream().distinct().count() > 1, "slots and cells both in use: " + tokens);
        Threads.start("releaser", () -> {
            for (int i = tokens.size() - 1; i >= 0; i--) {
                assertNull(s.tryAcquireExclusive(), "a writer got in with " + (i + 1) + " tokens and 100 permits open");
                s.releaseShared(tokens.get(i));
            }
            return null;
        }).join();
        for (Permit p : permits) {
            assertNull(s.tryAcquireExclusive());
            p.close();
        }
        // Nothing is open now: a second release has nothing to undo, whatever kind of token.
        long first = tokens.get(0);
        assertThrows(IllegalStateException.class, () -> s.releaseShared(first), "a slot token released twice");
        long last = tokens.get(tokens.size() - 1);
        assertThrows(IllegalStateException.class, () -> s.releaseShared(last), "a counter token released twice");
        Permit w = s.tryAcquireExclusive();
        assertNotNull(w, "every permit was released");
        w.close();
    }

    // ---------------------------------------------------------------------------------------
    // Exclusive tokens

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void exclusiveTokenExcludesEveryoneAndReleasesOnAnyThread(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        long t = s.tryAcquireExclusiveToken();
        assertTrue(t != 0L);
        assertNull(s.tryAcquireShared(), "a reader got in under an exclusive token");
        assertEquals(0L, s.tryAcquireSharedToken());
        assertNull(s.tryAcquireExclusive(), "two writers at once");
        assertEquals(0L, s.tryAcquireExclusiveToken());
        Threads.start("releaser", () -> { s.releaseExclusive(t); return null; }).join();
        Permit r = s.tryAcquireShared();
        assertNotNull(r);
        r.close();
        long again = s.tryAcquireExclusiveToken();
        assertTrue(again != 0L);
        assertTrue(again != t, "a new grant must carry a new stamp");
        s.releaseExclusive(again);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void exclusiveTokenFailsWhileAnyPermitIsHeldOrQueuedAndLeavesNoTrace(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        Permit shared = Threads.start("reader", s::acquireShared).join();   // held, its thread gone
        assertEquals(0L, s.tryAcquireExclusiveToken(), "a writer got in while a shared permit was open");
        assertFalse(s.isWriterWaiting(), "a failed try left a writer bit");
        Permit r2 = s.tryAcquireShared();
        assertNotNull(r2, "a failed exclusive try held readers back");
        r2.close();
        CompletableFuture<Permit> queued = s.acquireExclusiveAsync();
        shared.close();
        Permit w = queued.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        assertEquals(0L, s.tryAcquireExclusiveToken(), "took the permit from the granted writer");
        CompletableFuture<Permit> reader = s.acquireSharedAsync();
        w.close();
        Permit r3 = reader.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        CompletableFuture<Permit> writer = s.acquireExclusiveAsync();
        assertEquals(0L, s.tryAcquireExclusiveToken(), "overtook a queued writer");
        r3.close();                        // grants the queued writer
        assertEquals(0L, s.tryAcquireExclusiveToken());
        writer.join().close();
        s.kill();
        assertEquals(0L, s.tryAcquireExclusiveToken(), "a dead semaphore granted a token");
    }

    /** Phase-fair as the Permit form: the release lets in every queued reader before a queued writer. */
    @Test
    void exclusiveTokenReleaseAdmitsQueuedReadersThenTheQueuedWriter() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        long t = s.tryAcquireExclusiveToken();
        var r1 = Threads.start("r1", s::acquireShared);
        Threads.await(() -> s.stats().waitingReaders() == 1, "r1 queued");
        var w2 = Threads.start("w2", s::acquireExclusive);
        Threads.await(() -> s.stats().waitingWriters() == 1, "w2 queued");
        CompletableFuture<Permit> r2 = s.acquireSharedAsync();
        assertEquals(2, s.stats().waitingReaders());
        s.releaseExclusive(t);
        Permit p1 = r1.join();
        Permit p2 = r2.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);     // admitted with r1, delivered off this thread
        assertFalse(w2.isDone());
        p1.close();
        p2.close();
        w2.join().close();
        assertNotNull(s.tryAcquireShared());
    }

    @Test
    void exclusiveTokenReleaseHappensBeforeTheNextAcquire() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        int[] data = new int[1];
        long t = s.tryAcquireExclusiveToken();
        var writer = Threads.start("writer", s::acquireExclusive);
        Threads.await(() -> s.stats().waitingWriters() == 1, "writer queued");
        Threads.start("completion", () -> { data[0] = 42; s.releaseExclusive(t); return null; }).join();
        Permit w = writer.join();
        assertEquals(42, data[0]);
        w.close();
    }

    @Test
    void killWaitsForAnExclusiveToken() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        long t = s.tryAcquireExclusiveToken();
        var killer = Threads.start("killer", () -> { s.kill(); return null; });
        Threads.await(s::isKilled, "kill began");
        assertFalse(s.isDead(), "dead while an exclusive token was held");
        s.releaseExclusive(t);
        killer.join();
        assertTrue(s.isDead());
        assertThrows(IllegalStateException.class, () -> s.releaseExclusive(t), "released on a dead semaphore");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void badExclusiveTokensAreRejectedAndChangeNothing(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        long shared = s.tryAcquireSharedToken();
        assertThrows(IllegalArgumentException.class, () -> s.releaseExclusive(shared), "a shared token");
        assertThrows(IllegalArgumentException.class, () -> s.releaseExclusive(0L), "a failed try's 0");
        assertThrows(IllegalArgumentException.class, () -> s.releaseExclusive(-1L), "garbage");
        assertThrows(IllegalArgumentException.class, () -> s.releaseExclusive(1L << 40), "a stamp without the tag");
        assertEquals(0L, s.tryAcquireExclusiveToken(), "a rejected release changed the shared count");
        s.releaseShared(shared);
        long t = s.tryAcquireExclusiveToken();
        assertThrows(IllegalArgumentException.class, () -> s.releaseShared(t), "releaseShared of an exclusive token");
        assertThrows(IllegalArgumentException.class, () -> s.releaseExclusive(t | 1L), "a tampered token");
        assertNull(s.tryAcquireShared(), "a rejected release let a reader in");
        s.releaseExclusive(t);
        assertNotNull(s.tryAcquireShared());
    }

    /**
     * Issue 11: an exclusive token given to {@code releaseShared} was refused as a token "not
     * returned by" the semaphore, which had returned it. A token of the wrong kind is named as
     * such, with the method that releases it and the semaphore, and changes nothing.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aTokenOfTheWrongKindIsNamedAsSuchAndChangesNothing(boolean inflated) {
        RwSemaphore s = semaphore(inflated);
        long shared = s.tryAcquireSharedToken();
        String m = assertThrows(IllegalArgumentException.class, () -> s.releaseExclusive(shared)).getMessage();
        assertTrue(m.startsWith("releaseExclusive(0x" + Long.toHexString(shared) + ") on RwSemaphore[test"), m);
        assertTrue(m.contains("this is a shared token (from tryAcquireSharedToken()): release it with releaseShared()"), m);
        assertTrue(m.endsWith("nothing changed"), m);
        assertEquals(0L, s.tryAcquireExclusiveToken(), "the refused release changed the shared count");
        s.releaseShared(shared);

        long t = s.tryAcquireExclusiveToken();
        m = assertThrows(IllegalArgumentException.class, () -> s.releaseShared(t)).getMessage();
        assertTrue(m.startsWith("releaseShared(0x" + Long.toHexString(t) + ") on RwSemaphore[test, exclusive"), m);
        assertTrue(m.contains("this is an exclusive token (from tryAcquireExclusiveToken(), and its grant holds"
                + " this semaphore now): release it with releaseExclusive()"), m);
        assertFalse(m.contains("not returned"), m);
        assertNull(s.tryAcquireShared(), "the refused release let a reader in");
        s.releaseExclusive(t);

        m = assertThrows(IllegalArgumentException.class, () -> s.releaseShared(t)).getMessage();
        assertTrue(m.contains("this is an exclusive token (from tryAcquireExclusiveToken()): release it with"
                + " releaseExclusive()"), "a released grant is not said to hold: " + m);
        m = assertThrows(IllegalArgumentException.class, () -> s.releaseShared(0L)).getMessage();
        assertTrue(m.contains("0 is not a token (the try…Token() that returned it failed"), m);
        m = assertThrows(IllegalArgumentException.class, () -> s.releaseExclusive(-1L)).getMessage();
        assertTrue(m.contains("not a token of any semaphore"), m);
        assertNotNull(s.tryAcquireExclusive(), "nothing is held after the refused releases");
    }

    /**
     * The stamp: a token released twice, or released after another writer got the permit, must
     * not release that writer's permit — that would break exclusion.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void staleExclusiveTokenIsRefusedAndDoesNotReleaseTheNextWriter(boolean inflated) {
        RwSemaphore s = semaphore(inflated);
        long t = s.tryAcquireExclusiveToken();
        s.releaseExclusive(t);
        assertThrows(IllegalStateException.class, () -> s.releaseExclusive(t), "released twice");
        long next = s.tryAcquireExclusiveToken();
        assertThrows(IllegalStateException.class, () -> s.releaseExclusive(t), "stale token, token holder");
        assertNull(s.tryAcquireShared(), "a stale token released the next writer's token");
        s.releaseExclusive(next);
        Permit p = s.tryAcquireExclusive();
        assertThrows(IllegalStateException.class, () -> s.releaseExclusive(next), "stale token, permit holder");
        assertNull(s.tryAcquireShared(), "a stale token released the next writer's permit");
        p.close();
        Permit q = s.acquireExclusiveUninterruptibly();
        assertThrows(IllegalStateException.class, () -> s.releaseExclusive(t));
        q.close();
        RwSemaphore other = RwSemaphore.create();
        assertThrows(IllegalStateException.class, () -> other.releaseExclusive(next),
                "another semaphore's token, while that one has no writer");
        assertNotNull(other.tryAcquireShared());
    }

    /**
     * The stamp wraps within its 24 bits without carrying into the flags: after 2^24 grants the
     * semaphore behaves as before (and, as documented, a token 2^24 grants old matches again).
     */
    @Test
    @Timeout(300)
    void exclusiveStampWrapsWithoutDisturbingTheState() throws Exception {
        RwSemaphore s = semaphore(true);
        long first = s.tryAcquireExclusiveToken();
        s.releaseExclusive(first);
        for (int i = 1; i < 1 << 24; i++) {
            s.releaseExclusive(s.tryAcquireExclusiveToken());
        }
        long wrapped = s.tryAcquireExclusiveToken();
        assertEquals(first, wrapped, "stamps repeat every 2^24 grants");
        assertNull(s.tryAcquireShared());
        s.releaseExclusive(wrapped);
        assertTrue(RwSemaphoreSeams.isInflated(s));
        assertFalse(s.isWriterWaiting());
        assertFalse(s.isKilled());
        Permit r = s.tryAcquireShared();
        assertNotNull(r);
        assertEquals(0L, s.tryAcquireExclusiveToken());
        r.close();
        assertTrue(s.toString().endsWith("[test, inflated]"), s.toString());
    }

    /**
     * The point of the token form: an exclusive section allocates nothing (word and inflated).
     * The best of a few rounds counts: a one-off allocation while the JIT replaces the loop's
     * code is not per operation (one allocated object per section would be 3 MB a round).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void exclusiveTokenSectionDoesNotAllocate(boolean inflated) throws Exception {
        Object bean = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getThreadMXBean").invoke(null);
        java.lang.reflect.Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getCurrentThreadAllocatedBytes");
        RwSemaphore s = semaphore(inflated);
        int ops = 200_000;
        long sink = 0;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {       // round 0 warms up: the JIT compiles the paths
            long base0 = (Long) allocated.invoke(bean);
            long base1 = (Long) allocated.invoke(bean);
            long overhead = base1 - base0;             // what one measurement costs by itself
            long start = (Long) allocated.invoke(bean);
            for (int i = 0; i < ops; i++) {
                long t = s.tryAcquireExclusiveToken();
                sink += t;
                s.releaseExclusive(t);
            }
            long used = (Long) allocated.invoke(bean) - start - overhead;
            if (round > 0) {
                best = Math.min(best, used);
            }
        }
        assertTrue(sink != 0L);
        assertTrue(best < 1024, best + " bytes allocated by " + ops + " exclusive token sections");
    }

    // ---------------------------------------------------------------------------------------
    // Bad input

    @Test
    void permitClosedTwiceThrowsAndChangesNoCount() {
        RwSemaphore s = RwSemaphore.create();
        Permit a = s.tryAcquireShared();
        Permit b = s.tryAcquireShared();
        a.close();
        assertThrows(IllegalStateException.class, a::close);
        assertNull(s.tryAcquireExclusive(), "the second close released b's count");
        b.close();
        Permit w = s.tryAcquireExclusive();
        assertThrows(IllegalStateException.class, () -> { w.close(); w.close(); });
        assertNotNull(s.tryAcquireExclusive());
    }

    /**
     * The exclusive Permit's close() has no CAS of its own: the semaphore's CAS on the grant's
     * stamp decides which of racing closes releases. Exactly one must, every time, and a late
     * close must not release the next writer's permit.
     */
    @Test
    void exclusivePermitClosedOnTwoThreadsAtOnceReleasesOnce() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        for (int i = 0; i < 2000; i++) {
            Permit w = s.tryAcquireExclusive();
            CountDownLatch go = new CountDownLatch(1);
            AtomicLong released = new AtomicLong();
            java.util.concurrent.Callable<Void> close = () -> {
                go.await();
                try {
                    w.close();
                    released.incrementAndGet();
                } catch (IllegalStateException e) {
                    // the other close released it
                }
                return null;
            };
            var a = Threads.start("closer-a", close);
            var b = Threads.start("closer-b", close);
            go.countDown();
            a.join();
            b.join();
            assertEquals(1, released.get(), "closes that released one exclusive permit (iteration " + i + ")");
            assertFalse(w.isOpen());
        }
        Permit next = s.tryAcquireExclusive();
        assertNotNull(next);
        Permit stale = s.tryAcquireShared();
        assertNull(stale);
        next.close();
    }

    @Test
    void releasedExclusiveHandleCannotReleaseDowngradeOrKillTheNextWriter() {
        RwSemaphore s = RwSemaphore.create();
        Permit old = s.acquireExclusiveUninterruptibly();
        old.close();
        Permit next = s.acquireExclusiveUninterruptibly();
        assertThrows(IllegalStateException.class, old::close);
        assertThrows(IllegalStateException.class, old::downgrade);
        assertThrows(IllegalStateException.class, old::kill);
        assertFalse(s.isKilled(), "a closed handle killed the semaphore");
        assertNull(s.tryAcquireShared(), "a closed handle released the next writer");
        Permit r = next.downgrade();
        r.close();
        assertNotNull(s.tryAcquireExclusive());
    }

    @Test
    void detachedHandleClosesAsANoOpAndTheNewOneOwnsThePermit() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit handed;
        try (Permit p = s.acquireShared()) {
            handed = p.detach();
            assertFalse(p.isOpen());
            assertThrows(IllegalStateException.class, p::detach);
            assertThrows(IllegalStateException.class, p::attach);
        }
        assertNull(s.tryAcquireExclusive(), "closing the detached handle released the permit");
        Permit h = handed;
        Threads.start("completion", () -> { h.attach().close(); return null; }).join();
        assertNotNull(s.tryAcquireExclusive());
    }

    @Test
    void nullUnitIsRejectedBeforeAnythingChanges() {
        RwSemaphore s = RwSemaphore.create();
        assertThrows(NullPointerException.class, () -> s.tryAcquireShared(1, null));
        assertThrows(NullPointerException.class, () -> s.tryAcquireExclusive(1, null));
        assertThrows(NullPointerException.class, () -> s.kill(1, null));
        assertFalse(s.isKilled());
        assertNotNull(s.tryAcquireExclusive());
    }

    @Test
    void nonPositiveTimeoutsDoNotWait() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit r = s.acquireShared();
        assertNull(s.tryAcquireExclusive(0, TimeUnit.SECONDS));
        assertNull(s.tryAcquireExclusive(-1, TimeUnit.DAYS));
        assertFalse(s.isWriterWaiting(), "a non-waiting try left a writer bit");
        Permit r2 = s.tryAcquireShared(0, TimeUnit.SECONDS);
        assertNotNull(r2);
        r2.close();
        r.close();
        Permit w = s.tryAcquireExclusive(0, TimeUnit.SECONDS);
        assertNotNull(w);
        assertNull(s.tryAcquireShared(-1, TimeUnit.SECONDS));
        w.close();
    }

    @Test
    void interruptedBeforeAcquireThrowsEvenIfFree() {
        RwSemaphore s = RwSemaphore.create();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, s::acquireShared);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, s::acquireExclusive);
        assertNotNull(s.tryAcquireExclusive(), "an interrupted acquire kept a permit");
    }

    // ---------------------------------------------------------------------------------------
    // Diagnostics and footprint basics

    @Test
    void writerWaitingPastTheThresholdIsReported() throws Exception {
        AtomicLong now = new AtomicLong();
        List<Report> reports = new CopyOnWriteArrayList<>();
        RwSemaphore s = RwSemaphore.builder().name("stalled").stallThreshold(Duration.ofMillis(4))
                .clock(now::get).reportHandler(reports::add).build();
        Permit r = s.acquireShared();
        var writer = Threads.start("writer", s::acquireExclusive);
        Threads.await(s::isWriterWaiting, "writer waiting");
        // The writer reads the clock when its wait begins, which can be after isWriterWaiting() is
        // true (the flag is set when it queues): a single step of the clock taken before that read
        // is never seen as a stall. So step it until the report comes.
        Threads.await(() -> {
            now.addAndGet(Duration.ofHours(1).toNanos());
            return !reports.isEmpty();
        }, "stall report");
        Report rep = reports.get(0);
        assertSame(Report.Kind.STALL, rep.kind());
        assertEquals("stalled", rep.source());
        r.close();
        writer.join().close();
        assertEquals(1, reports.size(), "reported more than once per wait");
    }

    @Test
    void namesAndDescriptions() {
        assertEquals("conn-1", RwSemaphore.create("conn-1").name());
        assertTrue(RwSemaphore.create().name().startsWith("rwsem@"));
        assertThrows(NullPointerException.class, () -> RwSemaphore.create(null));
        RwSemaphore s = RwSemaphore.create("x");
        Permit p = s.tryAcquireShared();
        assertTrue(s.toString().contains("1 shared"), s.toString());
        assertTrue(p.toString().contains("shared"));
        p.close();
        s.kill();
        assertTrue(s.toString().contains("dead"));
    }
}
