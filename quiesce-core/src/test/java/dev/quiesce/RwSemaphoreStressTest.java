package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bounded torture of one {@link RwSemaphore}: blocking, timed, async and token acquires, permits
 * handed to other threads and closed there, writers released by other threads, downgrades,
 * interrupts between workers, and a final {@code kill()}. Checks exclusion with a flag protocol
 * and a plain (non-atomic) counter that only writers touch, that {@code kill()} returns only with
 * no one inside, and that every thread finishes. Runs {@code quiesce.torture.seconds} seconds
 * in total (20 by default; longer for soaks), split between a semaphore that starts in word mode
 * and one that starts inflated.
 */
@Timeout(600)
class RwSemaphoreStressTest {

    private static final int WORKERS = 6;

    private final AtomicInteger readersIn = new AtomicInteger();
    private final AtomicBoolean writerIn = new AtomicBoolean();
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private long plainWrites;              // touched only inside exclusive sections
    private final LongAdder writeSections = new LongAdder();
    private final LongAdder readSections = new LongAdder();
    private final LongAdder interrupts = new LongAdder();

    private void enterShared() {
        readersIn.incrementAndGet();
        if (writerIn.get()) {
            violations.add("reader entered while a writer was inside");
        }
    }

    private void exitShared() {
        if (writerIn.get()) {
            violations.add("writer entered while a reader was inside");
        }
        readersIn.decrementAndGet();
        readSections.increment();
    }

    private void enterExclusive() {
        if (!writerIn.compareAndSet(false, true)) {
            violations.add("two writers inside");
        }
        if (readersIn.get() != 0) {
            violations.add("writer entered with " + readersIn.get() + " readers inside");
        }
        long v = plainWrites;
        Thread.yield();                    // widen the window a second writer would need
        plainWrites = v + 1;
    }

    private void exitExclusive() {
        if (readersIn.get() != 0) {
            violations.add("reader entered while a writer was inside");
        }
        writeSections.increment();
        writerIn.set(false);
    }

