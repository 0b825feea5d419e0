package dev.quiesce;

import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * {@code close()} racing the read side and callbacks, explored by Lincheck's general-purpose mode.
 *
 * <p>Every outcome must be linearizable: if {@code readLock()} returned a token, either it came
 * first — and {@code close()} must then refuse, the section being open — or {@code close()} came
 * first and {@code readLock()} must have thrown. Both succeeding means a domain closed with a
 * read section open in it: the section's owner keeps using what the domain protects after
 * {@code close()} said nobody was, and its {@code readUnlock} then throws. Likewise a callback
 * accepted by {@code callAfterGracePeriod} must not be accepted by a domain that
 * {@code close()} has closed unless it has already run: it would never run, and
 * {@code barrier()} would wait for ever.
 *
 * <p>Regression tests: Lincheck found the first two races (a {@code lock()} or an updater call that
 * checked the closed bit before {@code close()} set it and registered after its scan); the stress
 * loop found the third ({@code close()} refused while the worker still held the driver role after
 * completing the grace period a {@code synchronize()} had just returned from).
 */
class SrcuCloseRaceTest {

    private static final int INVOCATIONS = 300;

    // Shared state, published through fields.
    private Srcu srcu;
    private volatile boolean begun;
    private volatile boolean closed;

    private void reset() {
        srcu = Srcu.builder().name("close-race").callbackExecutor(Runnable::run).build();
        begun = false;
        closed = false;
    }

    @Test
    void closeNeverSucceedsWhileAConcurrentlyBegunSectionIsOpen() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            reset();
            Thread reader = new Thread(() -> {
                try {
                    srcu.readLock();                       // held: never ended in this scenario
                    begun = true;
                } catch (IllegalStateException refused) {
                    // closed first: fine
                }
            });
            Thread closer = new Thread(() -> {
                try {
                    srcu.close();
                    closed = true;
                } catch (IllegalStateException refused) {
                    // a section was open: fine
                }
            });
            runBoth(reader, closer);
            if (begun && closed) {
                throw new AssertionError("readLock() returned a token and close() succeeded: "
                        + "a closed domain holds an open read section");
            }
        });
    }

    @Test
    void closeNeverSucceedsWhenACallbackWasAccepted() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            reset();
            Thread caller = new Thread(() -> {
                try {
                    srcu.callAfterGracePeriod(() -> { });
                    begun = true;
                } catch (IllegalStateException refused) {
                    // closed first: fine
                }
            });
            Thread closer = new Thread(() -> {
                try {
                    srcu.close();
                    closed = true;
                } catch (IllegalStateException refused) {
                    // a callback was queued: fine
                }
            });
            runBoth(caller, closer);
            // Both may succeed if the callback had run before close() looked; then nothing is
            // pending. A callback counted after close() looked is never run: barrier(0) stays false.
            if (begun && closed && !barrierNow()) {
                throw new AssertionError("callAfterGracePeriod() accepted a callback and close() "
                        + "succeeded: the callback can never run");
            }
            // Let the domain's worker end (under Lincheck, System.nanoTime() stands still, so an
            // idle worker would otherwise never time out): drain and close.
            if (!closed) {
                try {
                    srcu.barrier();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                SrcuTestSupport.closeWhenIdle(srcu);
            }
        });
    }

    /**
     * {@code synchronize()} then {@code close()} with nothing else going on must close. When the
     * domain's worker drove the grace period that {@code synchronize()} waited for, the waiter
     * is woken by the worker's {@code signalWaiters()} in {@code onGracePeriodCompleted()} while
     * the worker still holds the driver role ({@code releaseDriver()} runs after {@code drive()}
     * returns); {@code close()} then sees {@code driver != null} in {@code busyReason()} and
     * refuses with "a grace period is in progress" although none is in progress or requested.
     * A stress loop, not Lincheck: the window is one wake-up long, hit a few times per thousand.
     */
    @Test
    void closeRightAfterSynchronizeReturnsSucceeds() throws Exception {
        int refused = 0;
        String message = null;
        for (int i = 0; i < 3_000; i++) {
            Srcu d = Srcu.create("sync-then-close");
            int token = d.downRead();
            d.startPoll();                                 // the worker drives this grace period
            Thread ender = new Thread(() -> d.upRead(token));
            ender.start();
            d.synchronize();
            ender.join();
            try {
                d.close();
            } catch (IllegalStateException e) {
                refused++;
                message = e.getMessage();
                SrcuTestSupport.closeWhenIdle(d);
            }
        }
        if (refused != 0) {
            throw new AssertionError("close() right after synchronize() returned was refused "
                    + refused + " times in 3000: " + message);
        }
    }

    private boolean barrierNow() {
        try {
            return srcu.barrier(0, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void runBoth(Thread a, Thread b) {
        a.start();
        b.start();
        try {
            a.join();
            b.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
