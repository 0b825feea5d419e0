package dev.quiesce;

import dev.quiesce.internal.Tracker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.quiesce.SrcuTestSupport.awaitCondition;
import static dev.quiesce.SrcuTestSupport.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code stats()} and {@code dump()} of Srcu and RwSemaphore, with validation off (the default
 * suite): readings after known work, with a test clock where durations are read.
 */
class FiguresTest {

    /** Snapshots taken while readers and callbacks churn (each checks the bounds). */
    private static final long SNAPSHOTS = 2_000_000;

    @Test
    void srcuCountsGracePeriodsSectionsAndCallbacks() throws Exception {
        AtomicLong now = new AtomicLong();
        Srcu s = Srcu.builder().name("figures").clock(now::get).build();
        Srcu.Stats idle = s.stats();
        assertEquals(new Srcu.Stats("figures", 0, false, 0, 0, 0, 0, 0, 0, 0, false), idle);

        ReadSection section = s.enter();
        int token = s.downRead();
        assertEquals(2, s.stats().sectionsOpen());
        assertEquals(2, s.stats().sectionsBegun());
        assertEquals(0, s.stats().sectionsEnded());

        SrcuTestSupport.Worker updater = start("updater", s::synchronize);
        awaitCondition("the updater waits for the sections", () -> LockSupport.getBlocker(updater) == s);
        Srcu.Stats during = s.stats();
        assertTrue(during.gracePeriodInProgress(), during::toString);
        assertEquals(0, during.gracePeriodsCompleted());
        Dump dump = s.dump();
        assertTrue(dump.summary().startsWith("2 read section(s) open"), dump::toString);
        assertTrue(dump.waiting().stream().anyMatch(w -> w.thread().equals("updater")
                && w.role().startsWith("driving grace period 0")
                && w.stack().stream().anyMatch(f -> f.getMethodName().equals("synchronize"))), dump::toString);

        now.addAndGet(Duration.ofMillis(5).toNanos());
        section.close();
        s.upRead(token);
        updater.joinAndCheck();
        Srcu.Stats after = s.stats();
        assertEquals(1, after.gracePeriodsCompleted());
        assertFalse(after.gracePeriodInProgress());
        assertEquals(Duration.ofMillis(5).toNanos(), after.lastGracePeriodNanos());
        assertEquals(Duration.ofMillis(5).toNanos(), after.longestGracePeriodNanos());
        assertEquals(0, after.sectionsOpen());
        s.readUnlock(s.readLock());                        // a third form, on another index maybe
        assertEquals(3, s.stats().sectionsBegun());
        assertEquals(3, s.stats().sectionsEnded());

        s.synchronize();                                   // the clock stands still: 0 ns
        Srcu.Stats second = s.stats();
        assertEquals(2, second.gracePeriodsCompleted());
        assertEquals(0, second.lastGracePeriodNanos());
        assertEquals(Duration.ofMillis(5).toNanos(), second.longestGracePeriodNanos());

        CountDownLatch ran = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            s.callAfterGracePeriod(ran::countDown);
        }
        s.barrier();
        Srcu.Stats callbacks = s.stats();
        assertEquals(3, callbacks.callbacksQueued());
        assertEquals(3, callbacks.callbacksRun());
        assertTrue(callbacks.gracePeriodsCompleted() >= 3, callbacks::toString);
        s.close();
        assertTrue(s.stats().closed());
    }

    /**
     * The consistency the Javadoc promises, under churn: sections held throughout are always
     * counted, the count is never negative, and callbacks run never exceed callbacks queued in one
     * record — while two threads begin and end sections and queue callbacks as fast as they can.
     */
    @Test
    void snapshotsRacingWithReadersKeepTheirBounds() throws Exception {
        Srcu s = Srcu.create("churn");
        Srcu c = Srcu.create("churn-callbacks");              // no section held: its grace periods complete
        ReadSection held1 = s.enter();
        int held2 = s.downRead();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        SrcuTestSupport.Worker readers = start("churn-readers", () -> {
            while (!stop.get()) {
                s.readUnlock(s.readLock());
                s.upRead(s.downRead());
            }
        });
        SrcuTestSupport.Worker callbacks = start("churn-callbacks", () -> {
            for (int i = 0; !stop.get(); i++) {
                c.callAfterGracePeriod(() -> { });
                if (i % 64 == 0) {
                    c.synchronize();
                }
            }
        });
        try {
            // A fixed amount of checking, not a time window; it goes on (within a deadlock guard)
            // until callbacks have run, or the check would prove nothing about them.
            long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long lastBegun = 0;
            long lastEnded = 0;
            for (long snapshots = 0; snapshots < SNAPSHOTS || c.stats().callbacksRun() == 0; snapshots++) {
                Srcu.Stats st = s.stats();
                assertTrue(st.sectionsOpen() >= 2, st::toString);
                // Two sections stay open throughout, and the cumulative sums only grow.
                assertTrue(st.sectionsBegun() - st.sectionsEnded() >= 2, st::toString);
                assertTrue(st.sectionsBegun() >= lastBegun && st.sectionsEnded() >= lastEnded, st::toString);
                lastBegun = st.sectionsBegun();
                lastEnded = st.sectionsEnded();
                Srcu.Stats cb = c.stats();
                assertTrue(cb.callbacksRun() <= cb.callbacksQueued(), cb::toString);
                assertTrue(System.nanoTime() - guard < 0, "deadlock guard: no callback ran in 30 s");
            }
        } finally {
            stop.set(true);
            readers.joinAndCheck();
            callbacks.joinAndCheck();
        }
        held1.close();
        s.upRead(held2);
        assertEquals(0, s.stats().sectionsOpen());
        c.barrier();
        Srcu.Stats done = c.stats();
        assertEquals(done.callbacksQueued(), done.callbacksRun());
    }

    @Test
    void semaphoreCountsHoldersAndQueues() throws Exception {
        RwSemaphore sem = RwSemaphore.create("figures");
        assertEquals(new RwSemaphore.Stats("figures", 0, false, 0, 0, 0, false, false), sem.stats());
        Permit a = sem.acquireShared();
        Permit b = sem.acquireShared();
        assertEquals(2, sem.stats().sharedHolders());

        SrcuTestSupport.Worker writer = start("writer", () -> sem.acquireExclusive().close());
        awaitCondition("the writer is queued", () -> sem.stats().waitingWriters() == 1);
        RwSemaphore.Stats queued = sem.stats();
        assertEquals(1, queued.waitingWriters());
        assertEquals(2, queued.sharedHolders());
        Dump dump = sem.dump();
        assertTrue(dump.waiting().stream().anyMatch(w -> w.thread().equals("writer")
                && w.role().equals("queued for the exclusive permit")), dump::toString);
        a.close();
        b.close();
        writer.joinAndCheck();
        assertEquals(new RwSemaphore.Stats("figures", 0, false, 0, 0, 0, false, false), sem.stats());

        sem.inflate();                                  // permits count in the reader cells now
        List<Permit> inflated = List.of(sem.acquireShared(), sem.acquireShared(), sem.acquireShared());
        assertEquals(3, sem.stats().sharedHolders());
        inflated.forEach(Permit::close);
        assertEquals(0, sem.stats().sharedHolders());
        Permit x = sem.acquireExclusive();
        assertTrue(sem.stats().exclusiveHeld());
        x.close();
    }

    /**
     * What an engineer needs when a production kill() hangs: a permit held by a thread parked on a
     * latch, kill() waiting on another thread. The dump shows the holder count and the killer's
     * stack, parked in kill().
     */
    @Test
    @SuppressWarnings("try")     // the holder's permit is held for the block's sake, never read in it
    void theDumpOfAHungKillShowsTheKillerAndTheHolders() throws Exception {
        RwSemaphore sem = RwSemaphore.create("hung");
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SrcuTestSupport.Worker holder = start("holder", () -> {
            try (Permit p = sem.acquireShared()) {
                holding.countDown();
                release.await();
            }
        });
        holding.await();
        SrcuTestSupport.Worker killer = start("killer", sem::kill);
        awaitCondition("kill() waits", () -> sem.stats().waitingKillers() == 1);
        SrcuTestSupport.awaitParked(killer);

        Dump dump = sem.dump();
        String text = dump.toString();
        assertTrue(dump.summary().startsWith("1 shared permit(s) held"), text);
        assertTrue(dump.summary().endsWith(", killing"), text);
        assertEquals(1, dump.waiting().size(), text);
        Dump.Waiter w = dump.waiting().get(0);
        assertEquals("killer", w.thread());
        assertTrue(w.role().startsWith("kill()"), text);
        assertTrue(w.stack().stream().anyMatch(f -> f.getClassName().equals(RwSemaphore.class.getName())
                && f.getMethodName().equals("kill")), text);
        assertTrue(text.contains(RwSemaphore.class.getName() + ".kill("), text);
        if (Tracker.ENABLED) {                             // -Dtest= runs this in the validator's JVM too
            assertTrue(dump.holders().contains("held by thread \"holder\"; acquired at:"), text);
        } else {
            assertEquals("", dump.holders());
            assertTrue(text.contains("-Ddev.quiesce.validate=true"), text);
        }
        RwSemaphore.Stats st = sem.stats();
        assertTrue(st.killed());
        assertFalse(st.dead());
        assertEquals(1, st.waitingKillers());
        assertEquals(1, st.sharedHolders());

        release.countDown();
        holder.joinAndCheck();
        killer.joinAndCheck();
        assertTrue(sem.stats().dead());
        assertTrue(sem.dump().waiting().isEmpty());
    }
}
