package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;

/** Waiting, in tests, for a thread to park (a generous deadlock guard, not a speed claim). */
final class Parked {

    private static final long GUARD_NANOS = TimeUnit.SECONDS.toNanos(30);

    private Parked() {
    }

    /** A wait that may be interrupted. */
    interface Wait {
        void run() throws InterruptedException;
    }

    /**
     * Starts a thread named {@code name} that runs {@code wait} (keeping an interrupt as the
     * thread's status), and returns it once it waits.
     */
    static Thread waiting(String name, Wait wait) {
        Thread t = new Thread(() -> {
            try {
                wait.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.start();
        awaitWaiting(t);
        return t;
    }

    /** Returns once {@code t} is waiting (parked, or in {@code Object.wait}); fails if it ends first. */
    static void awaitWaiting(Thread t) {
        long deadline = System.nanoTime() + GUARD_NANOS;
        while (true) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                return;
            }
            if (s == Thread.State.TERMINATED) {
                fail(t.getName() + " ended instead of waiting");
            }
            if (System.nanoTime() > deadline) {
                fail(t.getName() + " did not wait within 30 s: " + s);
            }
            Thread.onSpinWait();
        }
    }

    /** Joins {@code t} within the guard; fails if it is still running. */
    static void join(Thread t) throws InterruptedException {
        t.join(TimeUnit.NANOSECONDS.toMillis(GUARD_NANOS));
        if (t.isAlive()) {
            fail(t.getName() + " still running after 30 s");
        }
    }
}
