package dev.quiesce.validate;

import dev.quiesce.Access;
import dev.quiesce.LockClass;
import dev.quiesce.Permit;
import dev.quiesce.Report;
import dev.quiesce.Revocable;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;

import static dev.quiesce.validate.ValidationTestSupport.onThread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The validator on RwSemaphore and Revocable, written as the bugs a user makes. Validation on. */
class RwSemaphoreValidationTest {

    private final List<Report> reports = new CopyOnWriteArrayList<>();

    static final class Reported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Reported(Report r) {
            super(r.message());
        }
    }

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

    private void throwOnReport() {
        Validator.setReportHandler(r -> {
            reports.add(r);
            throw new Reported(r);
        });
    }

    private List<Report> ofKind(Report.Kind kind) {
        return ValidationTestSupport.ofKind(reports, kind);
    }


    @Test
    void abBaAcrossTwoThreadsAtDifferentTimesIsReported() throws Exception {
        RwSemaphore inode = RwSemaphore.create("inode");
        RwSemaphore journal = RwSemaphore.create("journal");
        onThread("writeback", () -> {
            try (Permit i = inode.acquireExclusiveUninterruptibly();
                 Permit j = journal.acquireSharedUninterruptibly()) {
                assertTrue(i.isOpen() && j.isOpen());
            }
        });
        assertEquals(List.of(), reports);
        onThread("commit", () -> {
            try (Permit j = journal.acquireExclusiveUninterruptibly();
                 Permit i = inode.acquireSharedUninterruptibly()) {
                assertTrue(i.isOpen() && j.isOpen());
            }
        });
        List<Report> cycles = ofKind(Report.Kind.LOCK_ORDER);
        assertEquals(1, cycles.size(), () -> "reports: " + reports);
        String text = cycles.get(0).message();
        assertTrue(text.contains("'inode'") && text.contains("'journal'"), text);
        assertTrue(text.contains("first seen on thread \"writeback\""), text);
        assertTrue(text.contains("abBaAcrossTwoThreadsAtDifferentTimesIsReported"), text);
    }

    @Test
    void theReadWriteLockViewIsTrackedAsPermitsAre() throws Exception {
        RwSemaphore inode = RwSemaphore.create("inode-view");
        RwSemaphore journal = RwSemaphore.create("journal-view");
        ReadWriteLock i = inode.asReadWriteLock();
        ReadWriteLock j = journal.asReadWriteLock();
        onThread("writeback", () -> {
            i.writeLock().lock();
            j.readLock().lock();
            assertThrows(AssertionError.class, () -> Validator.assertNotHeld(inode));
            j.readLock().unlock();
            i.writeLock().unlock();
            Validator.assertNotHeld(inode);
        });
        assertEquals(List.of(), reports);
        onThread("commit", () -> {
            j.writeLock().lock();
            i.readLock().lock();                                  // the inversion: journal, then inode
            i.readLock().unlock();
            j.writeLock().unlock();
        });
        List<Report> cycles = ofKind(Report.Kind.LOCK_ORDER);
        assertEquals(1, cycles.size(), () -> "reports: " + reports);
        String text = cycles.get(0).message();
        assertTrue(text.contains("'inode-view'") && text.contains("'journal-view'"), text);
    }

    @Test
    void theViewsDowngradeAndConditionWaitsKeepTheValidatorsRecordTrue() throws Exception {
        RwSemaphore cache = RwSemaphore.create("cache-view");
        ReadWriteLock v = cache.asReadWriteLock();
        Condition changed = v.writeLock().newCondition();
        v.writeLock().lock();
        v.readLock().lock();
        v.writeLock().unlock();                                   // downgraded: now a reader
        assertThrows(AssertionError.class, () -> Validator.assertNotHeld(cache));
        v.readLock().unlock();
        Validator.assertNotHeld(cache);
        v.writeLock().lock();
        assertFalse(changed.await(1, TimeUnit.MILLISECONDS));     // released and taken again
        assertThrows(AssertionError.class, () -> Validator.assertNotHeld(cache));
        v.writeLock().unlock();
        Validator.assertNotHeld(cache);
        assertEquals(List.of(), reports);
    }

    @Test
    void sharedSharedCycleOnWriterBiasedSemaphoresIsADeadlockAndIsReported() throws Exception {
        RwSemaphore a = RwSemaphore.create("a");
        RwSemaphore b = RwSemaphore.create("b");
        onThread("ab", () -> {
            try (Permit x = a.acquireSharedUninterruptibly(); Permit y = b.acquireSharedUninterruptibly()) {
                assertTrue(x.isOpen() && y.isOpen());
            }
        });
        onThread("ba", () -> {
            try (Permit y = b.acquireSharedUninterruptibly(); Permit x = a.acquireSharedUninterruptibly()) {
                assertTrue(x.isOpen() && y.isOpen());
            }
        });
        assertEquals(1, ofKind(Report.Kind.LOCK_ORDER).size(), () -> "reports: " + reports);
    }

    @Test
    void aSharedReacquireWhileAWriterMayQueueIsReported() {
        throwOnReport();
        RwSemaphore s = RwSemaphore.create("recursive");
        try (Permit first = s.acquireSharedUninterruptibly()) {
            Reported e = assertThrows(Reported.class, s::acquireSharedUninterruptibly);
            String m = e.getMessage();
            assertTrue(m.contains("this is the same instance, RwSemaphore[recursive"), m);
            assertTrue(m.contains("a deadlock as soon as a writer queues (shared acquires are not reentrant: use"
                    + " the shared permit already held)") && !m.contains("declare"), m);
            assertTrue(first.isOpen());
            Permit tried = s.tryAcquireShared();              // a try never waits: not reported
            assertNotNull(tried);
            tried.close();
        }
        assertEquals(1, reports.size(), () -> "reports: " + reports);
    }

    @Test
    void sharedThenExclusiveOnTheSameClassIsReportedInsteadOfHanging() {
        throwOnReport();
        RwSemaphore s = RwSemaphore.create("upgrade");
        try (Permit shared = s.acquireSharedUninterruptibly()) {
            String m = assertThrows(Reported.class, s::acquireExclusiveUninterruptibly).getMessage();
            assertTrue(m.contains("this is the same instance, RwSemaphore[upgrade"), m);
            assertTrue(m.contains("would wait for its own shared permit, which can never end while it waits —"
                    + " a self-deadlock; release the shared permit before this acquire (there is no upgrade)"), m);
            assertFalse(m.contains("declare"), m);
            assertTrue(shared.isOpen());
        }
        // A dependency is reported once, the first time it is seen: kill() on another class.
        RwSemaphore t = RwSemaphore.create("kill-self");
        try (Permit shared = t.acquireSharedUninterruptibly()) {
            String m = assertThrows(Reported.class, t::kill).getMessage();
            assertTrue(m.contains("wait in kill() of RwSemaphore 'kill-self' (exclusive) of class"), m);
            assertTrue(m.contains("release the shared permit before kill() (there is no upgrade)"), m);
            assertTrue(shared.isOpen());
        }
        assertFalse(t.isKilled(), "the refused kill() changed nothing");
        assertEquals(2, reports.size(), () -> "reports: " + reports);
    }

    @Test
    void subclassesDeclareOrderedNestingOfOneClass() throws Exception {
        LockClass files = LockClass.named("file");
        RwSemaphore src = RwSemaphore.builder().name("src").lockClass(files).build();
        RwSemaphore dst = RwSemaphore.builder().name("dst").lockClass(files.subclass(1)).build();
        try (Permit a = src.acquireExclusive(); Permit b = dst.acquireExclusive()) {
            assertTrue(a.isOpen() && b.isOpen());
        }
        assertEquals(List.of(), reports);
    }

    @Test
    @SuppressWarnings("try")   // permits held for their bodies' sake, never read there
    void aHandedOffPermitCountsOnTheAttachingThread() throws Exception {
        RwSemaphore conn = RwSemaphore.create("conn");
        RwSemaphore pool = RwSemaphore.create("pool");
        Permit[] moved = new Permit[1];
        onThread("submitter", () -> {
            try (Permit p = conn.acquireSharedUninterruptibly()) {
                moved[0] = p.detach();
                pool.acquireExclusiveUninterruptibly().close();   // conn not held here: no edge
            }
        });
        assertThrows(AssertionError.class, () -> Validator.assertHeld(conn));
        onThread("unrelated", () -> {
            try (Permit p = pool.acquireSharedUninterruptibly()) {
                assertNull(conn.tryAcquireExclusive(1, TimeUnit.MILLISECONDS)); // pool -> conn: a timed acquire waits
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(List.of(), reports);
        onThread("completion", () -> {
            moved[0].attach();
            Validator.assertHeld(conn);
            pool.acquireExclusiveUninterruptibly().close();      // conn (attached) -> pool: cycle
            moved[0].close();
        });
        List<Report> cycles = ofKind(Report.Kind.LOCK_ORDER);
        assertEquals(1, cycles.size(), () -> "reports: " + reports);
        assertTrue(cycles.get(0).message().contains("thread \"completion\""), cycles.get(0).message());
    }

    @Test
    void asyncPermitsBelongToNoThreadUntilAttached() throws Exception {
        RwSemaphore s = RwSemaphore.create("async");
        Permit writer = s.acquireExclusive();
        CompletableFuture<Permit> pending = s.acquireSharedAsync();
        onThread("releaser", writer::close);                      // grants the future on this thread
        Permit p = pending.get(30, TimeUnit.SECONDS);
        onThread("user", () -> {
            assertThrows(AssertionError.class, () -> Validator.assertHeld(s));
            p.attach();
            Validator.assertHeld(s);
            p.close();
        });
        assertThrows(AssertionError.class, () -> Validator.assertHeld(s));
        assertEquals(List.of(), reports);
    }

    @Test
    @SuppressWarnings("try")   // permits held for their bodies' sake, never read there
    void assertNotHeldFailsExactlyWhileThisThreadHoldsAPermit() throws Exception {
        RwSemaphore freeze = RwSemaphore.create("freeze-protection");
        Validator.assertNotHeld(freeze);
        Permit shared = freeze.acquireShared();
        AssertionError e = assertThrows(AssertionError.class, () -> Validator.assertNotHeld(freeze));
        assertTrue(e.getMessage().contains("freeze-protection"), e.getMessage());
        Permit moved = shared.detach();
        Validator.assertNotHeld(freeze);                          // handed off: no longer this thread's
        onThread("completion", () -> {
            moved.attach();
            assertThrows(AssertionError.class, () -> Validator.assertNotHeld(freeze));
            moved.close();
            Validator.assertNotHeld(freeze);
        });
        try (Permit exclusive = freeze.acquireExclusive()) {
            assertThrows(AssertionError.class, () -> Validator.assertNotHeld(freeze));
        }
        Validator.assertNotHeld(freeze);
        assertThrows(NullPointerException.class, () -> Validator.assertNotHeld(null));
        assertEquals(List.of(), reports);
    }

    @Test
    void aTaskThatReturnsHoldingAPermitIsReported() throws Exception {
        RwSemaphore s = RwSemaphore.create("task-permit");
        ExecutorService pool = Validator.wrap(Executors.newSingleThreadExecutor());
        try {
            Permit leaked = pool.submit(s::acquireShared).get(30, TimeUnit.SECONDS);
            pool.submit(() -> { }).get(30, TimeUnit.SECONDS);    // one thread, FIFO: the first task's check is done
            List<Report> held = ofKind(Report.Kind.TASK_HELD);
            assertEquals(1, held.size(), () -> "reports: " + reports);
            assertTrue(held.get(0).message().contains("RwSemaphore[task-permit"), held.get(0).message());
            leaked.close();
        } finally {
            pool.shutdown();
        }
    }

    /** Collects garbage until the validator has reported a leak (a generous deadline, then fails). */
    private void awaitLeakReport() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ofKind(Report.Kind.LEAK).isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                fail("no leak report: " + reports);
            }
            System.gc();
            Thread.sleep(10);                                     // polling after System.gc()
        }
    }

    private static void leakAPermit(RwSemaphore s) {
        s.tryAcquireShared();                                     // dropped while open
    }

    @Test
    void aLeakedPermitIsReportedAndNeverEndedByThePolicy() throws Exception {
        Validator.setEndLeakedSections(true);                     // applies to read sections only
        RwSemaphore s = RwSemaphore.create("leaked-permit");
        leakAPermit(s);
        awaitLeakReport();
        String text = ofKind(Report.Kind.LEAK).get(0).message();
        assertTrue(text.contains("leakAPermit"), text);
        assertTrue(text.contains("no writer can acquire it again"), text);
        assertNull(s.tryAcquireExclusive(), "exclusion is never broken by the validator");
    }

    /**
     * Found by a newcomer's trial (2026-12-03): after a permit leaked, the same thread's kill() was
     * reported as a self-deadlock with the advice "release the shared permit before kill()",
     * which nothing can do: the permit's handle is gone. The report now says the permit leaked.
     */
    @Test
    void aWaitForAPermitThisThreadLeakedSaysItLeaked() throws Exception {
        RwSemaphore s = RwSemaphore.create("leaked-then-killed");
        leakAPermit(s);
        awaitLeakReport();
        assertFalse(s.kill(0, TimeUnit.SECONDS), "the leaked permit still blocks kill()");
        List<Report> order = ofKind(Report.Kind.LOCK_ORDER);
        assertEquals(1, order.size(), () -> "reports: " + reports);
        String m = order.get(0).message();
        assertTrue(m.contains("which leaked (its handle was collected while open; the LEAK report names where it"
                + " was taken), so nothing can release it and kill("), m);
        assertFalse(m.contains("release the shared permit before"), m);
        assertTrue(m.contains("leakAPermit"), "the acquisition stack points at the leak: " + m);
    }

    @Test
    void leakedAccessesOfARevocableAreReported() throws Exception {
        Revocable<String> conn = Revocable.of("socket", "resource", x -> { });
        leakAnAccess(conn);
        awaitLeakReport();
        String m = ofKind(Report.Kind.LEAK).get(0).message();
        assertTrue(m.contains("leakAnAccess"), m);
        // Issue 11: in the words of a revocable, not of the semaphore inside it.
        assertTrue(m.contains("Revocable[socket, 1 access open] (shared) of Revocable class"
                + " 'RwSemaphoreValidationTest.java:"), m);
        assertTrue(m.contains("revoke() will wait for ever, and the release action will never run"), m);
        String words = withoutStacks(m);
        assertFalse(words.contains("RwSemaphore[") || words.contains("kill()"), words);
        assertFalse(conn.revoke(0, TimeUnit.SECONDS), "the leaked access still blocks revoke()");
    }

    /**
     * Issue 11: revoke() while this thread holds an access of the same revocable waits for that
     * access for ever; the report says so in the words of a revocable, and the refused revoke()
     * changes nothing.
     */
    @Test
    void revokeInsideOwnAccessIsReportedAsASelfDeadlock() {
        throwOnReport();
        Revocable<String> conn = Revocable.of("conn", "resource", x -> { });
        try (Access<String> a = conn.tryAccess()) {
            String m = assertThrows(Reported.class, conn::revoke).getMessage();
            assertTrue(m.contains("wait in revoke() of Revocable 'conn' (exclusive) of class"), m);
            assertTrue(m.contains("this is the same instance, Revocable[conn, 1 access open]"), m);
            assertTrue(m.contains("would wait for its own access, which can never end while it waits — a"
                    + " self-deadlock; close the access before revoke()"), m);
            String words = withoutStacks(m);
            assertFalse(words.contains("RwSemaphore[") || words.contains("permit") || words.contains("declare"), words);
            assertTrue(a.isOpen());
            assertFalse(conn.isRevoked(), "the refused revoke() changed nothing");
        }
        Validator.setReportHandler(reports::add);
        conn.revoke();
        assertEquals(1, reports.size(), () -> "reports: " + reports);
    }

    /** A report without its stack frames (which name the library's classes, as they should). */
    private static String withoutStacks(String report) {
        StringBuilder b = new StringBuilder();
        for (String line : report.split("\n")) {
            String t = line.strip();
            if (!t.startsWith("at ") && !t.equals("...")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    private static void leakAnAccess(Revocable<String> conn) {
        Access<String> a = conn.tryAccess();
        assertNotNull(a);
    }

    @Test
    void aStalledWriterReportNamesThePermitsItWaitsFor() throws Exception {
        AtomicLong now = new AtomicLong();
        CountDownLatch stalled = new CountDownLatch(1);
        List<Report> stalls = new CopyOnWriteArrayList<>();
        RwSemaphore s = RwSemaphore.builder().name("stalled-writer").clock(now::get)
                .stallThreshold(Duration.ofSeconds(5)).reportHandler(r -> {
                    stalls.add(r);
                    stalled.countDown();
                }).build();
        Permit held = s.acquireShared();
        Permit handed = s.acquireShared().detach();
        Permit waker = s.acquireShared();
        Thread writer = new Thread(() -> s.acquireExclusiveUninterruptibly().close(), "writer");
        writer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!s.isWriterWaiting() || LockSupport.getBlocker(writer) == null) {
            if (System.nanoTime() - deadline > 0) {
                fail("the writer never waited");
            }
            Thread.onSpinWait();
        }
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        waker.close();                                            // a release wakes the writer's check
        assertTrue(stalled.await(30, TimeUnit.SECONDS), "no stall report");
        String text = stalls.get(0).message();
        assertTrue(text.contains("held by thread \"" + Thread.currentThread().getName() + "\""), text);
        assertTrue(text.contains("detached, held by no thread"), text);
        held.close();
        handed.close();
        writer.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(writer.isAlive());
    }

    @Test
    @SuppressWarnings("try")   // permits held for their bodies' sake, never read there
    void srcuAndSemaphoresShareOneGraph() throws Exception {
        Srcu writes = Srcu.create("writes");
        RwSemaphore freeze = RwSemaphore.create("freeze");
        onThread("writer", () -> {
            int t = writes.readLock();
            try (Permit p = freeze.acquireSharedUninterruptibly()) {   // writes-read -> freeze-shared
                assertTrue(p.isOpen());
            } finally {
                writes.readUnlock(t);
            }
        });
        onThread("freezer", () -> {
            try (Permit p = freeze.acquireExclusiveUninterruptibly()) {
                writes.synchronizeUninterruptibly();                 // freeze-exclusive -> writes-sync
            }
        });
        List<Report> cycles = ofKind(Report.Kind.LOCK_ORDER);
        assertEquals(1, cycles.size(), () -> "reports: " + reports);
        assertTrue(cycles.get(0).message().contains("'writes'") && cycles.get(0).message().contains("'freeze'"));
    }

    /**
     * Token forms are untracked (as downRead/upRead): an exclusive token released on another
     * thread, or held while another lock is taken, reports nothing. The exclusive Permit, whose
     * close no longer CASes the permit, still reports its release exactly once: after it is
     * closed on another thread the same A-then-B order raises no cycle and no second release.
     */
    @Test
    void tokensAreUntrackedAndExclusivePermitReleasesAreStillSeen() throws Exception {
        RwSemaphore a = RwSemaphore.create("token-a");
        RwSemaphore b = RwSemaphore.create("token-b");
        long t = a.tryAcquireExclusiveToken();
        try (Permit p = b.acquireExclusiveUninterruptibly()) {
            assertTrue(p.isOpen());
        }
        onThread("token releaser", () -> a.releaseExclusive(t));
        long r = b.tryAcquireSharedToken();
        b.releaseShared(r);
        assertEquals(List.of(), reports);
        Permit w = a.acquireExclusiveUninterruptibly();
        onThread("closer", w::close);
        try (Permit pb = b.acquireExclusiveUninterruptibly();
             Permit pa = a.acquireExclusiveUninterruptibly()) {
            assertTrue(pb.isOpen() && pa.isOpen());
        }
        assertEquals(List.of(), reports, "a closed exclusive permit still counted as held, or a token tracked");
    }
}
