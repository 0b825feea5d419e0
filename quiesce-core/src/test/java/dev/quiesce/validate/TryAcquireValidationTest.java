package dev.quiesce.validate;

import dev.quiesce.LockClass;
import dev.quiesce.Permit;
import dev.quiesce.Report;
import dev.quiesce.Revocable;
import dev.quiesce.RwSemaphore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Try-acquires as the kernel's lockdep treats a trylock: a try never waits, so it adds no edge
 * <em>into</em> the class it tried; once it has succeeded, what is acquired while holding it adds
 * edges <em>from</em> that class. Every form: {@code tryAcquireShared()}, {@code
 * tryAcquireExclusive()}, the timed forms with a timeout &le; 0, {@code Revocable.tryAccess()}, a
 * wrapped lock's {@code tryLock()} and {@code tryLock(0, unit)}. A timed form with a positive
 * timeout waits, and is checked as an acquire: the control case, which shows that the method
 * sees an edge into the class when there is one.
 */
class TryAcquireValidationTest {

    private final List<Report> reports = new CopyOnWriteArrayList<>();

    @BeforeEach
    void collect() {
        assertTrue(Validator.isEnabled(), "these tests need -Ddev.quiesce.validate=true");
        Validator.setReportHandler(reports::add);
    }

    @AfterEach
    void restore() {
        Validator.setReportHandler(null);
    }

    /** A try of lock class A that succeeds (the lock is free), returning what it holds. */
    @FunctionalInterface
    interface Try {
        AutoCloseable attempt() throws Exception;
    }

    private static RwSemaphore semaphore(String name) {
        return RwSemaphore.builder().name(name).lockClass(LockClass.named(name)).build();
    }

    private static AutoCloseable held(AutoCloseable h) {
        assertNotNull(h, "the try failed on a free lock");
        return h;
    }

    /**
     * Takes B, then tries A; then tries A, then takes B. Had the first try added B -> A, the
     * second pair's A -> B would close a cycle and be reported.
     */
    @SuppressWarnings("try")
    private int edgesInto(Try tryA, RwSemaphore b) throws Exception {
        try (Permit pb = b.acquireExclusive(); AutoCloseable a = held(tryA.attempt())) {
            assertTrue(pb.isOpen());
        }
        try (AutoCloseable a = held(tryA.attempt()); Permit pb = b.acquireExclusive()) {
            assertTrue(pb.isOpen());
        }
        return ValidationTestSupport.ofKind(reports, Report.Kind.LOCK_ORDER).size();
    }

    /**
     * Holding what the try got, takes B (A -> B); then, holding B, waits for A (B -> A): reported
     * if and only if the try's hold added A -> B.
     */
    @SuppressWarnings("try")
    private int edgesFrom(Try tryA, Runnable waitForA, RwSemaphore b) throws Exception {
        try (AutoCloseable a = held(tryA.attempt()); Permit pb = b.acquireExclusive()) {
            assertTrue(pb.isOpen());
        }
        assertEquals(List.of(), reports);
        try (Permit pb = b.acquireExclusive()) {
            waitForA.run();                                 // A is free: returns at once
        }
        return ValidationTestSupport.ofKind(reports, Report.Kind.LOCK_ORDER).size();
    }

    @Test
    void tryAcquireSharedAddsNoEdgeIntoItsClassButEdgesFromIt() throws Exception {
        RwSemaphore a = semaphore("try-shared-a");
        assertEquals(0, edgesInto(a::tryAcquireShared, semaphore("try-shared-b")), () -> "reports: " + reports);
        RwSemaphore a2 = semaphore("try-shared-a2");
        assertEquals(1, edgesFrom(a2::tryAcquireShared, () -> a2.acquireExclusiveUninterruptibly().close(),
                semaphore("try-shared-b2")), () -> "reports: " + reports);
    }

    @Test
    void tryAcquireExclusiveAddsNoEdgeIntoItsClassButEdgesFromIt() throws Exception {
        RwSemaphore a = semaphore("try-exclusive-a");
        assertEquals(0, edgesInto(a::tryAcquireExclusive, semaphore("try-exclusive-b")), () -> "reports: " + reports);
        RwSemaphore a2 = semaphore("try-exclusive-a2");
        assertEquals(1, edgesFrom(a2::tryAcquireExclusive, () -> a2.acquireSharedUninterruptibly().close(),
                semaphore("try-exclusive-b2")), () -> "reports: " + reports);
    }

