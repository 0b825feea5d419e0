package dev.quiesce.validate;

import dev.quiesce.ReadSection;
import dev.quiesce.Report;
import dev.quiesce.Srcu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static dev.quiesce.validate.ValidationTestSupport.onThread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** JDK lock wrappers, the executor wrapper, leaks and stall detail — with validation on. */
class ValidatorToolsTest {

    private final List<Report> reports = new CopyOnWriteArrayList<>();

    @BeforeEach
    void collect() {
        assertTrue(Validator.isEnabled(), "these tests need -Ddev.quiesce.validate=true");
        Validator.setReportHandler(reports::add);
    }

    @AfterEach
    void restore() {
        Validator.setReportHandler(null);
        Validator.setEndLeakedSections(false);
    }

    private List<Report> ofKind(Report.Kind kind) {
        return ValidationTestSupport.ofKind(reports, kind);
    }


    @Test
    void jdkLocksJoinTheGraph() throws Exception {
        int wrapLine = new Throwable().getStackTrace()[0].getLineNumber() + 1;
        Lock accounts = Validator.wrap(new ReentrantLock());
        Srcu cache = Srcu.create("cache");
        onThread("transfer", () -> {
            accounts.lock();
            try {
                cache.synchronizeUninterruptibly();         // accounts -> cache-sync
            } finally {
                accounts.unlock();
            }
        });
        onThread("lookup", () -> {
            int t = cache.readLock();
            accounts.lock();                                // cache-read -> accounts: closes the cycle
            accounts.unlock();
            cache.readUnlock(t);
        });
        List<Report> cycles = ofKind(Report.Kind.LOCK_ORDER);
        assertEquals(1, cycles.size(), () -> "reports: " + reports);
        String m = cycles.get(0).message();
        // The wrapper's class is the line that wrapped it; the lock itself is named apart.
        assertTrue(m.contains("is trying to acquire Lock 'ReentrantLock@") && m.contains("(exclusive) of class"
                + " 'ValidatorToolsTest.java:" + wrapLine + "' (created at " + getClass().getName()
                + ".jdkLocksJoinTheGraph(ValidatorToolsTest.java:" + wrapLine + "))"), m);
        assertTrue(m.contains("this acquisition:\n      at " + getClass().getName() + ".lambda$jdkLocksJoinTheGraph$"), m);
    }

    @Test
    void reentryIsFineButAReadToWriteUpgradeIsReported() {
        Lock plain = Validator.wrap(new ReentrantLock());
        plain.lock();
        plain.lock();                                       // ReentrantLock allows it
        plain.unlock();
        plain.unlock();
        ReadWriteLock rw = Validator.wrap(new ReentrantReadWriteLock());
        rw.writeLock().lock();
        rw.readLock().lock();                               // write then read: allowed
        rw.readLock().unlock();
        rw.writeLock().unlock();
        rw.readLock().lock();
        rw.readLock().lock();                               // read re-entry: allowed
        rw.readLock().unlock();
        rw.readLock().unlock();
        assertEquals(List.of(), reports);
    }

