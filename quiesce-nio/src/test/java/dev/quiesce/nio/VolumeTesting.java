package dev.quiesce.nio;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** What the volume's tests share: threads with a result, the park-or-end poll, deadlines. */
final class VolumeTesting {

    /** Every wait's limit: a deadlock guard, never a speed claim. */
    static final long DEADLINE_S = 30;

    private VolumeTesting() {
    }

    static ByteBuffer bytes(int n, byte value) {
        byte[] b = new byte[n];
        Arrays.fill(b, value);
        return ByteBuffer.wrap(b);
    }

    /** A thread running {@code body}; its result or failure lands in the returned future. */
    static <T> CompletableFuture<T> onThread(String name, ThrowingSupplier<T> body, Thread[] started) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(body.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, name);
        started[0] = t;
        t.start();
        return result;
    }

    /** A thread started by {@link #parkedOn}, and its outcome (null when its action returns). */
    record Waiting(Thread thread, CompletableFuture<Object> result) {
    }

    /**
     * Runs {@code action} on a new thread and returns once that thread has parked (or ended: a
     * broken wait ends at once, and the caller's assertions on {@code result} catch it).
     */
    static Waiting parkedOn(String name, ThrowingRunnable action) {
        Thread[] started = new Thread[1];
        CompletableFuture<Object> result = onThread(name, () -> {
            action.run();
            return null;
        }, started);
        awaitParkedOrDone(started[0]);
        return new Waiting(started[0], result);
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @FunctionalInterface
    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    /** Polls until {@code t} parks or ends (a broken wait ends at once); a deadlock guard, not a timer. */
    static void awaitParkedOrDone(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_S);
        for (;;) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.TERMINATED) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t.getName() + " neither parked nor ended: " + s);
            }
            Thread.onSpinWait();
        }
    }

    static <T> T get(Future<T> f) throws Exception {
        return f.get(DEADLINE_S, TimeUnit.SECONDS);
    }
}