    @Test
    void aTimeoutOfZeroOrLessIsATry() throws Exception {
        RwSemaphore a = semaphore("timed-zero-a");
        assertEquals(0, edgesInto(() -> a.tryAcquireShared(0, TimeUnit.SECONDS), semaphore("timed-zero-b")),
                () -> "reports: " + reports);
        RwSemaphore c = semaphore("timed-negative-a");
        assertEquals(0, edgesInto(() -> c.tryAcquireExclusive(-1, TimeUnit.SECONDS), semaphore("timed-negative-b")),
                () -> "reports: " + reports);
        RwSemaphore a2 = semaphore("timed-zero-a2");
        assertEquals(1, edgesFrom(() -> a2.tryAcquireExclusive(0, TimeUnit.NANOSECONDS),
                () -> a2.acquireExclusiveUninterruptibly().close(), semaphore("timed-zero-b2")),
                () -> "reports: " + reports);
    }

    /** The control: a positive timeout may wait, so it is checked as an acquire and adds B -> A. */
    @Test
    void aPositiveTimeoutWaitsAndAddsAnEdgeIntoItsClass() throws Exception {
        RwSemaphore a = semaphore("timed-positive-a");
        assertEquals(1, edgesInto(() -> a.tryAcquireExclusive(1, TimeUnit.MILLISECONDS), semaphore("timed-positive-b")),
                () -> "reports: " + reports);
    }

    @Test
    void tryAccessAddsNoEdgeIntoItsClassButEdgesFromIt() throws Exception {
        Revocable<String> conn = Revocable.of("try-access", "resource", x -> { });
        assertEquals(0, edgesInto(conn::tryAccess, semaphore("try-access-b")), () -> "reports: " + reports);
        Revocable<String> conn2 = Revocable.of("try-access-2", "resource", x -> { });
        assertEquals(1, edgesFrom(conn2::tryAccess, conn2::revoke, semaphore("try-access-b2")),
                () -> "reports: " + reports);
        assertTrue(conn2.isRevoked());
    }

    @Test
    void aWrappedLocksTryLockIsATry() throws Exception {
        Lock a = Validator.wrap(new ReentrantLock(), LockClass.named("try-lock-a"));
        assertEquals(0, edgesInto(() -> locked(a.tryLock(), a), semaphore("try-lock-b")), () -> "reports: " + reports);
        Lock c = Validator.wrap(new ReentrantLock(), LockClass.named("try-lock-zero-a"));
        assertEquals(0, edgesInto(() -> locked(c.tryLock(0, TimeUnit.SECONDS), c), semaphore("try-lock-zero-b")),
                () -> "reports: " + reports);
        Lock a2 = Validator.wrap(new ReentrantLock(), LockClass.named("try-lock-a2"));
        assertEquals(1, edgesFrom(() -> locked(a2.tryLock(), a2), () -> {
            a2.lock();
            a2.unlock();
        }, semaphore("try-lock-b2")), () -> "reports: " + reports);
    }

    @Test
    void aFailedTryRecordsNothing() throws Exception {
        RwSemaphore a = semaphore("failed-try-a");
        Permit writer = a.acquireExclusive();
        Permit[] tried = new Permit[1];
        ValidationTestSupport.onThread("trier", () -> {
            tried[0] = a.tryAcquireShared();
            Validator.assertNotHeld(a);                     // nothing was recorded as held
        });
        assertNull(tried[0]);
        writer.close();
        assertEquals(List.of(), reports);
    }

    private static AutoCloseable locked(boolean got, Lock lock) {
        assertTrue(got, "tryLock failed on a free lock");
        return lock::unlock;
    }

    @Test
    void aTryHeldUnderAnotherIsStillNotAWaitForIt() throws Exception {
        // Holding B exclusively, a try of A that fails (another thread holds A) adds nothing either.
        RwSemaphore a = semaphore("failed-under-a");
        RwSemaphore b = semaphore("failed-under-b");
        Permit other = a.acquireExclusive();
        ValidationTestSupport.onThread("under-b", () -> {
            try (Permit pb = b.acquireExclusiveUninterruptibly()) {
                assertNull(a.tryAcquireExclusive());
                assertTrue(pb.isOpen());
            }
        });
        other.close();
        try (Permit pa = a.acquireExclusive(); Permit pb = b.acquireExclusive()) {
            assertTrue(pa.isOpen() && pb.isOpen());
        }
        assertEquals(List.of(), reports);
    }
}
