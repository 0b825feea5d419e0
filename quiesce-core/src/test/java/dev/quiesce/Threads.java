package dev.quiesce;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Test helpers: threads whose outcome can be joined, and bounded waits for a condition. */
final class Threads {

    /** Generous guard against a deadlock; never a timing assumption. */
    static final long GUARD_SECONDS = 30;

    private Threads() {
    }

    /** Starts a platform thread running {@code task}; the returned future carries its outcome. */
    static <T> Started<T> start(String name, Callable<T> task) {
        FutureTask<T> f = new FutureTask<>(task);
        Thread t = new Thread(f, name);
        t.setDaemon(true);
        t.start();
        return new Started<>(t, f);
    }

    /** Waits (spinning politely) until {@code condition} holds; fails after the guard. */
    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out (deadlock guard) waiting for: " + what);
            }
            Thread.yield();
        }
    }

    /** A started thread and its outcome. */
    static final class Started<T> {
        final Thread thread;
        final FutureTask<T> future;

        Started(Thread thread, FutureTask<T> future) {
            this.thread = thread;
            this.future = future;
        }

        T join() throws Exception {
            try {
                return future.get(GUARD_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception) {
                    throw (Exception) e.getCause();
                }
                throw e;
            } catch (TimeoutException e) {
                throw new AssertionError("thread " + thread.getName() + " did not finish (deadlock guard)", e);
            }
        }

        /** Joins and returns what the thread threw (fails if it returned normally). */
        Throwable failure() throws Exception {
            try {
                future.get(GUARD_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (TimeoutException e) {
                throw new AssertionError("thread " + thread.getName() + " did not finish (deadlock guard)", e);
            }
            throw new AssertionError("thread " + thread.getName() + " returned normally");
        }

        boolean isDone() {
            return future.isDone();
        }
    }
}