    /**
     * Half the time budget each: starting with readers counted in the state word and inflating
     * half-way through, with word-counted permits outstanding; and starting inflated. Prints a
     * soak status line every 10 s ({@link SoakStatus}: sections ended, write sections among them,
     * violations) and a PASS/FAIL verdict at the end; the test name carries the starting mode.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void torture(boolean inflated) throws Exception {
        SoakStatus soak = new SoakStatus("RwSemaphoreStressTest[" + (inflated ? "inflated" : "word") + "]", "writeSections");
        try {
            tortureRun(inflated, soak);
            soak.pass("sections=" + (readSections.sum() + writeSections.sum()) + " writeSections=" + writeSections.sum()
                    + " interrupts=" + interrupts.sum() + " violations=0, killed with no holder inside");
        } catch (Throwable t) {
            soak.fail(t);
            throw t;
        }
    }

    private void tortureRun(boolean inflated, SoakStatus soak) throws Exception {
        long seconds = Math.max(1, Long.getLong("quiesce.torture.seconds", 20) / 2);
        RwSemaphore s = RwSemaphore.create("torture");
        if (inflated) {
            s.inflate();
        }
        ExecutorService closers = Executors.newFixedThreadPool(2);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        List<Threads.Started<Void>> workers = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            Threads.Started<Void> w = Threads.<Void>start("worker-" + i, () -> {
                work(s, closers, threads);
                return null;
            });
            threads.add(w.thread);
            workers.add(w);
        }
        long half = deadline - TimeUnit.SECONDS.toNanos(seconds) / 2;
        while (System.nanoTime() - deadline < 0 && violations.isEmpty()) {
            if (!inflated && !RwSemaphoreSeams.isInflated(s) && System.nanoTime() - half >= 0) {
                s.inflate();            // mid-run, with word-counted permits outstanding
            }
            Thread.onSpinWait();
            Thread.yield();
            soak.tick(() -> readSections.sum() + writeSections.sum(), writeSections::sum, violations::size);
        }
        var killer = Threads.start("killer", () -> {
            s.kill();
            int inside = readersIn.get() + (writerIn.get() ? 1 : 0);
            if (inside != 0) {
                violations.add("kill() returned with " + inside + " holders inside");
            }
            return null;
        });
        killer.join();
        for (var w : workers) {
            w.join();                      // every thread finishes
        }
        closers.shutdown();
        assertTrue(closers.awaitTermination(Threads.GUARD_SECONDS, TimeUnit.SECONDS));
        System.out.printf("torture %ds (started %s): %d read sections, %d write sections, %d interrupts, inflated at end=%s%n",
                seconds, inflated ? "inflated" : "in word mode", readSections.sum(), writeSections.sum(), interrupts.sum(), RwSemaphoreSeams.isInflated(s));
        assertTrue(violations.isEmpty(), () -> "violations: " + violations.stream().distinct().toList());
        assertEquals(writeSections.sum(), plainWrites, "lost update: two writers overlapped");
        assertTrue(s.isDead());
        assertFalse(writerIn.get());
        assertEquals(0, readersIn.get());
    }

    private void work(RwSemaphore s, ExecutorService closers, List<Thread> peers) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (!s.isKilled()) {
            if (rnd.nextInt(64) == 0 && peers.size() == WORKERS) {
                peers.get(rnd.nextInt(WORKERS)).interrupt();
                interrupts.increment();
            }
            try {
                step(s, closers, rnd);
            } catch (InterruptedException e) {
                // expected: a peer interrupted a wait
            } catch (IllegalStateException e) {
                if (!s.isKilled()) {
                    violations.add("unexpected " + e);
                }
            }
        }
        Thread.interrupted();
    }

    private void step(RwSemaphore s, ExecutorService closers, ThreadLocalRandom rnd) throws InterruptedException {
        Permit p;
        switch (rnd.nextInt(10)) {
            case 0, 1 -> p = s.acquireShared();
            case 2 -> p = s.tryAcquireShared();
            case 3 -> p = s.tryAcquireShared(rnd.nextInt(200), TimeUnit.MICROSECONDS);
            case 4 -> p = s.acquireExclusive();
            case 5 -> p = s.tryAcquireExclusive(rnd.nextInt(200), TimeUnit.MICROSECONDS);
            case 6 -> p = async(rnd.nextBoolean() ? s.acquireSharedAsync() : s.acquireExclusiveAsync());
            case 7 -> {
                long t = s.tryAcquireSharedToken();
                if (t != 0L) {
                    enterShared();
                    exitShared();
                    s.releaseShared(t);
                }
                return;
            }
            case 8 -> p = rnd.nextBoolean() ? s.acquireSharedUninterruptibly() : s.acquireExclusiveUninterruptibly();
            default -> p = s.tryAcquireExclusive();
        }
        if (p == null) {
            return;
        }
        if (p.isExclusive()) {
            enterExclusive();
            if (rnd.nextInt(4) == 0) {
                exitExclusive();           // still exclusive: no one can get in between
                p = p.downgrade();
                enterShared();
            }
        } else {
            enterShared();
        }
        boolean exclusive = p.isExclusive();
        if (rnd.nextBoolean()) {
            Permit handed = p.detach();
            p.close();                     // no-op: the closer owns it now
            closers.execute(() -> {
                handed.attach();
                if (exclusive) {
                    exitExclusive();
                } else {
                    exitShared();
                }
                handed.close();
            });
        } else {
            if (exclusive) {
                exitExclusive();
            } else {
                exitShared();
            }
            p.close();
        }
    }

    /** Waits for an async acquire; on interrupt withdraws it, releasing a permit granted meanwhile. */
    private static Permit async(CompletableFuture<Permit> f) throws InterruptedException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            if (!f.cancel(false)) {
                Permit p = f.getNow(null);
                if (p != null) {
                    p.close();
                }
            }
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalStateException) {
                throw (IllegalStateException) e.getCause();
            }
            throw new AssertionError(e);
        }
    }
}
