package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@link Revocable} contract, each test written as the mistake it guards against. */
@Timeout(120)
class RevocableTest {

    /** A connection whose buffers must not be freed while an operation uses them. */
    static final class Conn {
        volatile boolean freed;
        int writes;
    }

    @Test
    void revokeWaitsForAccessesHandedToOtherThreadsThenReleasesOnce() throws Exception {
        Conn c = new Conn();
        AtomicInteger releases = new AtomicInteger();
        Revocable<Conn> r = Revocable.of(c, x -> { x.freed = true; releases.incrementAndGet(); });
        Access<Conn> a = r.tryAccess();
        assertSame(c, a.get());
        Access<Conn> inFlight = a.detach();
        a.close();                          // no-op: the completion owns it
        var revoker = Threads.start("revoker", () -> { r.revoke(); return null; });
        Threads.await(r::isRevoked, "revocation began");
        assertNull(r.tryAccess(), "an access was granted after revocation began");
        assertEquals(0, releases.get(), "released under an open access");
        Threads.start("completion", () -> {
            assertFalse(inFlight.attach().get().freed, "used after free");
            inFlight.get().writes++;
            inFlight.close();
            return null;
        }).join();
        revoker.join();
        assertEquals(1, releases.get());
        assertEquals(1, c.writes, "the access's writes happen-before the release and revoke's return");
        r.revoke();                         // idempotent
        assertEquals(1, releases.get());
        assertThrows(IllegalStateException.class, inFlight::get);
    }

