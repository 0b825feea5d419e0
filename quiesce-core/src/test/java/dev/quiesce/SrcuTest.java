package dev.quiesce;

import static dev.quiesce.SrcuTestSupport.awaitCondition;
import static dev.quiesce.SrcuTestSupport.awaitParked;
import static dev.quiesce.SrcuTestSupport.closeWhenIdle;
import static dev.quiesce.SrcuTestSupport.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.SrcuTestSupport.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Unit tests of {@link Srcu}: every public method, every bad input of the contract. Ordering is
 * established with latches, joins and observable state (a grace period in progress shows as
 * {@link Srcu#blocksGracePeriod(int)}), never with sleeps; timeouts are deadlock guards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SrcuTest {

    private static final String WORKER_PREFIX = "quiesce-srcu-";

    /** Callback executor the tests control: one named platform thread. */
    private ExecutorService callbacks;
    private final List<Report> reports = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "test-callbacks");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterEach
    void tearDown() {
        callbacks.shutdownNow();
    }

    private Srcu newDomain(String name) {
        return Srcu.builder().name(name).callbackExecutor(callbacks).reportHandler(reports::add).build();
    }

    // ------------------------------------------------------------------------------------------
    // Grace periods

    /** The ways an updater waits for a grace period. */
    enum Wait {
        SYNCHRONIZE, UNINTERRUPTIBLY, TIMED, EXPEDITED, ASYNC, AWAIT_START_POLL, AWAIT_POLL_STATE, CALLBACK;

        void await(Srcu srcu) throws Exception {
            switch (this) {
                case SYNCHRONIZE: srcu.synchronize(); break;
                case UNINTERRUPTIBLY: srcu.synchronizeUninterruptibly(); break;
                case TIMED: assertTrue(srcu.synchronize(30, TimeUnit.SECONDS), "timed synchronize timed out"); break;
                case EXPEDITED: srcu.synchronizeExpedited(); break;
                case ASYNC: srcu.synchronizeAsync().get(30, TimeUnit.SECONDS); break;
                case AWAIT_START_POLL: srcu.awaitCompleted(srcu.startPoll()); break;
                case AWAIT_POLL_STATE: srcu.awaitCompleted(srcu.pollState()); break;
                case CALLBACK: {
                    CountDownLatch ran = new CountDownLatch(1);
                    srcu.callAfterGracePeriod(ran::countDown);
                    assertTrue(ran.await(30, TimeUnit.SECONDS), "callback did not run");
                    break;
                }
                default: throw new AssertionError(this);
            }
        }
    }

    /** The ways a read section is held across threads. */
    enum Form { DOWN_READ, ENTER_DETACHED, ENTER_SAME_HANDLE }

    /**
     * A section begun on the test thread and ended on another thread holds every kind of wait
     * that was called after it began: the waiter observes the end when it returns.
     */
    @ParameterizedTest
    @EnumSource(Wait.class)
    void gracePeriodWaitsForSectionBegunBeforeAndEndedOnAnotherThread(Wait wait) throws Exception {
        for (Form form : Form.values()) {
            Srcu srcu = newDomain("gp-" + wait + "-" + form);
            AtomicBoolean ended = new AtomicBoolean();
            int token;
            ReadSection handle = null;
            if (form == Form.DOWN_READ) {
                token = srcu.downRead();
            } else {
                ReadSection s = srcu.enter();
                handle = form == Form.ENTER_DETACHED ? s.detach() : s;
                if (form == Form.ENTER_DETACHED) {
                    s.close();                             // no-op: the detached handle owns it
                }
                token = handle.token();
            }
            AtomicBoolean endedWhenReturned = new AtomicBoolean();
            Worker updater = start("updater", () -> {
                wait.await(srcu);
                endedWhenReturned.set(ended.get());
            });
            awaitCondition("a grace period waits for the section", () -> srcu.blocksGracePeriod(token));
            ReadSection h = handle;
            Worker ender = start("ender", () -> {
                ended.set(true);
                if (h == null) {
                    srcu.upRead(token);
                } else {
                    h.attach().close();
                }
            });
            ender.joinAndCheck();
            updater.joinAndCheck();
            assertTrue(endedWhenReturned.get(), wait + "/" + form + " returned before the section ended");
            srcu.barrier();
            srcu.synchronize();
            srcu.close();
        }
    }

    /** readLock/readUnlock on one thread: the same-thread form holds a grace period too. */
    @Test
    void gracePeriodWaitsForSameThreadSection() throws Exception {
        Srcu srcu = newDomain("same-thread");
        int token = srcu.readLock();
        AtomicBoolean ended = new AtomicBoolean();
        AtomicBoolean endedWhenReturned = new AtomicBoolean();
        Worker updater = start("updater", () -> {
            srcu.synchronize();
            endedWhenReturned.set(ended.get());
        });
        awaitCondition("a grace period waits", () -> srcu.blocksGracePeriod(token));
        ended.set(true);
        srcu.readUnlock(token);
        updater.joinAndCheck();
        assertTrue(endedWhenReturned.get());
        srcu.close();
    }

    /**
     * A section that begins after the flip of a running grace period does not hold it: the
     * grace period completes while that section stays open; a later call does wait for it.
     */
    @Test
    void gracePeriodDoesNotWaitForSectionBegunAfter() throws Exception {
        Srcu srcu = newDomain("later");
        int early = srcu.downRead();
        Worker updater = start("updater", srcu::synchronize);
        awaitCondition("a grace period waits", () -> srcu.blocksGracePeriod(early));
        int late = beginOnOtherIndex(srcu, early);         // begins after the updater's call and flip
        assertFalse(srcu.blocksGracePeriod(late), "only the pre-flip index is waited for");
        srcu.upRead(early);
        updater.joinAndCheck();                            // returns with `late` still open
        CompletableFuture<Void> async = srcu.synchronizeAsync();
        assertFalse(srcu.synchronize(50, TimeUnit.MILLISECONDS), "a later call must wait for `late`");
        assertFalse(async.isDone(), "an async grace period requested after `late` began completed");
        srcu.upRead(late);
        async.get(30, TimeUnit.SECONDS);
        srcu.synchronize();
        srcu.close();
    }

    /** Begins sections until one lands on the index other than {@code token}'s (after a flip). */
    private static int beginOnOtherIndex(Srcu srcu, int token) {
        AtomicInteger found = new AtomicInteger();
        awaitCondition("the index flips", () -> {
            int t = srcu.downRead();
            if ((t & 1) != (token & 1)) {
                found.set(t);
                return true;
            }
            srcu.upRead(t);
            return false;
        });
        return found.get();
    }

    /** A steady overlapping stream of readers on two threads cannot starve synchronize(). */
    @Test
    void overlappingReaderStreamDoesNotStarveUpdater() throws Exception {
        Srcu srcu = newDomain("stream");
        AtomicBoolean stop = new AtomicBoolean();
        List<Worker> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(start("reader-" + r, () -> {
                int held = srcu.downRead();
                while (!stop.get()) {
                    int next = srcu.downRead();            // always at least one section open
                    srcu.upRead(held);
                    held = next;
                }
                srcu.upRead(held);
            }));
        }
        try {
            for (int i = 0; i < 20; i++) {
                srcu.synchronize();
                srcu.synchronizeExpedited();
            }
        } finally {
            stop.set(true);
            for (Worker w : readers) {
                w.joinAndCheck();
            }
        }
        srcu.synchronize();
        srcu.close();
    }

    @Test
    void timedSynchronizeReturnsFalseAndGracePeriodStillCompletes() throws Exception {
        Srcu srcu = newDomain("timed");
        int token = srcu.downRead();
        long cookie = srcu.pollState();
        assertFalse(srcu.synchronize(20, TimeUnit.MILLISECONDS));
        assertFalse(srcu.pollCompleted(cookie));
        srcu.upRead(token);
        // Nobody calls synchronize again: the worker finishes the abandoned grace period.
        awaitCondition("the abandoned grace period completes", () -> srcu.pollCompleted(cookie));
        closeWhenIdle(srcu);
    }

    @Test
    void nonPositiveTimeoutsDoNotWait() throws Exception {
        Srcu srcu = newDomain("zero");
        assertTrue(srcu.synchronize(0, TimeUnit.SECONDS), "nothing to wait for");
        assertTrue(srcu.synchronize(-1, TimeUnit.NANOSECONDS), "nothing to wait for");
        assertTrue(srcu.barrier(0, TimeUnit.SECONDS));
        assertTrue(srcu.barrier(Long.MIN_VALUE, TimeUnit.DAYS));
        int token = srcu.downRead();
        assertFalse(srcu.synchronize(0, TimeUnit.SECONDS));
        assertFalse(srcu.synchronize(Long.MIN_VALUE, TimeUnit.DAYS));
        srcu.callAfterGracePeriod(() -> { });
        assertFalse(srcu.barrier(0, TimeUnit.SECONDS));
        assertFalse(srcu.barrier(-1, TimeUnit.SECONDS));
        srcu.upRead(token);
        assertTrue(srcu.barrier(30, TimeUnit.SECONDS));
        srcu.synchronize();
        srcu.close();
    }

    /** Huge timeouts saturate instead of overflowing into "already expired". */
    @Test
    void hugeTimeoutsWait() throws Exception {
        Srcu srcu = newDomain("huge");
        int token = srcu.downRead();
        AtomicBoolean ended = new AtomicBoolean();
        AtomicBoolean endedWhenReturned = new AtomicBoolean();
        Worker updater = start("updater", () -> {
            assertTrue(srcu.synchronize(Long.MAX_VALUE, TimeUnit.DAYS));
            endedWhenReturned.set(ended.get());
        });
        awaitCondition("a grace period waits", () -> srcu.blocksGracePeriod(token));
        awaitParked(updater);
        ended.set(true);
        srcu.upRead(token);
        updater.joinAndCheck();
        assertTrue(endedWhenReturned.get());
        srcu.close();
    }

    // ------------------------------------------------------------------------------------------
    // blocksGracePeriod

    @Test
    void blocksGracePeriodOnlyWhileAnUpdaterWaits() throws Exception {
        Srcu srcu = newDomain("blocks");
        int token = srcu.downRead();
        ReadSection handle = srcu.enter();
        assertFalse(srcu.blocksGracePeriod(token), "no updater");
        assertFalse(handle.blocksGracePeriod(), "no updater");
        Worker updater = start("updater", srcu::synchronize);
        awaitCondition("the updater waits", () -> srcu.blocksGracePeriod(token));
        assertTrue(handle.blocksGracePeriod(), "same index, same grace period");
        int late = beginOnOtherIndex(srcu, token);
        assertFalse(srcu.blocksGracePeriod(late), "begun after the flip: not waited for");
        assertTrue(srcu.blocksGracePeriod(token), "still waited for");
        srcu.upRead(token);
        handle.close();
        assertFalse(handle.blocksGracePeriod(), "a closed handle blocks nothing");
        updater.joinAndCheck();
        assertFalse(srcu.blocksGracePeriod(late), "no updater any more");
        srcu.upRead(late);
        srcu.close();
    }

    // ------------------------------------------------------------------------------------------
    // track

    /**
     * What {@code close()} says right now: "closed", or its refusal. A refusal that names open
     * read sections is the probe for "a section is open" used by the track tests; it does not
     * depend on which thread drives grace periods.
     */
    private static String tryClose(Srcu srcu) {
        try {
            srcu.close();
            return "closed";
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    @Test
    void trackEndsSectionStrictlyBeforeFutureCompletes() throws Exception {
        Srcu srcu = newDomain("track");
        CompletableFuture<String> op = new CompletableFuture<>();
        CompletableFuture<String> result = srcu.track(() -> op);
        assertTrue(tryClose(srcu).contains("1 read section(s) still open"), "track holds a section");
        AtomicReference<String> whenCompleted = new AtomicReference<>();
        // Runs on the completing thread as soon as `result` completes, before complete() returns.
        result.whenComplete((v, e) -> whenCompleted.set(tryClose(srcu)));
        Worker completer = start("io-completion", () -> op.complete("written"));
        completer.joinAndCheck();
        assertEquals("written", result.get(30, TimeUnit.SECONDS));
        assertEquals("closed", whenCompleted.get(), "the future completed before the section ended");
    }

    @Test
    void trackHoldsGracePeriodUntilStageCompletes() throws Exception {
        Srcu srcu = newDomain("track-gp");
        CompletableFuture<String> op = new CompletableFuture<>();
        AtomicBoolean completed = new AtomicBoolean();
        CompletableFuture<String> result = srcu.track(() -> op);
        AtomicBoolean completedWhenReturned = new AtomicBoolean();
        Worker updater = start("updater", () -> {
            srcu.synchronize();
            completedWhenReturned.set(completed.get());
        });
        awaitParked(updater);
        completed.set(true);
        start("io-completion", () -> op.complete("x")).joinAndCheck();
        updater.joinAndCheck();
        assertTrue(completedWhenReturned.get(), "synchronize returned while a tracked operation was in flight");
        assertEquals("x", result.get(30, TimeUnit.SECONDS));
    }

    @Test
    void trackEndsSectionOnExceptionalCompletion() throws Exception {
        Srcu srcu = newDomain("track-fail");
        CompletableFuture<String> op = new CompletableFuture<>();
        CompletableFuture<String> result = srcu.track(() -> op);
        AtomicReference<String> whenCompleted = new AtomicReference<>();
        result.whenComplete((v, e) -> whenCompleted.set(tryClose(srcu)));
        IllegalStateException boom = new IllegalStateException("io failed");
        start("io-completion", () -> op.completeExceptionally(boom)).joinAndCheck();
        ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(30, TimeUnit.SECONDS));
        assertSame(boom, e.getCause());
        assertEquals("closed", whenCompleted.get(), "the future completed before the section ended");
    }

    @Test
    void trackOperationThrowsEndsSectionAndPropagates() throws Exception {
        Srcu srcu = newDomain("track-throw");
        IllegalStateException boom = new IllegalStateException("submit failed");
        AtomicReference<String> inside = new AtomicReference<>();
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> srcu.track(() -> {
            inside.set(tryClose(srcu));
            throw boom;
        }));
        assertSame(boom, thrown);
        assertTrue(inside.get().contains("1 read section(s) still open"), "the operation runs inside the section");
        srcu.close();                                      // the section ended
    }

    @Test
    void trackOperationReturnsNullThrowsNpeWithoutLeak() throws Exception {
        Srcu srcu = newDomain("track-null");
        assertThrows(NullPointerException.class, () -> srcu.track(() -> null));
        assertThrows(NullPointerException.class, () -> srcu.track(null));
        srcu.close();                                      // no leaked section
    }

    @Test
    void trackOfAlreadyCompletedStage() throws Exception {
        Srcu srcu = newDomain("track-done");
        CompletableFuture<Integer> r = srcu.track(() -> CompletableFuture.completedFuture(7));
        assertEquals(7, r.get(30, TimeUnit.SECONDS));
        srcu.synchronize();
        srcu.close();
    }

    // ------------------------------------------------------------------------------------------
    // synchronizeAsync

    @Test
    void synchronizeAsyncReturnsFreshFuturesCompletedOffTheWorker() throws Exception {
        Srcu srcu = newDomain("async");
        int token = srcu.downRead();
        CompletableFuture<Void> a = srcu.synchronizeAsync();
        CompletableFuture<Void> b = srcu.synchronizeAsync();
        assertNotSame(a, b);
        AtomicReference<String> dependentThread = new AtomicReference<>();
        CompletableFuture<Void> dep = a.thenRun(() -> dependentThread.set(Thread.currentThread().getName()));
        assertTrue(b.complete(null), "a caller may complete its own future");   // must not affect a
        assertFalse(a.isDone(), "futures are not shared between calls");
        assertFalse(srcu.synchronize(20, TimeUnit.MILLISECONDS));
        assertFalse(a.isDone(), "completed while an older section is open");
        srcu.upRead(token);
        dep.get(30, TimeUnit.SECONDS);
        assertEquals("test-callbacks", dependentThread.get());
        assertFalse(dependentThread.get().startsWith(WORKER_PREFIX));
        // b may need a later grace period than a, and the domain's worker hands its completion to
        // the executor after that grace period ends, on its own time (not before synchronize()
        // returns): until then close() refuses. Poll until the hand-over, with a generous deadline;
        // the pending count must return to zero (a lost decrement would fail here).
        srcu.synchronize();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (;;) {
            try {
                srcu.close();
                break;
            } catch (IllegalStateException pending) {
                assertTrue(pending.getMessage().contains("synchronizeAsync()"), pending.getMessage());
                assertTrue(System.nanoTime() < deadline, "b's completion was never handed over: " + pending);
                callbacks.submit(() -> { }).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** With the default executor too, dependents never run on the grace-period worker. */
    @Test
    void synchronizeAsyncDependentsNeverOnWorkerWithDefaultExecutor() throws Exception {
        Srcu srcu = Srcu.create("async-default");
        for (int i = 0; i < 20; i++) {
            AtomicReference<String> thread = new AtomicReference<>();
            srcu.synchronizeAsync().thenRun(() -> thread.set(Thread.currentThread().getName())).get(30, TimeUnit.SECONDS);
            // Either the completing pool thread or, if already complete, this thread: never the worker.
            assertFalse(thread.get().startsWith(WORKER_PREFIX), thread.get());
        }
        srcu.close();
    }

    // ------------------------------------------------------------------------------------------
    // callAfterGracePeriod and barrier

    @Test
    void callbackRunsOnceAfterFullGracePeriodOffCallerThread() throws Exception {
        Srcu srcu = newDomain("callback");
        int token = srcu.downRead();
        AtomicBoolean ended = new AtomicBoolean();
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicBoolean endedWhenRan = new AtomicBoolean();
        srcu.callAfterGracePeriod(() -> {
            endedWhenRan.set(ended.get());
            ranOn.set(Thread.currentThread());
            runs.incrementAndGet();
        });
        assertFalse(srcu.barrier(20, TimeUnit.MILLISECONDS), "the callback cannot run while the section is open");
        assertEquals(0, runs.get());
        ended.set(true);
        srcu.upRead(token);
        assertTrue(srcu.barrier(30, TimeUnit.SECONDS));
        assertEquals(1, runs.get());
        assertTrue(endedWhenRan.get(), "ran before the older section ended");
        assertNotSame(Thread.currentThread(), ranOn.get());
        assertEquals("test-callbacks", ranOn.get().getName());
        srcu.synchronize();
        srcu.synchronize();
        srcu.barrier();
        assertEquals(1, runs.get(), "ran more than once");
        srcu.close();
    }

    /** Even with a direct executor and no section open, the callback never runs on the caller. */
    @Test
    void callbackNeverRunsOnCallerThreadEvenWithDirectExecutor() throws Exception {
        Srcu srcu = Srcu.builder().name("direct").callbackExecutor(Runnable::run).build();
        Thread me = Thread.currentThread();
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 50; i++) {
            srcu.callAfterGracePeriod(() -> ranOn.add(Thread.currentThread()));
        }
        srcu.barrier();
        assertEquals(50, ranOn.size());
        for (Thread t : ranOn) {
            assertNotSame(me, t);
        }
        srcu.close();
    }

    @Test
    void throwingCallbackIsReportedAndOthersRun() throws Exception {
        Srcu srcu = newDomain("throwing");
        RuntimeException boom = new RuntimeException("callback failed");
        AtomicInteger ran = new AtomicInteger();
        srcu.callAfterGracePeriod(ran::incrementAndGet);
        srcu.callAfterGracePeriod(() -> {
            throw boom;
        });
        srcu.callAfterGracePeriod(ran::incrementAndGet);
        srcu.barrier();
        assertEquals(2, ran.get());
        assertEquals(1, reports.size(), reports.toString());
        Report r = reports.get(0);
        assertEquals(Report.Kind.CALLBACK_FAILED, r.kind());
        assertSame(boom, r.cause());
        assertEquals("throwing", r.source());
        srcu.close();
    }

    /** A rejecting executor: callbacks and async futures still complete, and it is reported. */
    @Test
    void rejectingExecutorFallsBackAndReports() throws Exception {
        Srcu srcu = Srcu.builder().name("rejecting").reportHandler(reports::add)
                .callbackExecutor(task -> {
                    throw new java.util.concurrent.RejectedExecutionException("full");
                })
                .build();
        AtomicReference<String> ranOn = new AtomicReference<>();
        srcu.callAfterGracePeriod(() -> ranOn.set(Thread.currentThread().getName()));
        srcu.barrier();
        assertNotNull(ranOn.get());
        srcu.synchronizeAsync().get(30, TimeUnit.SECONDS);
        assertFalse(reports.isEmpty());
        for (Report r : reports) {
            assertEquals(Report.Kind.CALLBACK_FAILED, r.kind());
            assertTrue(r.cause() instanceof java.util.concurrent.RejectedExecutionException, r.toString());
        }
        srcu.synchronize();
        closeWhenIdle(srcu);
    }

    /**
     * A report handler that throws harms nothing: later callbacks run, barrier returns, and what the
     * handler threw is logged to {@code "dev.quiesce"} (kept here, not printed).
     */
    @Test
    void throwingReportHandlerIsIgnored() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        IllegalStateException handlerFailure = new IllegalStateException("handler failed");
        Srcu srcu = Srcu.builder().name("bad-handler").callbackExecutor(callbacks)
                .reportHandler(r -> {
                    handled.incrementAndGet();
                    throw handlerFailure;
                })
                .build();
        AtomicInteger ran = new AtomicInteger();
        List<LogRecord> logged;
        try (CapturedLog log = CapturedLog.open()) {
            srcu.callAfterGracePeriod(() -> {
                throw new RuntimeException("callback failed");
            });
            srcu.callAfterGracePeriod(ran::incrementAndGet);
            srcu.barrier();                 // the failed callback was reported, and logged, before the next one ran
            logged = log.records();
        }
        assertEquals(1, ran.get());
        assertEquals(1, handled.get());
        assertEquals(1, logged.size(), () -> "logged: " + logged);
        assertEquals(Level.SEVERE, logged.get(0).getLevel());
        assertTrue(logged.get(0).getMessage().contains("CALLBACK_FAILED [bad-handler]"), logged.get(0).getMessage());
        assertSame(handlerFailure, logged.get(0).getThrown());
        srcu.synchronize();
        srcu.close();
    }

    @Test
    void reportRequiresKindSourceMessage() {
        assertThrows(NullPointerException.class, () -> new Report(null, "s", "m", null));
        assertThrows(NullPointerException.class, () -> new Report(Report.Kind.STALL, null, "m", null));
        assertThrows(NullPointerException.class, () -> new Report(Report.Kind.STALL, "s", null, null));
        assertTrue(new Report(Report.Kind.MISUSE, "s", "m", null).toString().contains("MISUSE"));
    }

    @Test
    void barrierDrainsManyCallbacksInOrder() throws Exception {
        Srcu srcu = newDomain("drain");
        int n = 2000;
        List<Integer> order = new CopyOnWriteArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            srcu.callAfterGracePeriod(() -> order.add(k));
        }
        srcu.barrier();
        assertEquals(n, order.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i, order.get(i));
        }
        srcu.close();
    }

    /** A barrier waits for callbacks queued before it, not for those queued after. */
    @Test
    void barrierWaitsOnlyForEarlierCallbacks() throws Exception {
        Srcu srcu = newDomain("barrier-order");
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean firstRan = new AtomicBoolean();
        srcu.callAfterGracePeriod(() -> firstRan.set(true));
        Worker waiter = start("barrier", () -> {
            srcu.barrier();
            assertTrue(firstRan.get(), "barrier returned before an earlier callback ran");
        });
        waiter.joinAndCheck();
        // A blocked callback queued after a completed barrier does not affect it.
        srcu.callAfterGracePeriod(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertFalse(srcu.barrier(20, TimeUnit.MILLISECONDS));
        release.countDown();
        srcu.barrier();
        srcu.close();
    }

    // ------------------------------------------------------------------------------------------
    // Polled grace periods

    @Test
    void pollStateCompletesWhenOthersCompleteGracePeriods() throws Exception {
        Srcu srcu = newDomain("poll");
        long cookie = srcu.pollState();
        assertFalse(srcu.pollCompleted(cookie));
        assertFalse(srcu.pollCompleted(cookie), "pollState starts nothing");
        Worker other = start("other-updater", srcu::synchronize);
        other.joinAndCheck();
        assertTrue(srcu.pollCompleted(cookie));
        srcu.synchronizeExpedited();
        assertTrue(srcu.pollCompleted(cookie), "monotone");
        srcu.awaitCompleted(cookie);                       // returns at once
        srcu.close();
    }

    @Test
    void startPollStartsGracePeriod() throws Exception {
        Srcu srcu = newDomain("start-poll");
        long cookie = srcu.startPoll();
        awaitCondition("the started grace period completes", () -> srcu.pollCompleted(cookie));
        assertTrue(srcu.pollCompleted(cookie));
        closeWhenIdle(srcu);
    }

    @Test
    void cookieTakenInsideSectionDoesNotCompleteWhileOpen() throws Exception {
        Srcu srcu = newDomain("poll-in-section");
        int token = srcu.downRead();
        long state = srcu.pollState();
        long started = srcu.startPoll();
        assertFalse(srcu.synchronize(20, TimeUnit.MILLISECONDS));
        assertFalse(srcu.pollCompleted(state));
        assertFalse(srcu.pollCompleted(started));
        AtomicBoolean ended = new AtomicBoolean();
        AtomicBoolean endedWhenReturned = new AtomicBoolean();
        Worker awaiter = start("awaiter", () -> {
            srcu.awaitCompleted(started);
            endedWhenReturned.set(ended.get());
        });
        awaitParked(awaiter);
        assertFalse(srcu.pollCompleted(started));
        ended.set(true);
        start("ender", () -> srcu.upRead(token)).joinAndCheck();
        awaiter.joinAndCheck();
        assertTrue(endedWhenReturned.get());
        awaitCondition("the polled grace periods complete", () -> srcu.pollCompleted(state));
        closeWhenIdle(srcu);
    }

    @Test
    void completedCookieAndAwaitOfCompleteCookie() throws Exception {
        Srcu srcu = newDomain("completed");
        assertTrue(srcu.pollCompleted(Srcu.COMPLETED));
        long cookie = srcu.pollState();
        srcu.synchronize();
        Thread.currentThread().interrupt();
        try {
            srcu.awaitCompleted(Srcu.COMPLETED);           // complete: no wait, no interrupt check
            srcu.awaitCompleted(cookie);
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt flag must be left alone");
        } finally {
            Thread.interrupted();
        }
        srcu.close();
        assertTrue(srcu.pollCompleted(Srcu.COMPLETED));
        assertTrue(srcu.pollCompleted(cookie));
        srcu.awaitCompleted(cookie);                       // complete: fine even when closed
    }

    /** Cookie values are 4 * completed grace periods (+ 4 for the next one). */
    @Test
    void cookieArithmetic() throws Exception {
        Srcu srcu = newDomain("cookies");
        long c0 = srcu.pollState();
        assertEquals(0, c0 % 4);
        srcu.synchronize();
        assertEquals(c0 + 4, srcu.pollState());
        srcu.synchronize();
        srcu.synchronize();
        assertEquals(c0 + 12, srcu.pollState());
        srcu.close();
    }

    @Test
    void garbageCookiesAreRefused() throws Exception {
        Srcu srcu = newDomain("garbage-cookie");
        long newest = srcu.pollState();
        for (long bad : new long[] {-4, -1, 1, 2, 3, newest + 1, newest + 4, newest + 400, Long.MAX_VALUE, Long.MIN_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> srcu.pollCompleted(bad), "cookie " + bad);
            assertThrows(IllegalArgumentException.class, () -> srcu.awaitCompleted(bad), "cookie " + bad);
        }
        srcu.close();
    }

    // ------------------------------------------------------------------------------------------
    // Bad tokens

    @Test
    void foreignAndGarbageTokensAreRefusedWithoutCountChange() throws Exception {
        Srcu srcu = newDomain("tokens");
        Srcu other = newDomain("other");
        int mine = srcu.downRead();
        int foreign = other.downRead();
        assertNotEquals(mine & ~1, foreign & ~1, "salts collide (1 in 2^30): rerun");
        int sameIndexForeign = (foreign & ~1) | (mine & 1);
        int[] bad = {foreign, sameIndexForeign, 0, 1, -1, mine ^ 2, mine ^ 0x40000000, mine ^ Integer.MIN_VALUE};
        for (int t : bad) {
            assertThrows(IllegalArgumentException.class, () -> srcu.upRead(t), "token " + t);
            assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(t), "token " + t);
            assertThrows(IllegalArgumentException.class, () -> srcu.blocksGracePeriod(t), "token " + t);
        }
        // No refused call counted an end: the real section still holds grace periods.
        assertFalse(srcu.synchronize(20, TimeUnit.MILLISECONDS), "a refused token ended a section");
        srcu.upRead(mine);
        other.upRead(foreign);
        srcu.synchronize();
        other.synchronize();
        // ... and none counted an extra end either: both close cleanly.
        srcu.close();
        other.close();
        assertTrue(reports.isEmpty(), reports.toString());
    }

    // ------------------------------------------------------------------------------------------
    // ReadSection handles

    @Test
    void readSectionClosedTwiceThrowsAndChangesNothing() throws Exception {
        Srcu srcu = newDomain("twice");
        ReadSection s = srcu.enter();
        assertTrue(s.isOpen());
        ReadSection other = srcu.enter();
        s.close();
        assertFalse(s.isOpen());
        assertThrows(IllegalStateException.class, s::close);
        // The second close did not end `other`'s count.
        assertFalse(srcu.synchronize(20, TimeUnit.MILLISECONDS));
        other.close();
        srcu.synchronize();
        srcu.close();
        assertTrue(reports.isEmpty(), reports.toString());
    }

    @Test
    void detachMovesOwnership() throws Exception {
        Srcu srcu = newDomain("detach");
        ReadSection original = srcu.enter();
        ReadSection moved = original.detach();
        assertNotSame(original, moved);
        assertFalse(original.isOpen());
        assertTrue(moved.isOpen());
        assertThrows(IllegalStateException.class, original::detach);
        assertThrows(IllegalStateException.class, original::attach);
        original.close();                                  // no-op
        original.close();                                  // still a no-op
        assertFalse(srcu.synchronize(20, TimeUnit.MILLISECONDS), "closing the detached handle ended the section");
        assertFalse(original.blocksGracePeriod());
        Worker other = start("owner", () -> {
            assertSame(moved, moved.attach());
            moved.close();
        });
        other.joinAndCheck();
        assertFalse(moved.isOpen());
        assertThrows(IllegalStateException.class, moved::close);
        assertThrows(IllegalStateException.class, moved::attach);
        assertThrows(IllegalStateException.class, moved::detach);
        srcu.synchronize();
        srcu.close();
    }

    @Test
    void tryWithResourcesAroundHandOff() throws Exception {
        Srcu srcu = newDomain("twr");
        CountDownLatch go = new CountDownLatch(1);
        Worker owner;
        try (ReadSection s = srcu.enter()) {
            ReadSection mine = s.detach();
            owner = start("owner", () -> {
                mine.attach();
                go.await();
                mine.close();
            });
        }
        assertFalse(srcu.synchronize(20, TimeUnit.MILLISECONDS), "the section must still be open");
        go.countDown();
        owner.joinAndCheck();
        srcu.synchronize();
        srcu.close();
    }

    /** Concurrent closes of one handle: exactly one ends the section, the other throws. */
    @Test
    void concurrentClosesOfOneHandle() throws Exception {
        Srcu srcu = newDomain("race-close");
        for (int i = 0; i < 200; i++) {
            ReadSection s = srcu.enter();
            CyclicBarrier both = new CyclicBarrier(2);
            AtomicInteger failures = new AtomicInteger();
            SrcuTestSupport.ThrowingRunnable closer = () -> {
                both.await();
                try {
                    s.close();
                } catch (IllegalStateException e) {
                    failures.incrementAndGet();
                }
            };
            Worker a = start("a", closer);
            Worker b = start("b", closer);
            a.joinAndCheck();
            b.joinAndCheck();
            assertEquals(1, failures.get());
        }
        srcu.synchronize();
        srcu.close();                                      // exactly 200 ends were counted
    }

    // ------------------------------------------------------------------------------------------
    // close()

    @Test
    void closeWithOpenSectionRefusesAndDomainStaysUsable() throws Exception {
        Srcu srcu = newDomain("busy");
        int token = srcu.downRead();
        assertThrows(IllegalStateException.class, srcu::close);
        int again = srcu.readLock();                       // still open for business
        srcu.readUnlock(again);
        srcu.upRead(token);
        srcu.synchronize();
        ReadSection s = srcu.enter();
        assertThrows(IllegalStateException.class, srcu::close);
        s.close();
        srcu.close();
        srcu.close();                                      // closing twice does nothing
    }

    /** A queued callback alone — no section open — makes close() refuse. */
    @Test
    void closeRefusesWhileCallbackQueued() throws Exception {
        Srcu srcu = newDomain("queued-only");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        srcu.callAfterGracePeriod(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        srcu.callAfterGracePeriod(() -> { });
        assertTrue(started.await(30, TimeUnit.SECONDS));
        IllegalStateException e = assertThrows(IllegalStateException.class, srcu::close);
        assertTrue(e.getMessage().contains("callback"), e.getMessage());
        int t = srcu.readLock();                           // still usable
        srcu.readUnlock(t);
        release.countDown();
        srcu.barrier();
        srcu.synchronize();
        srcu.close();
    }

    @Test
    void closedDomainRefusesEverything() throws Exception {
        Srcu srcu = newDomain("closed");
        int validToken = srcu.downRead();
        srcu.upRead(validToken);
        long cookie = srcu.pollState();
        srcu.close();
        assertThrows(IllegalStateException.class, srcu::readLock);
        assertThrows(IllegalStateException.class, srcu::downRead);
        assertThrows(IllegalStateException.class, srcu::enter);
        assertThrows(IllegalStateException.class, () -> srcu.track(() -> CompletableFuture.completedFuture(1)));
        assertThrows(IllegalStateException.class, srcu::synchronize);
        assertThrows(IllegalStateException.class, srcu::synchronizeUninterruptibly);
        assertThrows(IllegalStateException.class, () -> srcu.synchronize(1, TimeUnit.SECONDS));
        assertThrows(IllegalStateException.class, srcu::synchronizeExpedited);
        assertThrows(IllegalStateException.class, srcu::synchronizeAsync);
        assertThrows(IllegalStateException.class, () -> srcu.callAfterGracePeriod(() -> { }));
        assertThrows(IllegalStateException.class, srcu::startPoll);
        assertThrows(IllegalStateException.class, () -> srcu.awaitCompleted(cookie));
        srcu.barrier();                                    // nothing queued: returns
        assertFalse(srcu.pollCompleted(cookie));
        srcu.close();                                      // still a no-op
    }

    // ------------------------------------------------------------------------------------------
    // Null arguments and names

    @Test
    void nullArgumentsThrowNpe() {
        Srcu srcu = newDomain("nulls");
        assertThrows(NullPointerException.class, () -> srcu.track(null));
        assertThrows(NullPointerException.class, () -> srcu.callAfterGracePeriod(null));
        assertThrows(NullPointerException.class, () -> srcu.synchronize(1, null));
        assertThrows(NullPointerException.class, () -> srcu.barrier(1, null));
        assertThrows(NullPointerException.class, () -> Srcu.create(null));
        Srcu.Builder b = Srcu.builder();
        assertThrows(NullPointerException.class, () -> b.name(null));
        assertThrows(NullPointerException.class, () -> b.callbackExecutor(null));
        assertThrows(NullPointerException.class, () -> b.stallThreshold(null));
        assertThrows(NullPointerException.class, () -> b.clock(null));
        assertThrows(NullPointerException.class, () -> b.reportHandler(null));
        assertThrows(IllegalArgumentException.class, () -> b.stallThreshold(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.stallThreshold(Duration.ofNanos(-1)));
        srcu.close();                                      // the refused calls queued nothing
    }

    @Test
    void names() {
        Srcu named = Srcu.create("volume-writes");
        assertEquals("volume-writes", named.name());
        assertTrue(named.toString().contains("volume-writes"));
        Srcu a = Srcu.create();
        Srcu b = Srcu.create();
        assertNotNull(a.name());
        assertNotEquals(a.name(), b.name());
        assertEquals("x", Srcu.builder().name("x").build().name());
        named.close();
        a.close();
        b.close();
    }

    // ------------------------------------------------------------------------------------------
    // Interrupts

    @Test
    void interruptibleFormsThrowWhenInterruptedBeforeTheCall() throws Exception {
        Srcu srcu = newDomain("interrupted");
        int token = srcu.downRead();
        List<SrcuTestSupport.ThrowingRunnable> calls = List.of(
                srcu::synchronize,
                srcu::synchronizeExpedited,
                () -> srcu.synchronize(1, TimeUnit.SECONDS),
                () -> srcu.awaitCompleted(srcu.pollState()));
        for (SrcuTestSupport.ThrowingRunnable call : calls) {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, call::run);
            assertFalse(Thread.currentThread().isInterrupted(), "InterruptedException clears the flag");
        }
        srcu.callAfterGracePeriod(() -> { });
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, srcu::barrier);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> srcu.barrier(1, TimeUnit.SECONDS));
        srcu.upRead(token);
        srcu.barrier();
        srcu.synchronize();
        srcu.close();
    }

    /** Interrupting a waiting updater — driver or not — throws; the grace period still completes. */
    @ParameterizedTest
    @EnumSource(value = Wait.class, names = {"SYNCHRONIZE", "TIMED", "EXPEDITED", "AWAIT_START_POLL"})
    void interruptWhileWaiting(Wait wait) throws Exception {
        Srcu srcu = newDomain("interrupt-" + wait);
        int token = srcu.downRead();
        long cookie = srcu.pollState();
        CountDownLatch interruptedSeen = new CountDownLatch(2);
        List<Worker> waiters = new ArrayList<>();
        for (int i = 0; i < 2; i++) {                      // the first drives, the second waits for it
            Worker w = start("waiter-" + i, () -> {
                try {
                    wait.await(srcu);
                } catch (InterruptedException expected) {
                    interruptedSeen.countDown();
                }
            });
            waiters.add(w);
            awaitCondition("the updater waits", () -> srcu.blocksGracePeriod(token));
            awaitParked(w);
        }
        for (Worker w : waiters) {
            w.interrupt();
            w.joinAndCheck();
        }
        assertEquals(0, interruptedSeen.getCount(), "both waiters must see InterruptedException");
        assertFalse(srcu.pollCompleted(cookie));
        srcu.upRead(token);
        awaitCondition("the grace period completes without its callers", () -> srcu.pollCompleted(cookie));
        closeWhenIdle(srcu);
    }

    @Test
    void synchronizeUninterruptiblyWaitsAndKeepsInterruptFlag() throws Exception {
        Srcu srcu = newDomain("uninterruptible");
        // Already interrupted, nothing to wait for.
        Thread.currentThread().interrupt();
        srcu.synchronizeUninterruptibly();
        assertTrue(Thread.interrupted(), "flag must stay set");
        // Interrupted while waiting, as driver and as a waiter behind the driver.
        int token = srcu.downRead();
        AtomicBoolean ended = new AtomicBoolean();
        List<Worker> waiters = new ArrayList<>();
        List<AtomicBoolean> flags = new ArrayList<>();
        List<AtomicBoolean> endedSeen = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            AtomicBoolean flag = new AtomicBoolean();
            AtomicBoolean seen = new AtomicBoolean();
            Worker w = start("waiter-" + i, () -> {
                srcu.synchronizeUninterruptibly();
                seen.set(ended.get());
                flag.set(Thread.currentThread().isInterrupted());
            });
            awaitCondition("the updater waits", () -> srcu.blocksGracePeriod(token));
            awaitParked(w);
            waiters.add(w);
            flags.add(flag);
            endedSeen.add(seen);
        }
        for (Worker w : waiters) {
            w.interrupt();
        }
        for (Worker w : waiters) {
            awaitParked(w);                                // parks again, does not return
        }
        ended.set(true);
        srcu.upRead(token);
        for (int i = 0; i < 2; i++) {
            waiters.get(i).joinAndCheck();
            assertTrue(endedSeen.get(i).get(), "returned before the section ended");
            assertTrue(flags.get(i).get(), "interrupt flag lost");
        }
        srcu.close();
    }

    // ------------------------------------------------------------------------------------------
    // Reports: misuse and stalls

    @Test
    void repeatedUpReadIsReportedAndDoesNotEndGracePeriods() throws Exception {
        Srcu srcu = newDomain("misuse");
        int token = srcu.downRead();
        srcu.upRead(token);
        srcu.upRead(token);                                // cannot be told from a real end
        assertFalse(srcu.synchronize(50, TimeUnit.MILLISECONDS), "a grace period completed on a corrupted index");
        awaitCondition("a MISUSE report", () -> !reports.isEmpty());
        assertEquals(Report.Kind.MISUSE, reports.get(0).kind());
        assertEquals("misuse", reports.get(0).source());
        // A newcomer's trial (2026-12-03): the report now says how to find the second end.
        assertTrue(reports.get(0).message().contains("a ReadSection (enter()) throws at the call that closes it"
                + " twice"), reports.get(0).message());
        assertThrows(IllegalStateException.class, srcu::close);
    }

    /** A stall is reported once the (fake) clock passes the threshold — without sleeping. */
    @Test
    void stallIsReportedWithFakeClock() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        CountDownLatch stalled = new CountDownLatch(1);
        List<Report> stalls = new CopyOnWriteArrayList<>();
        Srcu srcu = Srcu.builder().name("stall").callbackExecutor(callbacks)
                .clock(now::get)
                .stallThreshold(Duration.ofMillis(10))
                .reportHandler(r -> {
                    stalls.add(r);
                    if (r.kind() == Report.Kind.STALL) {
                        stalled.countDown();
                    }
                })
                .build();
        int first = srcu.downRead();
        int second = srcu.downRead();
        Worker updater = start("updater", srcu::synchronize);
        awaitCondition("the updater waits", () -> srcu.blocksGracePeriod(first));
        awaitParked(updater);
        assertTrue(stalls.isEmpty(), "no stall before the clock moves: " + stalls);
        now.addAndGet(TimeUnit.SECONDS.toNanos(5));
        srcu.upRead(second);                               // wakes the driver, which re-checks
        assertTrue(stalled.await(30, TimeUnit.SECONDS), "no stall report");
        Report r = stalls.get(0);
        assertEquals(Report.Kind.STALL, r.kind());
        assertEquals("stall", r.source());
        assertTrue(r.message().contains("1 read section"), r.message());
        srcu.upRead(first);
        updater.joinAndCheck();
        assertEquals(1, stalls.size(), "reported once per grace period: " + stalls);
        srcu.close();
    }

    // ------------------------------------------------------------------------------------------
    // Batching and threads

    /** Eight callers waiting at once complete with at most three grace periods between them. */
    @Test
    void concurrentCallersShareGracePeriods() throws Exception {
        Srcu srcu = newDomain("batch");
        int n = 8;
        srcu.synchronize();
        long before = srcu.pollState();
        int token = srcu.downRead();
        List<Worker> callers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            callers.add(start("caller-" + i, srcu::synchronize));
        }
        for (Worker w : callers) {
            awaitParked(w);
        }
        assertTrue(srcu.blocksGracePeriod(token));
        srcu.upRead(token);
        for (Worker w : callers) {
            w.joinAndCheck();
        }
        long gracePeriods = (srcu.pollState() - before) / 4;
        assertTrue(gracePeriods >= 1 && gracePeriods <= 3, n + " callers cost " + gracePeriods + " grace periods");
        srcu.close();
    }

    /** The worker is a daemon, and it ends once the domain is closed. */
    @Test
    void workerThreadEndsAfterClose() throws Exception {
        String name = "leak-check-" + System.nanoTime();
        Srcu srcu = newDomain(name);
        CountDownLatch ran = new CountDownLatch(1);
        srcu.callAfterGracePeriod(ran::countDown);         // needs the worker
        assertTrue(ran.await(30, TimeUnit.SECONDS));
        srcu.barrier();
        Thread worker = findThread(WORKER_PREFIX + name);
        if (worker != null) {
            assertTrue(worker.isDaemon());
        }
        srcu.close();
        awaitCondition("the worker thread ends", () -> findThread(WORKER_PREFIX + name) == null);
    }

    /** An idle worker ends on its own; a later request starts a new one. */
    @Test
    void idleWorkerEndsAndRestarts() throws Exception {
        String name = "idle-" + System.nanoTime();
        Srcu srcu = newDomain(name);
        awaitAsync(srcu);
        awaitCondition("the idle worker ends", () -> findThread(WORKER_PREFIX + name) == null);
        awaitAsync(srcu);                                  // works again with a fresh worker
        srcu.close();
        awaitCondition("the worker thread ends", () -> findThread(WORKER_PREFIX + name) == null);
    }

    private static void awaitAsync(Srcu srcu) throws Exception {
        srcu.synchronizeAsync().get(30, TimeUnit.SECONDS);
    }

    private static Thread findThread(String name) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(name) && t.isAlive()) {
                return t;
            }
        }
        return null;
    }

    /**
     * Regression (found by jcstress): the shift that maps a thread to its cell and the cell array
     * were each derived from availableProcessors(), read twice; under CPU affinity the two reads
     * differed and lock() indexed past the array. Both now come from one count, so the largest
     * cell the shift can name is the last cell of the array.
     */
    @Test
    void cellShiftAndArrayAgree() {
        Srcu srcu = Srcu.create("cells");
        assertEquals(srcu.cellCount() - 1, srcu.maxCellIndex());
    }
}
