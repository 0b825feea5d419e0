package dev.quiesce.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How a primitive lets time pass where it must look again by itself (an inflated
 * {@code RwSemaphore}'s waiting writers, whose last reader's release may not tell them): a waiter
 * parks for a while, or a task runs after a delay. {@link #REAL} is the only one in production;
 * tests replace it to see the intervals asked for and to decide when each ends, so that the
 * bound on a missed wake-up is checked without timing anything.
 */
public interface Pause {

    /**
     * Parks the current thread for at most {@code nanos}, or until unparked; may return early
     * (as {@link LockSupport#parkNanos(Object, long)}).
     *
     * @param blocker what the thread waits on, for thread dumps
     * @param nanos how long at most; {@code Long.MAX_VALUE} for until unparked
     */
    void park(Object blocker, long nanos);

    /**
     * Runs {@code task} once, on some thread, after about {@code nanos}.
     *
     * @param nanos the delay
     * @param task what to run
     */
    void runAfter(long nanos, Runnable task);

    /** Real parking and a real timer: {@link Real}. */
    Pause REAL = new Real();

    /**
     * Parks with {@link LockSupport}; runs a task after a delay on the
     * {@linkplain ForkJoinPool#commonPool() common pool}, through
     * {@link CompletableFuture#delayedExecutor(long, TimeUnit, java.util.concurrent.Executor)}'s
     * timer thread (the two-argument form would use CompletableFuture's async pool, which on a
     * machine with one or two processors starts a thread per task).
     */
    final class Real implements Pause {
        private Real() {
        }

        @Override
        public void park(Object blocker, long nanos) {
            if (nanos == Long.MAX_VALUE) {
                LockSupport.park(blocker);
            } else {
                LockSupport.parkNanos(blocker, nanos);
            }
        }

        @Override
        public void runAfter(long nanos, Runnable task) {
            CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, ForkJoinPool.commonPool()).execute(task);
        }

        @Override
        public String toString() {
            return "Pause.REAL";
        }
    }
}
