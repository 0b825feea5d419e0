package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link RwSemaphore} and {@link Revocable} on virtual threads (JDK 21+). */
@Timeout(120)
class RwSemaphoreVirtualThreadTest {

    /**
     * Many more blocked virtual threads than carriers: each waits in acquireShared behind a writer
     * that is itself a virtual thread, released only after they are all queued. If a blocked
     * acquire held its carrier (pinning), the carriers (as many as processors) would all be held
     * by waiting readers and the writer could never run to release: the test would hang.
     */
    @Test
    @SuppressWarnings("try")   // each permit is held for its body's sake, never read there
    void blockingAcquiresParkWithoutPinning() throws Exception {
        RwSemaphore s = RwSemaphore.create("vt");
        int n = 50 * Runtime.getRuntime().availableProcessors();
        AtomicInteger entered = new AtomicInteger();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> writer = vts.submit(() -> {
                Permit w = s.acquireExclusive();
                holding.countDown();
                letGo.await();
                w.close();
                return null;
            });
            holding.await();
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                boolean exclusive = i % 50 == 25;   // a few writers queued among them
                fs.add(vts.submit(() -> {
                    try (Permit p = exclusive ? s.acquireExclusive() : s.acquireShared()) {
                        entered.incrementAndGet();
                    }
                    return null;
                }));
            }
            Threads.await(() -> s.stats().waitingReaders() + s.stats().waitingWriters() == n, "all virtual threads queued");
            letGo.countDown();
            writer.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
            for (Future<?> f : fs) {
                f.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
            }
        }
        assertEquals(n, entered.get());
    }

    /** A permit acquired on one virtual thread and closed on another while a writer waits. */
    @Test
    void handOffsBetweenVirtualThreads() throws Exception {
        RwSemaphore s = RwSemaphore.create("vt-handoff");
        SynchronousQueue<Permit> channel = new SynchronousQueue<>();
        int rounds = 2000;
        try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> producer = vts.submit(() -> {
                for (int i = 0; i < rounds; i++) {
                    try (Permit p = s.acquireShared()) {
                        channel.put(p.detach());
                    }
                }
                return null;
            });
            Future<?> consumer = vts.submit(() -> {
                for (int i = 0; i < rounds; i++) {
                    channel.take().attach().close();
                }
                return null;
            });
            Future<Integer> writer = vts.submit(() -> {
                int w = 0;
                while (!producer.isDone()) {
                    s.acquireExclusive().close();
                    w++;
                }
                return w;
            });
            producer.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
            consumer.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
            assertNotNull(writer.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS));
        }
        s.kill();
        assertTrue(s.isKilled());
    }

    /** The seed's destruction pattern with virtual threads: revoke while operations are in flight. */
    @Test
    void revokeUnderInFlightVirtualThreadOperations() throws Exception {
        AtomicInteger released = new AtomicInteger();
        AtomicInteger usedAfterFree = new AtomicInteger();
        boolean[] freed = {false};
        Revocable<boolean[]> conn = Revocable.of(freed, f -> { f[0] = true; released.incrementAndGet(); });
        CompletableFuture<Void> go = new CompletableFuture<>();
        try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                Access<boolean[]> a = conn.tryAccess();
                if (a == null) {
                    break;
                }
                Access<boolean[]> inFlight = a.detach();
                vts.execute(() -> {
                    go.join();
                    try (inFlight) {
                        if (inFlight.attach().get()[0]) {
                            usedAfterFree.incrementAndGet();
                        }
                    }
                });
            }
            var revoker = vts.submit(() -> { conn.revoke(); return null; });
            Threads.await(conn::isRevoked, "revocation began");
            go.complete(null);
            revoker.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        }
        assertEquals(1, released.get());
        assertEquals(0, usedAfterFree.get());
    }
}
