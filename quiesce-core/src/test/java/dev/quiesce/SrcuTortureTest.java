package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.SrcuTestSupport.Worker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded torture test after the Linux kernel's rcutorture (kernel/rcu/rcutorture.c).
 *
 * <p>A writer publishes a new object through a volatile reference and retires the old one by a
 * random choice of {@code synchronize()}, {@code synchronizeExpedited()},
 * {@code callAfterGracePeriod} and polled grace periods ({@code startPoll} or {@code pollState},
 * then {@code pollCompleted} or {@code awaitCompleted}). Each grace period that completes after an
 * object's retirement bumps the object's "pipe" count; at 2 the object is poisoned. Readers on
 * several threads read the current object inside a section and record the pipe count they see;
 * some hand the section to an executor that re-checks the object and ends the section after a
 * random delay. A cookie taken inside a section is checked not to complete before the section
 * ends. A flooding thread queues callbacks throughout; grace periods must go on, and
 * {@code barrier()} must drain it.
 *
 * <p>rcutorture tolerates a pipe count of 1 because its bumps are approximate. Here every bump
 * stands for a grace period that the writer (or a callback) waited for <em>after</em> the
 * retirement, so a reader that still holds a section on the object must see 0: any count above
 * 0 — and so any count above 1, or a poisoned object — is a violation.
 *
 * <p>Duration: system property {@code quiesce.torture.seconds} (20 by default; surefire passes
 * the value of the Maven property of that name). The harness runs against the small
 * {@link GracePeriodDomain} interface; {@link #harnessDetectsBrokenSynchronize()} runs it against a
 * domain whose {@code synchronize()} does not wait and requires a violation.
 */
class SrcuTortureTest {

    private static final int READERS = 3;
    private static final int MAX_HANDOFFS = 64;
    private static final int MAX_FLOOD_OUTSTANDING = 5_000;
    private static final int POISON = 2;

    static long seconds() {
        return Long.getLong("quiesce.torture.seconds", 20);
    }

    /**
     * The torture run. Prints a soak status line every 10 s ({@link SoakStatus}: sections ended,
     * grace periods completed, violations) and a PASS/FAIL verdict at the end. The deadlock guard
     * is the run's length plus five minutes: a fixed 600 s guard ended a 600 s soak in its final
     * join (./quiesce soak 600, 2026-12-03: 0 violations at 591 s, then a timeout).
     */
    @Test
    void torture() throws Throwable {
        Duration guard = Duration.ofSeconds(seconds() + 300);
        assertTimeoutPreemptively(guard, this::tortureRun, "torture() past its deadlock guard of " + guard);
    }

    private void tortureRun() throws Throwable {
        SoakStatus soak = new SoakStatus("SrcuTortureTest", "gracePeriods");
        try {
            Srcu srcu = Srcu.create("torture");
            Result r = new Harness(GracePeriodDomain.of(srcu), false).run(TimeUnit.SECONDS.toNanos(seconds()), soak);
            System.out.println("[SrcuTortureTest] " + r);
            assertEquals(0, r.violations, r.toString());
            assertTrue(r.retired > 0 && r.sections > 0, r.toString());
            assertTrue(r.gracePeriods > 0, r.toString());
            assertEquals(r.floodQueued, r.floodRun, "barrier() did not drain the callback flood");
            SrcuTestSupport.closeWhenIdle(srcu);          // nothing leaked: no section, no callback
            soak.pass("sections=" + r.sections + " gracePeriods=" + r.gracePeriods + " violations=" + r.violations
                    + ", nothing leaked");
        } catch (Throwable t) {
            soak.fail(t);
            throw t;
        }
    }

    /** The tester tests itself: a synchronize() that does not wait is caught within seconds. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void harnessDetectsBrokenSynchronize() throws Exception {
        Srcu srcu = Srcu.create("torture-broken");
        long start = System.nanoTime();
        Result r = new Harness(GracePeriodDomain.brokenSynchronize(srcu), true).run(TimeUnit.SECONDS.toNanos(10), null);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("[SrcuTortureTest] broken synchronize(): detected after " + ms + " ms: " + r);
        assertTrue(r.violations > 0, "the harness did not notice a synchronize() that does not wait: " + r);
    }

    /** The figures of one run. */
    static final class Result {
        long sections;
        long handOffs;
        long retired;
        long retiredBySync;
        long retiredByExpedited;
        long retiredByCallback;
        long retiredByPoll;
        long gracePeriods;
        long floodQueued;
        long floodRun;
        long violations;
        long[] pipeSeen = new long[POISON + 1];
        List<String> firstViolations = new ArrayList<>();

        @Override
        public String toString() {
            return "sections=" + sections + " (handed off " + handOffs + "), retired=" + retired
                    + " (sync " + retiredBySync + ", expedited " + retiredByExpedited + ", callback "
                    + retiredByCallback + ", poll " + retiredByPoll + "), gracePeriods=" + gracePeriods
                    + ", flood=" + floodRun + "/" + floodQueued + ", pipeSeen=" + java.util.Arrays.toString(pipeSeen)
                    + ", violations=" + violations + (firstViolations.isEmpty() ? "" : " " + firstViolations);
        }
    }

    /** A published object. Retired objects collect pipe counts; at {@link #POISON} they are dead. */
    static final class Obj {
        final long id;
        final AtomicInteger pipe = new AtomicInteger();
        volatile boolean poisoned;

        Obj(long id) {
            this.id = id;
        }

        /** One grace period completed after this object's retirement. */
        void bump() {
            if (pipe.incrementAndGet() >= POISON) {
                poisoned = true;
            }
        }
    }

    /** A retired object waiting on a polled cookie. */
    private static final class Polled {
        final Obj obj;
        long cookie;

        Polled(Obj obj, long cookie) {
            this.obj = obj;
            this.cookie = cookie;
        }
    }

    static final class Harness {
        private final GracePeriodDomain d;
        private final boolean stopOnViolation;
        private volatile Obj current = new Obj(0);
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong violations = new AtomicLong();
        private final ConcurrentLinkedQueue<String> firstViolations = new ConcurrentLinkedQueue<>();
        private final LongAdder sections = new LongAdder();
        private final LongAdder handOffs = new LongAdder();
        private final LongAdder[] pipeSeen = {new LongAdder(), new LongAdder(), new LongAdder()};
        private final AtomicInteger callbackChains = new AtomicInteger();
        private final AtomicLong floodQueued = new AtomicLong();
        private final AtomicLong floodRun = new AtomicLong();
        private final Result result = new Result();

        Harness(GracePeriodDomain d, boolean stopOnViolation) {
            this.d = d;
            this.stopOnViolation = stopOnViolation;
        }

        private void violation(String what) {
            if (violations.incrementAndGet() <= 5) {
                firstViolations.add(what + " on " + Thread.currentThread().getName());
            }
            if (stopOnViolation) {
                stop.set(true);
            }
        }

        /** Checks an object read inside a section that is still open. */
        private void check(Obj o, int pipe, String where) {
            pipeSeen[Math.min(pipe, POISON)].increment();
            if (pipe > 0) {
                violation(where + ": object " + o.id + " with pipe count " + pipe + " seen inside a section");
            }
            if (o.poisoned) {
                violation(where + ": poisoned object " + o.id + " seen inside a section");
            }
        }

        /**
         * Runs for {@code nanos}, or until a violation if so configured; if {@code soak} is not
         * null, prints its status line every period while waiting for the end.
         */
        Result run(long nanos, SoakStatus soak) throws Exception {
            long startCookie = d.pollState();
            long deadline = System.nanoTime() + nanos;
            ScheduledThreadPoolExecutor enders = new ScheduledThreadPoolExecutor(2, r -> {
                Thread t = new Thread(r, "torture-ender");
                t.setDaemon(true);
                return t;
            });
            Semaphore handOffSlots = new Semaphore(MAX_HANDOFFS);
            List<Worker> threads = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                threads.add(SrcuTestSupport.start("torture-reader-" + i, () -> reader(enders, handOffSlots)));
            }
            threads.add(SrcuTestSupport.start("torture-flood", this::flood));
            Worker writer = SrcuTestSupport.start("torture-writer", this::writer);
            try {
                while (!stop.get() && System.nanoTime() - deadline < 0) {
                    // Not a speed claim: the main thread only waits for the end of the run.
                    writer.join(100);
                    if (!writer.isAlive()) {
                        break;
                    }
                    if (soak != null) {
                        soak.tick(sections::sum, () -> (d.pollState() - startCookie) / 4, violations::get);
                    }
                }
            } finally {
                stop.set(true);
            }
            writer.joinAndCheck();
            for (Worker w : threads) {
                w.joinAndCheck();
            }
            enders.shutdown();
            assertTrue(enders.awaitTermination(30, TimeUnit.SECONDS), "hand-off enders did not finish");
            // Drain: callback chains re-queue once, so barrier until none is left.
            while (callbackChains.get() > 0) {
                d.barrier();
            }
            d.barrier();
            d.srcu().synchronize();
            result.gracePeriods = (d.pollState() - startCookie) / 4;
            result.sections = sections.sum();
            result.handOffs = handOffs.sum();
            result.violations = violations.get();
            result.firstViolations.addAll(firstViolations);
            result.floodQueued = floodQueued.get();
            result.floodRun = floodRun.get();
            for (int i = 0; i <= POISON; i++) {
                result.pipeSeen[i] = pipeSeen[i].sum();
            }
            return result;
        }

        private void reader(ScheduledThreadPoolExecutor enders, Semaphore handOffSlots) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (!stop.get()) {
                int token = d.begin();
                Obj o = current;
                check(o, o.pipe.get(), "reader");
                long cookie = d.pollState();
                sections.increment();
                if (rnd.nextInt(8) == 0 && handOffSlots.tryAcquire()) {
                    handOffs.increment();
                    Runnable end = () -> {
                        try {
                            check(o, o.pipe.get(), "ender");
                            if (d.pollCompleted(cookie)) {
                                violation("cookie " + cookie + " taken inside a section completed before it ended");
                            }
                            d.end(token);
                        } finally {
                            handOffSlots.release();
                        }
                    };
                    int delayMicros = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(200);
                    enders.schedule(end, delayMicros, TimeUnit.MICROSECONDS);
                } else {
                    for (int i = rnd.nextInt(32); i > 0; i--) {
                        Thread.onSpinWait();                   // a little work in the section
                    }
                    check(o, o.pipe.get(), "reader (end)");
                    if (d.pollCompleted(cookie)) {
                        violation("cookie " + cookie + " taken inside a section completed before it ended");
                    }
                    d.end(token);
                }
            }
        }

        private void writer() throws InterruptedException {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            List<Obj> waitingForSync = new ArrayList<>();
            ArrayDeque<Polled> polled = new ArrayDeque<>();
            long id = 1;
            while (!stop.get()) {
                Obj old = current;
                current = new Obj(id++);                       // unpublish old: retire it
                result.retired++;
                switch (rnd.nextInt(4)) {
                    case 0:
                        result.retiredBySync++;
                        waitingForSync.add(old);
                        d.synchronize();
                        bumpAll(waitingForSync);
                        break;
                    case 1:
                        result.retiredByExpedited++;
                        waitingForSync.add(old);
                        d.synchronizeExpedited();
                        bumpAll(waitingForSync);
                        break;
                    case 2:
                        result.retiredByCallback++;
                        callbackChains.incrementAndGet();
                        d.callAfterGracePeriod(() -> {
                            old.bump();
                            d.callAfterGracePeriod(() -> {    // the second grace period
                                old.bump();
                                callbackChains.decrementAndGet();
                            });
                        });
                        break;
                    default:
                        result.retiredByPoll++;
                        polled.add(new Polled(old, cookie(rnd)));
                        break;
                }
                // Polled retirements: bump those whose cookie completed; sometimes wait for one.
                if (!polled.isEmpty() && rnd.nextInt(8) == 0) {
                    d.awaitCompleted(polled.peek().cookie);
                }
                for (Iterator<Polled> it = polled.iterator(); it.hasNext(); ) {
                    Polled p = it.next();
                    if (d.pollCompleted(p.cookie)) {
                        p.obj.bump();
                        if (p.obj.poisoned) {
                            it.remove();
                        } else {
                            p.cookie = cookie(rnd);              // a grace period from now
                        }
                    }
                }
            }
        }

        private long cookie(ThreadLocalRandom rnd) {
            return rnd.nextBoolean() ? d.startPoll() : d.pollState();
        }

        private static void bumpAll(List<Obj> objs) {
            for (Iterator<Obj> it = objs.iterator(); it.hasNext(); ) {
                Obj o = it.next();
                o.bump();
                if (o.poisoned) {
                    it.remove();
                }
            }
        }

        /** Floods callAfterGracePeriod with cheap callbacks, bounded in how many are outstanding. */
        private void flood() {
            while (!stop.get()) {
                if (floodQueued.get() - floodRun.get() < MAX_FLOOD_OUTSTANDING) {
                    for (int i = 0; i < 100; i++) {
                        floodQueued.incrementAndGet();
                        d.callAfterGracePeriod(floodRun::incrementAndGet);
                    }
                } else {
                    Thread.yield();
                }
            }
        }
    }
}
