package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link RwSemaphore#asReadWriteLock() view} mixed with permits and tokens of the same
 * semaphore on four threads: every way in (blocking, try, the view's locks, the downgrade idiom)
 * checks the exclusion invariant on entry — a writer alone, readers only without a writer — and
 * at the end every section has ended, which {@code kill()} returning proves.
 *
 * <p>In the suite (the parent pom's {@code quiesce.torture.seconds}, {@value #SUITE_SECONDS}) each
 * thread makes {@value #OPS_PER_THREAD} attempts. Under {@code ./quiesce soak SECONDS} with more
 * seconds than that, the threads go on for half the time per parameter instead, with a soak
 * status line every 10 s; both modes print a PASS/FAIL verdict.
 */
@Timeout(600)
class RwSemaphoreLockStressTest {

    private static final int THREADS = 4;
    private static final int OPS_PER_THREAD = 100_000;
    /** The suite's torture budget (the parent pom's default): at or below it, count; above, soak. */
    private static final long SUITE_SECONDS = 20;

    private final AtomicInteger readers = new AtomicInteger();
    private final AtomicInteger writers = new AtomicInteger();
    private final AtomicLong violations = new AtomicLong();
    private final AtomicLong[] done = new AtomicLong[10];

    private void enterRead() {
        readers.incrementAndGet();
        if (writers.get() != 0) {
            violations.incrementAndGet();
        }
    }

    private void enterWrite() {
        if (writers.incrementAndGet() != 1 || readers.get() != 0) {
            violations.incrementAndGet();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void viewPermitsAndTokensExcludeEachOther(boolean inflated) throws Exception {
        SoakStatus soak = new SoakStatus("RwSemaphoreLockStressTest[" + (inflated ? "inflated" : "word") + "]",
                "writeSections");
        try {
            run(inflated, soak);
            soak.pass("sections=" + sum(done) + " writeSections=" + writeSections() + " violations=0, "
                    + "killed with no holder inside");
        } catch (Throwable t) {
            soak.fail(t);
            throw t;
        }
    }

    private static long sum(AtomicLong[] counters) {
        long n = 0;
        for (AtomicLong c : counters) {
            n += c.get();
        }
        return n;
    }

    /** Sections through the write lock, exclusive permits and tokens, and the downgrade idiom. */
    private long writeSections() {
        return done[2].get() + done[3].get() + done[5].get() + done[7].get() + done[8].get();
    }

    private void run(boolean inflated, SoakStatus soak) throws Exception {
        long seconds = Long.getLong("quiesce.torture.seconds", SUITE_SECONDS);
        boolean timed = seconds > SUITE_SECONDS;                 // a soak: see the class Javadoc
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds / 2);
        RwSemaphore s = RwSemaphore.create("stress");
        if (inflated) {
            s.inflate();
        }
        ReadWriteLock v = s.asReadWriteLock();
        for (int i = 0; i < done.length; i++) {
            done[i] = new AtomicLong();
        }
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Threads.Started<Object>> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(Threads.start("stress-" + t, () -> {
                start.await();
                for (long i = 0; !timed ? i < OPS_PER_THREAD : System.nanoTime() - deadline < 0; i++) {
                    int op = ThreadLocalRandom.current().nextInt(10);
                    if (step(s, v, op)) {
                        done[op].incrementAndGet();
                    }
                    if (violations.get() != 0) {
                        break;
                    }
                }
                return null;
            }));
        }
        while (timed && System.nanoTime() - deadline < 0 && violations.get() == 0) {
            Thread.yield();
            soak.tick(() -> sum(done), this::writeSections, violations::get);
        }
        for (Threads.Started<Object> t : threads) {
            t.join();
        }
        assertEquals(0, violations.get(), "exclusion violated");
        for (int op = 0; op < done.length; op++) {
            assertTrue(done[op].get() > 0, "way in " + op + " never succeeded: the mix did not run");
        }
        assertEquals(0, s.stats().sharedHolders());
        s.kill();                                                // returns only if everything was released
        assertTrue(s.stats().dead());
    }

    /** One section by way {@code op}; returns whether it got in. */
    private boolean step(RwSemaphore s, ReadWriteLock v, int op) throws InterruptedException {
        Lock r = v.readLock();
        Lock w = v.writeLock();
        switch (op) {
            case 0:
                r.lock();
                read(r::unlock);
                return true;
            case 1:
                if (!r.tryLock()) {
                    return false;
                }
                read(r::unlock);
                return true;
            case 2:
                w.lockInterruptibly();
                write(w::unlock);
                return true;
            case 3:
                if (!w.tryLock()) {
                    return false;
                }
                write(w::unlock);
                return true;
            case 4: {
                Permit p = s.acquireShared();
                read(p::close);
                return true;
            }
            case 5: {
                Permit p = s.acquireExclusive();
                write(p::close);
                return true;
            }
            case 6: {
                long t = s.tryAcquireSharedToken();
                if (t == 0L) {
                    return false;
                }
                read(() -> s.releaseShared(t));
                return true;
            }
            case 7: {
                long t = s.tryAcquireExclusiveToken();
                if (t == 0L) {
                    return false;
                }
                write(() -> s.releaseExclusive(t));
                return true;
            }
            case 8:                                              // the downgrade idiom
                w.lock();
                enterWrite();
                r.lock();
                readers.incrementAndGet();                       // held under the write lock
                writers.decrementAndGet();
                w.unlock();                                      // now a reader
                if (writers.get() != 0) {
                    violations.incrementAndGet();
                }
                readers.decrementAndGet();
                r.unlock();
                return true;
            default:
                if (!r.tryLock(1, TimeUnit.MILLISECONDS)) {
                    return false;
                }
                read(r::unlock);
                return true;
        }
    }

    /** A read section: checked on entry and again before it leaves, a few pauses later. */
    private void read(Runnable release) {
        enterRead();
        pause();
        if (writers.get() != 0) {
            violations.incrementAndGet();
        }
        readers.decrementAndGet();
        release.run();
    }

    private void write(Runnable release) {
        enterWrite();
        pause();
        if (writers.get() != 1 || readers.get() != 0) {
            violations.incrementAndGet();
        }
        writers.decrementAndGet();
        release.run();
    }

    private static void pause() {
        for (int i = ThreadLocalRandom.current().nextInt(8); i > 0; i--) {
            Thread.onSpinWait();
        }
    }
}
