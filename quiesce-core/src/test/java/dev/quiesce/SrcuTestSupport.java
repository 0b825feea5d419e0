package dev.quiesce;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waiting helpers for the Srcu tests. Every wait here is for a condition; the deadline is only a
 * deadlock guard, never a speed claim.
 */
final class SrcuTestSupport {

    /** Deadlock guard for every wait in the tests. */
    static final long GUARD_SECONDS = 30;

    private SrcuTestSupport() {
    }

    /** Waits until {@code condition} holds; fails the test after the deadlock guard. */
    static void awaitCondition(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out (deadlock guard) waiting until " + what);
            }
            Thread.yield();
        }
    }

    /** Waits until {@code t} is parked (WAITING or TIMED_WAITING) — blocked in a wait, not running. */
    static void awaitParked(Thread t) {
        awaitCondition(t.getName() + " is parked", () -> {
            Thread.State s = t.getState();
            return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
        });
    }

    /**
     * Closes {@code srcu}, which must succeed at once: a grace period still being driven does not
     * make {@code close()} refuse (regression: SrcuCloseRaceTest).
     */
    static void closeWhenIdle(Srcu srcu) {
        srcu.close();
    }

    /** Joins {@code t} with the deadlock guard. */
    static void join(Thread t) throws InterruptedException {
        t.join(TimeUnit.SECONDS.toMillis(GUARD_SECONDS));
        if (t.isAlive()) {
            fail(t.getName() + " did not finish (deadlock guard)");
        }
    }

    /** Runs a throwing action on a new (platform) thread, recording its failure. */
    static Worker start(String name, ThrowingRunnable body) {
        Worker w = new Worker(name, body);
        w.start();
        return w;
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** A thread that keeps what its body threw, for rethrowing in the test thread. */
    static final class Worker extends Thread {
        private final ThrowingRunnable body;
        volatile Throwable failure;

        Worker(String name, ThrowingRunnable body) {
            super(name);
            this.body = body;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                body.run();
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Joins with the deadlock guard and rethrows the body's failure, if any. */
        void joinAndCheck() throws Exception {
            SrcuTestSupport.join(this);
            Throwable t = failure;
            if (t instanceof Exception) {
                throw (Exception) t;
            }
            if (t instanceof Error) {
                throw (Error) t;
            }
        }
    }
}
