package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker paces the grace periods it drives ({@link Srcu#PACE_NANOS} from the completion of
 * one to the start of the next), and an isolated request is not paced. The pace's clock (the
 * builder's package-private test seam) is a test clock that stands still unless the test moves it, so "paced" is seen
 * as "not done while the clock stands still, done once it moves" — no sleeping, no timing.
 */
class SrcuPacingTest {

    private static final long GUARD_S = 30;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private Srcu srcu;

    @BeforeEach
    void create() {
        srcu = Srcu.builder().name("paced").paceClock(now::get).build();
    }

    @AfterEach
    void close() throws Exception {
        now.addAndGet(Srcu.PACE_NANOS);                    // let anything still paced finish
        srcu.barrier(GUARD_S, TimeUnit.SECONDS);
        srcu.close();
    }

    @Test
    void anIsolatedRequestIsNotPaced() throws Exception {
        // The worker has driven no grace period yet: the clock never moves, and still it completes.
        srcu.synchronizeAsync().get(GUARD_S, TimeUnit.SECONDS);
        now.addAndGet(Srcu.PACE_NANOS);                    // a millisecond without a grace period
        srcu.synchronizeAsync().get(GUARD_S, TimeUnit.SECONDS);
    }

    @Test
    void aRequestRightAfterTheWorkersGracePeriodWaitsForThePace() throws Exception {
        srcu.synchronizeAsync().get(GUARD_S, TimeUnit.SECONDS);
        long before = srcu.stats().gracePeriodsCompleted();
        CompletableFuture<Void> paced = srcu.synchronizeAsync();
        awaitWorkerPacing();
        assertFalse(paced.isDone(), "a grace period started while the clock stood still");
        assertEquals(before, srcu.stats().gracePeriodsCompleted());
        now.addAndGet(Srcu.PACE_NANOS);
        paced.get(GUARD_S, TimeUnit.SECONDS);
    }

    /** Callbacks queued while the worker paces share the grace period that follows. */
    @Test
    void callbacksQueuedDuringThePaceShareOneGracePeriod() throws Exception {
        srcu.synchronizeAsync().get(GUARD_S, TimeUnit.SECONDS);
        long before = srcu.stats().gracePeriodsCompleted();
        CountDownLatch ran = new CountDownLatch(100);
        srcu.callAfterGracePeriod(ran::countDown);
        awaitWorkerPacing();
        for (int i = 1; i < 100; i++) {
            srcu.callAfterGracePeriod(ran::countDown);
        }
        assertEquals(100, ran.getCount(), "a callback ran while the worker paced");
        now.addAndGet(Srcu.PACE_NANOS);
        assertTrue(ran.await(GUARD_S, TimeUnit.SECONDS), "the callbacks never ran");
        assertEquals(before + 1, srcu.stats().gracePeriodsCompleted(), "one grace period for the 100");
    }

    /** synchronize() drives its own grace period: never paced, even right after the worker's. */
    @Test
    void synchronizeIsNotPaced() throws Exception {
        srcu.synchronizeAsync().get(GUARD_S, TimeUnit.SECONDS);
        CompletableFuture<Void> paced = srcu.synchronizeAsync();
        awaitWorkerPacing();
        long before = srcu.stats().gracePeriodsCompleted();
        assertTrue(srcu.synchronize(GUARD_S, TimeUnit.SECONDS), "synchronize() waited for the pace");
        assertTrue(srcu.stats().gracePeriodsCompleted() > before);
        // The paced request's grace period may have been completed by synchronize(): either way
        // it completes once the pace ends.
        now.addAndGet(Srcu.PACE_NANOS);
        paced.get(GUARD_S, TimeUnit.SECONDS);
    }

    /** Waits (a deadlock guard, not a timer) until the domain's worker parks in its pace. */
    private void awaitWorkerPacing() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_S);
        while (System.nanoTime() - deadline < 0) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals("quiesce-srcu-paced") && t.getState() == Thread.State.TIMED_WAITING
                        && inPace(t)) {
                    return;
                }
            }
            Thread.onSpinWait();
        }
        fail("the worker never paced");
    }

    private static boolean inPace(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(Srcu.class.getName()) && e.getMethodName().equals("pace")) {
                return true;
            }
        }
        return false;
    }
}
