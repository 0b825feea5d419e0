package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.quiesce.internal.Pause;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Pause} that the test steps, for the bounded re-check of an inflated semaphore's
 * waiting writers: every park is recorded and lasts until the test ends it ({@link #endPark()});
 * every timer task is recorded and runs only when the test runs it. Nothing here reads a clock,
 * so the intervals a waiter asks for are checked exactly, and "found at the next look" is a
 * count of looks, not a time.
 *
 * <p>Unlike a real park, a stepped park ends only at {@link #endPark()}: neither an unpark (a
 * grant's wake-up) nor an interrupt ends it, so a test that needs a waiter woken by a release
 * does not belong here. Parks are counted in one queue, so one thread at a time may park
 * through an instance: with two, {@code endPark()} would end either one's park.
 */
final class SteppedPause implements Pause {

    /** A timer task the semaphore scheduled, and the delay it asked for. */
    static final class Timer {
        final long nanos;
        final Runnable task;

        Timer(long nanos, Runnable task) {
            this.nanos = nanos;
            this.task = task;
        }
    }

    private final BlockingQueue<Long> parks = new LinkedBlockingQueue<>();
    private final Semaphore parkEnds = new Semaphore(0);
    private final BlockingQueue<Timer> timers = new LinkedBlockingQueue<>();

    @Override
    public void park(Object blocker, long nanos) {
        parks.add(nanos);
        parkEnds.acquireUninterruptibly();
    }

    @Override
    public void runAfter(long nanos, Runnable task) {
        timers.add(new Timer(nanos, task));
    }

    /** Waits for the next park to begin; returns the longest it asked to last. */
    long nextPark() throws InterruptedException {
        Long n = parks.poll(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        assertNotNull(n, "no park began (deadlock guard)");
        return n;
    }

    /** Ends the park in progress (as its interval running out would). */
    void endPark() {
        parkEnds.release();
    }

    /** The next timer task scheduled, without waiting: scheduling is synchronous. */
    Timer nextTimer() {
        Timer t = timers.poll();
        assertNotNull(t, "no timer task was scheduled");
        return t;
    }

    /** Parks begun and not yet taken by nextPark(). */
    int parksPending() {
        return parks.size();
    }

    /** Timer tasks scheduled and not yet taken by nextTimer(). */
    int timersPending() {
        return timers.size();
    }
}
