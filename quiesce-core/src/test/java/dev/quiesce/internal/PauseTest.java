package dev.quiesce.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PauseTest {

    /**
     * The real timer's tasks run in the common pool. CompletableFuture.delayedExecutor's
     * two-argument form would run them on CompletableFuture's async pool, which on a machine
     * with one or two processors is a new thread per task: an async writer held back by a
     * reader of an inflated RwSemaphore started a thread for every look (162 in 200 ms).
     */
    @Test
    void theRealTimersTasksRunInTheCommonPool() throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        Pause.REAL.runAfter(TimeUnit.MICROSECONDS.toNanos(50), () -> ran.complete(Thread.currentThread()));
        Thread t = ran.get(30, TimeUnit.SECONDS);
        assertTrue(t instanceof ForkJoinWorkerThread, "ran on " + t);
        assertSame(ForkJoinPool.commonPool(), ((ForkJoinWorkerThread) t).getPool());
    }

    /** Every task handed to the real timer runs once, however many are pending at once. */
    @Test
    void theRealTimerRunsEveryTaskOnce() throws Exception {
        int n = 200;
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Void> all = new CompletableFuture<>();
        for (int i = 0; i < n; i++) {
            Pause.REAL.runAfter(TimeUnit.MICROSECONDS.toNanos(50 + i), () -> {
                if (runs.incrementAndGet() == n) {
                    all.complete(null);
                }
            });
        }
        all.get(30, TimeUnit.SECONDS);
        assertEquals(n, runs.get());
    }
}