    /** Thrown by the test handler so that a reported wait does not go on to deadlock. */
    static final class Reported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Reported(Report r) {
            super(r.message());
        }
    }

    @Test
    void upgradeIsReported() {
        Validator.setReportHandler(r -> {
            reports.add(r);
            throw new Reported(r);
        });
        ReadWriteLock rw = Validator.wrap(new ReentrantReadWriteLock());
        rw.readLock().lock();
        try {
            // A try (no wait) is no upgrade attempt to report, as a trylock to lockdep ...
            assertFalse(rw.writeLock().tryLock());
            assertFalse(rw.writeLock().tryLock(0, TimeUnit.NANOSECONDS));
            assertEquals(List.of(), reports);
            // ... but lock() would wait for ever: reported, and thrown here before it waits.
            assertThrows(Reported.class, () -> rw.writeLock().lock());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            rw.readLock().unlock();
        }
        List<Report> cycles = ofKind(Report.Kind.LOCK_ORDER);
        assertEquals(1, cycles.size(), () -> "reports: " + reports);
        String m = cycles.get(0).message();
        assertTrue(m.contains("this is the same instance") && m.contains("would wait for its own read lock")
                && m.contains("release the read lock before this acquire (there is no upgrade)"), m);
    }

    @Test
    void aTaskThatReturnsHoldingASectionIsReported() throws Exception {
        Srcu s = Srcu.create("pool-section");
        ExecutorService pool = Validator.wrap(Executors.newSingleThreadExecutor());
        try {
            ReadSection[] leaked = new ReadSection[1];
            pool.submit(() -> leaked[0] = s.enter()).get(30, TimeUnit.SECONDS);     // forgot to detach
            pool.submit(() -> { }).get(30, TimeUnit.SECONDS);    // one thread, FIFO: the first task's check is done
            pool.submit(() -> {
                ReadSection handed = s.enter().detach();                        // correct hand-off
                handed.close();
            }).get(30, TimeUnit.SECONDS);
            List<Report> held = ofKind(Report.Kind.TASK_HELD);
            assertEquals(1, held.size(), () -> "reports: " + reports);
            assertTrue(held.get(0).message().contains("aTaskThatReturnsHoldingASectionIsReported"),
                    held.get(0).message());
            leaked[0].close();
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aPlainExecutorIsCheckedToo() throws Exception {
        Srcu s = Srcu.create("plain-executor");
        java.util.concurrent.Executor direct = Validator.wrap((java.util.concurrent.Executor) Runnable::run);
        ReadSection[] leaked = new ReadSection[1];
        direct.execute(() -> leaked[0] = s.enter());        // runs here; returns holding it
        assertEquals(1, ofKind(Report.Kind.TASK_HELD).size(), () -> "reports: " + reports);
        leaked[0].close();
    }

    private static void leakASection(Srcu s) {
        s.enter();                                          // the handle is dropped while open
    }

    private void awaitReport(Report.Kind kind) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ofKind(kind).isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                fail("no " + kind + " report; reports: " + reports);
            }
            System.gc();
            Thread.sleep(10);                               // polling after System.gc(): no ordering
        }
    }

    @Test
    void aLeakedSectionIsReportedWithItsStack() throws Exception {
        Srcu s = Srcu.create("leaky");
        leakASection(s);
        awaitReport(Report.Kind.LEAK);
        String text = ofKind(Report.Kind.LEAK).get(0).message();
        assertTrue(text.contains("leakASection"), text);
        assertTrue(text.contains("no grace period of this domain can complete again"), text);
        assertFalse(s.synchronize(0, TimeUnit.SECONDS), "nothing ended the section");
    }

    @Test
    void theOptInPolicyEndsALeakedSectionSoGracePeriodsGoOn() throws Exception {
        Validator.setEndLeakedSections(true);
        Srcu s = Srcu.create("rescued");
        leakASection(s);
        awaitReport(Report.Kind.LEAK);
        assertTrue(ofKind(Report.Kind.LEAK).get(0).message().contains("ended it"));
        assertTrue(s.synchronize(30, TimeUnit.SECONDS));
    }

    @Test
    void aStallReportNamesTheOpenSectionsAndWhoHoldsThem() throws Exception {
        AtomicLong now = new AtomicLong();
        CountDownLatch stalled = new CountDownLatch(1);
        List<Report> stalls = new CopyOnWriteArrayList<>();
        Srcu s = Srcu.builder().name("stalled").clock(now::get).stallThreshold(Duration.ofSeconds(5))
                .reportHandler(r -> {
                    stalls.add(r);
                    stalled.countDown();
                }).build();
        ReadSection held = s.enter();
        ReadSection handed = s.enter().detach();
        ReadSection waker = s.enter();
        Thread updater = new Thread(s::synchronizeUninterruptibly, "updater");
        updater.start();
        awaitParkedOn(updater, s);                          // the grace period has started and waits
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        waker.close();                                      // an end wakes the updater, which looks at the clock
        assertTrue(stalled.await(30, TimeUnit.SECONDS), "no stall report");
        String text = stalls.get(0).message();
        assertTrue(text.contains("held by thread \"" + Thread.currentThread().getName() + "\""), text);
        assertTrue(text.contains("detached, held by no thread"), text);
        assertTrue(text.contains("aStallReportNamesTheOpenSectionsAndWhoHoldsThem"), text);
        held.close();
        handed.close();
        updater.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(updater.isAlive());
    }

    /** Polls until t parks with blocker b: a driver parks on its domain only while it waits for readers. */
    private static void awaitParkedOn(Thread t, Object b) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (java.util.concurrent.locks.LockSupport.getBlocker(t) != b) {
            if (System.nanoTime() - deadline > 0) {
                fail(t.getName() + " never waited for readers");
            }
            Thread.onSpinWait();
        }
    }
}