    @Test
    void concurrentRevokesAllWaitForTheSingleRelease() throws Exception {
        AtomicInteger releases = new AtomicInteger();
        CountDownLatch releasing = new CountDownLatch(1);
        CountDownLatch finishRelease = new CountDownLatch(1);
        Revocable<Object> r = Revocable.of(new Object(), x -> {
            releases.incrementAndGet();
            releasing.countDown();
            try {
                finishRelease.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        List<Threads.Started<Void>> revokers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            revokers.add(Threads.start("revoker-" + i, () -> { r.revoke(); return null; }));
        }
        releasing.await();
        for (var t : revokers) {
            assertFalse(t.isDone(), "a revoke() returned before the release action finished");
        }
        assertFalse(r.revoke(0, TimeUnit.SECONDS), "a timed revoke reported a release still running");
        finishRelease.countDown();
        for (var t : revokers) {
            t.join();
        }
        assertEquals(1, releases.get());
        assertTrue(r.revoke(0, TimeUnit.SECONDS));
    }

    @Test
    void timedRevokeThatGivesUpLetsTheLastCloseRelease() throws Exception {
        AtomicInteger releases = new AtomicInteger();
        AtomicReference<Thread> releasedOn = new AtomicReference<>();
        Revocable<Object> r = Revocable.of(new Object(), x -> {
            releases.incrementAndGet();
            releasedOn.set(Thread.currentThread());
        });
        Access<Object> a1 = r.tryAccess();
        Access<Object> a2 = r.tryAccess();
        assertFalse(r.revoke(0, TimeUnit.MILLISECONDS));
        assertTrue(r.isRevoked(), "a timed revoke that gave up must leave it revoking");
        assertNull(r.tryAccess());
        a1.close();
        assertEquals(0, releases.get(), "released while an access was still open");
        var closer = Threads.start("last closer", () -> { a2.close(); return Thread.currentThread(); });
        Thread t = closer.join();
        assertEquals(1, releases.get(), "the last close did not run the pending release");
        assertSame(t, releasedOn.get());
        r.revoke();
        assertTrue(r.revoke(1, TimeUnit.SECONDS));
        assertEquals(1, releases.get());
    }

    @Test
    void timedRevokeThatGivesUpThenALaterRevokeStillReleasesOnce() throws Exception {
        AtomicInteger releases = new AtomicInteger();
        Revocable<Object> r = Revocable.of(new Object(), x -> releases.incrementAndGet());
        Access<Object> a = r.tryAccess();
        assertFalse(r.revoke(0, TimeUnit.SECONDS));
        var revoker = Threads.start("revoker", () -> { r.revoke(); return null; });
        Threads.await(() -> r.gate().stats().waitingKillers() == 1 || revoker.isDone(), "revoker waits");
        assertFalse(revoker.isDone());
        a.close();
        revoker.join();
        assertEquals(1, releases.get());
    }

    /**
     * Also: when the release runs in the close() of the last access (it may run in a revoker
     * instead), that close() has no caller to throw to, so the failure is logged to
     * {@code "dev.quiesce"} (kept here, not printed) as CALLBACK_FAILED.
     */
    @Test
    void aThrowingReleaseIsReportedToEveryRevokeAndRunsOnce() throws Exception {
        AtomicInteger releases = new AtomicInteger();
        AtomicReference<Thread> releasedOn = new AtomicReference<>();
        RuntimeException boom = new RuntimeException("boom");
        Revocable<Object> r = Revocable.of(new Object(), x -> {
            releases.incrementAndGet();
            releasedOn.set(Thread.currentThread());
            throw boom;
        });
        Access<Object> a = r.tryAccess();
        var r1 = Threads.start("revoke-1", () -> { r.revoke(); return null; });
        var r2 = Threads.start("revoke-2", () -> r.revoke(1, TimeUnit.HOURS));
        Threads.await(() -> r.gate().stats().waitingKillers() == 2, "both revokers wait");
        List<LogRecord> logged;
        try (CapturedLog log = CapturedLog.open()) {
            a.close();                      // runs the release here or in a revoker: either way once
            logged = log.records();
        }
        if (releasedOn.get() == Thread.currentThread()) {
            assertEquals(1, logged.size(), () -> "logged: " + logged);
            assertTrue(logged.get(0).getMessage().startsWith("CALLBACK_FAILED"), logged.get(0).getMessage());
            assertSame(boom, logged.get(0).getThrown());
        } else {
            assertEquals(List.of(), logged, "the release ran in a revoker, which throws it: nothing to log");
        }
        for (var t : List.of(r1, r2)) {
            Throwable f = t.failure();
            assertInstanceOf(IllegalStateException.class, f);
            assertSame(boom, f.getCause());
        }
        IllegalStateException later = assertThrows(IllegalStateException.class, r::revoke);
        assertSame(boom, later.getCause());
        assertEquals(1, releases.get());
    }

    @Test
    void closedTwiceThrowsAndKeepsTheCount() throws Exception {
        AtomicInteger releases = new AtomicInteger();
        Revocable<String> r = Revocable.of("res", x -> releases.incrementAndGet());
        Access<String> a = r.tryAccess();
        Access<String> b = r.tryAccess();
        a.close();
        assertThrows(IllegalStateException.class, a::close);
        assertThrows(IllegalStateException.class, a::get);
        assertFalse(r.revoke(0, TimeUnit.SECONDS), "the double close released b's access");
        b.close();
        assertEquals(1, releases.get());
    }

    /**
     * Issue 11: a second close of an access said "permit of RwSemaphore[revocable] closed twice",
     * naming an object the user never made. Every misuse of an access names the revocable and
     * says "access", and changes nothing.
     */
    @Test
    void misuseOfAnAccessNamesTheRevocableAndChangesNothing() throws Exception {
        AtomicInteger releases = new AtomicInteger();
        Revocable<String> r = Revocable.of("socket", "res", x -> releases.incrementAndGet());
        assertEquals("socket", r.name());
        Access<String> a = r.tryAccess();
        Access<String> b = r.tryAccess();
        a.close();
        String m = assertThrows(IllegalStateException.class, a::close).getMessage();
        assertEquals("access to Revocable[socket, String, live] closed twice; the second close() changed nothing", m);
        assertEquals("cannot get the resource of an access to Revocable[socket, String, live] that is closed",
                assertThrows(IllegalStateException.class, a::get).getMessage());
        assertEquals("cannot detach an access to Revocable[socket, String, live] that is closed",
                assertThrows(IllegalStateException.class, a::detach).getMessage());
        assertEquals("cannot attach an access to Revocable[socket, String, live] that is closed",
                assertThrows(IllegalStateException.class, a::attach).getMessage());

        Access<String> moved = b.detach();
        for (var op : List.<org.junit.jupiter.api.function.Executable>of(b::detach, b::attach)) {
            m = assertThrows(IllegalStateException.class, op).getMessage();
            assertTrue(m.endsWith("an access to Revocable[socket, String, live] that is detached (its new handle owns it)"), m);
        }
        assertEquals("cannot get the resource of an access to Revocable[socket, String, live] that is detached"
                + " (its new handle owns it); take the resource before detach() or closeOnCompletion(), or get() it"
                + " from the new handle", assertThrows(IllegalStateException.class, b::get).getMessage());
        b.close();                                          // detached: a no-op, not an error
        assertTrue(moved.isOpen());
        assertFalse(r.revoke(0, TimeUnit.SECONDS), "a refused misuse released the moved access");
        assertEquals(0, releases.get());
        m = assertThrows(IllegalStateException.class, a::close).getMessage();
        assertEquals("access to Revocable[socket, String, revoking] closed twice; the second close() changed nothing", m);
        moved.close();
        assertEquals(1, releases.get());
        assertTrue(r.revoke(0, TimeUnit.SECONDS));
        for (String text : List.of(m, r.toString())) {
            assertFalse(text.contains("RwSemaphore") || text.contains("permit"), text);
        }
    }

    /** An unnamed revocable still names itself, by identity, in the same words. */
    @Test
    void anUnnamedRevocableIsNamedByIdentity() {
        Revocable<String> r = Revocable.of("res", x -> { });
        assertTrue(r.name().matches("revocable@[0-9a-f]+"), r.name());
        assertEquals(r.name(), r.name(), "the generated name is stable");
        Access<String> a = r.tryAccess();
        a.close();
        String m = assertThrows(IllegalStateException.class, a::close).getMessage();
        assertEquals("access to Revocable[" + r.name() + ", String, live] closed twice; the second close() changed nothing", m);
        assertThrows(NullPointerException.class, () -> Revocable.of(null, "x", x -> { }));
    }

    @Test
    void badInput() {
        assertThrows(NullPointerException.class, () -> Revocable.of(null, x -> { }));
        assertThrows(NullPointerException.class, () -> Revocable.of("x", null));
        Revocable<String> r = Revocable.of("x", x -> { });
        assertThrows(NullPointerException.class, () -> r.revoke(1, null));
        assertFalse(r.isRevoked());
        Access<String> a = r.tryAccess();
        assertNotNull(a);
        assertEquals("x", a.attach().get());
        a.close();
        r.revoke();
        assertTrue(r.isRevoked());
    }
}
