package dev.quiesce.jcstress;

import dev.quiesce.Access;
import dev.quiesce.Permit;
import dev.quiesce.Revocable;
import dev.quiesce.RwSemaphore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * jcstress tests of {@link RwSemaphore} and {@link Revocable}: one nested test per race, at most
 * two actors and an arbiter each (this machine has two cores; a third actor drops the test).
 *
 * <h2>How overlap is detected</h2>
 * Each holder sets a volatile "inside" flag right after it acquires and reads the other side's
 * flag, and clears its own before it releases. If two sections really overlap in time, Dekker's
 * argument over the volatile accesses makes at least one of them see the other's flag; a holder
 * that sees it reports an overlap (FORBIDDEN). In addition the writer writes a plain pair of fields
 * and the reader reads the pair: a torn pair (one written, the other not) is FORBIDDEN too, and so
 * is a reader that misses a write made by an exclusive section that ended before its acquire (the
 * permit's release must publish it).
 *
 * <h2>Inflated semaphores</h2>
 * Tests whose name ends in {@code Inflated} run on a semaphore whose shared permits count in the
 * striped reader cells, where {@code tryAcquireExclusive()} takes the TENTATIVE path. Inflation is
 * provoked through the public API only — two threads racing {@code tryAcquireShared()/close()} on
 * the same semaphore until its {@code toString()} says "inflated" — which costs a thread
 * rendezvous, so {@link InflatedPool} inflates semaphores in batches and the arbiter of each state
 * returns its (idle again) semaphore for reuse by a later state.
 *
 * <h2>Cost</h2>
 * In the bounded CI mode ({@code -m quick -iters 1 -time 100}) jcstress runs each continuous
 * test in about 26 JVM configurations, about 25 s per test on an idle two-core machine, and each
 * termination test in about 9 s. So races that one test can observe together share a test
 * (exclusion and no spurious failure; the exclusive hand-off probed by a shared and then an
 * exclusive newcomer).
 *
 * <h2>Threads</h2>
 * In continuous tests the harness or an actor thread constructs the states, so a permit acquired in
 * a state constructor and released in an actor crosses threads in a good part of the samples (see
 * {@link SrcuTests}). In termination tests the harness thread constructs the state and delivers the
 * {@link Signal}; only the {@link Actor} runs on a new thread.
 */
public final class RwSemaphoreTests {

    private RwSemaphoreTests() {
    }

    /** Holders of the semaphore's two sides, with Dekker flags and a plain pair of data. */
    abstract static class Pair {
        final RwSemaphore sem;
        volatile int readerIn;
        volatile int writerIn;
        int a;
        int b;

        Pair(RwSemaphore sem) {
            this.sem = sem;
        }

        /**
         * A shared section: returns 1 if acquired, sets {@code anomaly[0]} to 1 if it saw a writer
         * inside or a torn pair.
         */
        final int shared(int[] anomaly) {
            Permit p = sem.tryAcquireShared();
            if (p == null) {
                return 0;
            }
            readerIn = 1;
            int bad = writerIn;
            int x = a;
            int y = b;
            if (x != y) {
                bad = 1;
            }
            readerIn = 0;
            p.close();
            anomaly[0] = bad;
            return 1;
        }

        /** An exclusive section: returns 1 if acquired; sets {@code anomaly[0]} if it saw anyone inside. */
        final int exclusive(int[] anomaly) {
            Permit p = sem.tryAcquireExclusive();
            if (p == null) {
                return 0;
            }
            int bad = writerIn | readerIn;
            writerIn = 1;
            bad |= readerIn;
            int x = a;
            int y = b;
            if (x != y) {
                bad = 1;
            }
            a = x + 1;
            b = y + 1;
            writerIn = 0;
            p.close();
            anomaly[0] = bad;
            return 1;
        }

        /** As {@link #shared}, with the token form ({@code tryAcquireSharedToken/releaseShared}). */
        final int sharedToken(int[] anomaly) {
            long t = sem.tryAcquireSharedToken();
            if (t == 0L) {
                return 0;
            }
            readerIn = 1;
            int bad = writerIn;
            int x = a;
            int y = b;
            if (x != y) {
                bad = 1;
            }
            readerIn = 0;
            sem.releaseShared(t);
            anomaly[0] = bad;
            return 1;
        }

        /** As {@link #exclusive}, with the token form ({@code tryAcquireExclusiveToken/releaseExclusive}). */
        final int exclusiveToken(int[] anomaly) {
            long t = sem.tryAcquireExclusiveToken();
            if (t == 0L) {
                return 0;
            }
            int bad = writerIn | readerIn;
            writerIn = 1;
            bad |= readerIn;
            int x = a;
            int y = b;
            if (x != y) {
                bad = 1;
            }
            a = x + 1;
            b = y + 1;
            writerIn = 0;
            sem.releaseExclusive(t);
            anomaly[0] = bad;
            return 1;
        }
    }

    /**
     * Inflated semaphores through the public API, in batches, reused once a state is done with
     * one (the arbiter gives it back idle: no permit open, no waiter).
     */
    static final class InflatedPool {
        private static final ConcurrentLinkedQueue<RwSemaphore> FREE = new ConcurrentLinkedQueue<>();
        private static final int BATCH = 512;

        private InflatedPool() {
        }

        static RwSemaphore take() {
            for (;;) {
                RwSemaphore s = FREE.poll();
                if (s != null) {
                    return s;
                }
                refill();
            }
        }

        static void give(RwSemaphore s) {
            FREE.offer(s);
        }

        static boolean isInflated(RwSemaphore s) {
            return s.toString().contains(", inflated");
        }

        /** Two threads walk the same batch; on each semaphore both race shared acquires until it inflates. */
        private static synchronized void refill() {
            if (!FREE.isEmpty()) {
                return;
            }
            RwSemaphore[] batch = new RwSemaphore[BATCH];
            for (int i = 0; i < BATCH; i++) {
                batch[i] = RwSemaphore.create("jcstress-inflated");
            }
            Thread helper = new Thread(() -> inflateAll(batch), "quiesce-jcstress-inflater");
            helper.setDaemon(true);
            helper.start();
            inflateAll(batch);
            try {
                helper.join();
            } catch (InterruptedException e) {
                throw new AssertionError("interrupted while inflating", e);
            }
            for (RwSemaphore s : batch) {
                if (!isInflated(s)) {
                    throw new AssertionError("reader contention did not inflate " + s);
                }
                FREE.offer(s);
            }
        }

        private static void inflateAll(RwSemaphore[] batch) {
            for (RwSemaphore s : batch) {
                for (int i = 0; !isInflated(s); i++) {
                    for (int k = 0; k < 64; k++) {
                        Permit p = s.tryAcquireShared();
                        if (p != null) {
                            p.close();
                        }
                    }
                    if (i > 1_000_000) {
                        throw new AssertionError("reader contention did not inflate " + s);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Exclusion

    /**
     * tryAcquireShared() against tryAcquireExclusive() on a word-mode semaphore. Also the
     * no-spurious-failure clause: each try may fail only because the other side holds, so both
     * failing is forbidden. (The shape "the state holds a shared permit, the exclusive try fails,
     * the shared try must succeed" is subsumed: there the exclusive try fails on a non-zero word
     * without writing it, so it cannot interfere; the racing shape above is the one where a failed
     * claim could.)
     */
    @JCStressTest
    @Description("actor1 tryAcquireShared() { readerIn = 1; read writerIn, a, b }; "
            + "actor2 tryAcquireExclusive() { writerIn = 1; read readerIn; a++, b++ }")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The reader acquired first (or alone); the exclusive try found it and failed.")
    @Outcome(id = "0, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The writer acquired first; the shared try found it and failed.")
    @Outcome(id = "1, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "One section ended before the other began: both succeeded, one after the other.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.FORBIDDEN,
            desc = "Both tries failed: each can only fail because the other held, which cannot be true of "
                    + "both: a spurious failure.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "A holder saw the other side inside (r3: reader saw the writer or a torn pair; r4: writer "
                    + "saw the reader): shared and exclusive permits held at once.")
    @State
    public static class SharedVsExclusive extends Pair {
        public SharedVsExclusive() {
            super(RwSemaphore.create());
        }

        @Actor
        public void reader(IIII_Result r) {
            int[] bad = new int[1];
            r.r1 = shared(bad);
            r.r3 = bad[0];
        }

        @Actor
        public void writer(IIII_Result r) {
            int[] bad = new int[1];
            r.r2 = exclusive(bad);
            r.r4 = bad[0];
        }
    }

    /**
     * As {@link SharedVsExclusive} on an inflated semaphore: the shared try counts in a reader
     * cell, the exclusive try claims TENTATIVE and sums the cells. Also the no-spurious-failure
     * race of the TENTATIVE claim: a failing exclusive try must not make the shared try fail.
     */
    @JCStressTest
    @Description("inflated: actor1 tryAcquireShared() { readerIn = 1; read writerIn, a, b }; "
            + "actor2 tryAcquireExclusive() { writerIn = 1; read readerIn; a++, b++ }")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The reader's cell add came first; the exclusive try's sum saw it and backed out.")
    @Outcome(id = "0, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The writer claimed the word first; the reader saw EXCLUSIVE and backed out.")
    @Outcome(id = "1, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "One section ended before the other began.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.FORBIDDEN,
            desc = "Both failed: the reader saw TENTATIVE and failed instead of waiting for the outcome, "
                    + "or the writer backed out of a sum that included a reader that then backed out too.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "A holder saw the other side inside: the TENTATIVE scan missed a reader's cell add, or "
                    + "the reader missed TENTATIVE/EXCLUSIVE (Dekker broken).")
    @State
    public static class SharedVsExclusiveInflated extends Pair {
        public SharedVsExclusiveInflated() {
            super(InflatedPool.take());
        }

        @Actor
        public void reader(IIII_Result r) {
            int[] bad = new int[1];
            r.r1 = shared(bad);
            r.r3 = bad[0];
        }

        @Actor
        public void writer(IIII_Result r) {
            int[] bad = new int[1];
            r.r2 = exclusive(bad);
            r.r4 = bad[0];
        }

        @Arbiter
        public void recycle() {
            InflatedPool.give(sem);
        }
    }

    /** tryAcquireExclusive() against tryAcquireExclusive(), with a plain counter pair. */
    @JCStressTest
    @Description("both actors tryAcquireExclusive() { writerIn check; a++, b++ }; arbiter checks a == b == "
            + "successes")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE, desc = "actor1 won; actor2 found it held.")
    @Outcome(id = "0, 1, 0, 0", expect = Expect.ACCEPTABLE, desc = "actor2 won; actor1 found it held.")
    @Outcome(id = "1, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "One section ended before the other began; both increments landed.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.FORBIDDEN,
            desc = "Both failed though each can only fail while the other holds: a spurious failure.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "Two exclusive holders at once (one saw the other inside, or a lost or torn increment "
                    + "seen by the arbiter).")
    @State
    public static class ExclusiveVsExclusive extends Pair {
        public ExclusiveVsExclusive() {
            super(RwSemaphore.create());
        }

        @Actor
        public void writer1(IIII_Result r) {
            int[] bad = new int[1];
            r.r1 = exclusive(bad);
            r.r3 = bad[0];
        }

        @Actor
        public void writer2(IIII_Result r) {
            int[] bad = new int[1];
            r.r2 = exclusive(bad);
            r.r4 = bad[0];
        }

        @Arbiter
        public void check(IIII_Result r) {
            if (a != r.r1 + r.r2 || b != a) {
                r.r3 = 1;
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Exclusion and no spurious failure, token forms

    /**
     * As {@link SharedVsExclusive} with both token forms: tryAcquireSharedToken() against
     * tryAcquireExclusiveToken(), whose grant also bumps the stamp in the word.
     */
    @JCStressTest
    @Description("actor1 tryAcquireSharedToken() { readerIn = 1; read writerIn, a, b }; "
            + "actor2 tryAcquireExclusiveToken() { writerIn = 1; read readerIn; a++, b++ }")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The reader acquired first (or alone); the exclusive try found it and failed.")
    @Outcome(id = "0, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The writer acquired first; the shared try found it and failed.")
    @Outcome(id = "1, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "One section ended before the other began: both succeeded, one after the other.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.FORBIDDEN,
            desc = "Both tries failed: each can only fail because the other held: a spurious failure.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "A holder saw the other side inside (r3: reader saw the writer or a torn pair; r4: writer "
                    + "saw the reader): a shared and an exclusive token held at once.")
    @State
    public static class SharedTokenVsExclusiveToken extends Pair {
        public SharedTokenVsExclusiveToken() {
            super(RwSemaphore.create());
        }

        @Actor
        public void reader(IIII_Result r) {
            int[] bad = new int[1];
            r.r1 = sharedToken(bad);
            r.r3 = bad[0];
        }

        @Actor
        public void writer(IIII_Result r) {
            int[] bad = new int[1];
            r.r2 = exclusiveToken(bad);
            r.r4 = bad[0];
        }
    }

    /**
     * As {@link SharedTokenVsExclusiveToken} on an inflated semaphore: the shared token counts in
     * a reader cell, the exclusive token try claims TENTATIVE and sums the cells.
     */
    @JCStressTest
    @Description("inflated: actor1 tryAcquireSharedToken() { readerIn = 1; read writerIn, a, b }; "
            + "actor2 tryAcquireExclusiveToken() { writerIn = 1; read readerIn; a++, b++ }")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The reader's cell add came first; the exclusive try's sum saw it and backed out.")
    @Outcome(id = "0, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The writer claimed the word first; the reader saw EXCLUSIVE and backed out.")
    @Outcome(id = "1, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "One section ended before the other began.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.FORBIDDEN,
            desc = "Both failed: the reader saw TENTATIVE and failed instead of waiting for the outcome, "
                    + "or the writer backed out of a sum that included a reader that then backed out too.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "A holder saw the other side inside: the TENTATIVE scan missed a reader's cell add, or "
                    + "the reader missed TENTATIVE/EXCLUSIVE (Dekker broken).")
    @State
    public static class SharedTokenVsExclusiveTokenInflated extends Pair {
        public SharedTokenVsExclusiveTokenInflated() {
            super(InflatedPool.take());
        }

        @Actor
        public void reader(IIII_Result r) {
            int[] bad = new int[1];
            r.r1 = sharedToken(bad);
            r.r3 = bad[0];
        }

        @Actor
        public void writer(IIII_Result r) {
            int[] bad = new int[1];
            r.r2 = exclusiveToken(bad);
            r.r4 = bad[0];
        }

        @Arbiter
        public void recycle() {
            InflatedPool.give(sem);
        }
    }

    /** tryAcquireExclusiveToken() against tryAcquireExclusive() (a Permit), with a plain counter pair. */
    @JCStressTest
    @Description("actor1 tryAcquireExclusiveToken(), actor2 tryAcquireExclusive(), each { writerIn check; "
            + "a++, b++ }; arbiter checks a == b == successes")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE, desc = "The token won; the permit try found it held.")
    @Outcome(id = "0, 1, 0, 0", expect = Expect.ACCEPTABLE, desc = "The permit won; the token try found it held.")
    @Outcome(id = "1, 1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "One section ended before the other began; both increments landed.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.FORBIDDEN,
            desc = "Both failed though each can only fail while the other holds: a spurious failure.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "Two exclusive holders at once (one saw the other inside, or a lost or torn increment "
                    + "seen by the arbiter), or a release refused its own token.")
    @State
    public static class ExclusiveTokenVsExclusive extends Pair {
        public ExclusiveTokenVsExclusive() {
            super(RwSemaphore.create());
        }

        @Actor
        public void token(IIII_Result r) {
            int[] bad = new int[1];
            r.r1 = exclusiveToken(bad);
            r.r3 = bad[0];
        }

        @Actor
        public void permit(IIII_Result r) {
            int[] bad = new int[1];
            r.r2 = exclusive(bad);
            r.r4 = bad[0];
        }

        @Arbiter
        public void check(IIII_Result r) {
            if (a != r.r1 + r.r2 || b != a) {
                r.r3 = 1;
            }
        }
    }

    /**
     * A stale exclusive token (taken and released in the state constructor) is released again
     * while actor1 takes the permit afresh: the stamp must make the stale release fail whether it
     * comes before, during or after actor1's hold, so it never ends actor1's section under it
     * (actor2 then probes with a shared section).
     */
    @JCStressTest
    @Description("ctor: t = tryAcquireExclusiveToken(); releaseExclusive(t); actor1: tryAcquireExclusiveToken() "
            + "{ writerIn = 1; a++, b++ }; actor2: releaseExclusive(t) (must throw); tryAcquireShared() { read }")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "actor1 held and released; the stale release was refused; the reader saw no overlap.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "actor2's shared section held while actor1 tried: actor1 failed; the stale release was refused.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "r2 = 1: the stale token released a permit (actor1's, or none); r3 = 1: actor1's own release "
                    + "was refused or it saw someone inside; r4 = 1: the reader got in under actor1.")
    @State
    public static class StaleExclusiveToken extends Pair {
        final long stale;

        public StaleExclusiveToken() {
            super(RwSemaphore.create());
            stale = sem.tryAcquireExclusiveToken();
            sem.releaseExclusive(stale);
        }

        @Actor
        public void writer(IIII_Result r) {
            int[] bad = new int[1];
            try {
                r.r1 = exclusiveToken(bad);
            } catch (IllegalStateException e) {
                bad[0] = 1;
            }
            r.r3 = bad[0];
        }

        @Actor
        public void staleReleaser(IIII_Result r) {
            try {
                sem.releaseExclusive(stale);
                r.r2 = 1;
            } catch (IllegalStateException e) {
                r.r2 = 0;
            }
            int[] bad = new int[1];
            shared(bad);
            r.r4 = bad[0];
        }
    }

    /**
     * The same exclusive Permit closed by both actors at once (a misuse that must not break
     * exclusion). Its close() has no CAS of its own: the semaphore's CAS on the grant's stamp
     * decides, so exactly one close may release. actor2 then takes the permit afresh and, while
     * holding it, probes with a shared try: actor1's losing close must not release the new grant.
     */
    @JCStressTest
    @Description("ctor: p = tryAcquireExclusive(); actor1: p.close(); actor2: p.close(); q = tryAcquireExclusive() "
            + "{ r4 = tryAcquireShared() != null; q.close() }; r1/r2: whose close released")
    @Outcome(id = "1, 0, 1, 0", expect = Expect.ACCEPTABLE,
            desc = "actor1's close released; actor2's threw; actor2 then held the permit alone.")
    @Outcome(id = "0, 1, 1, 0", expect = Expect.ACCEPTABLE,
            desc = "actor2's close released; actor1's threw (before or after actor2's new grant) and released "
                    + "nothing.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "Both closes released or neither (r1 + r2 != 1); the fresh exclusive try failed (r3 = 0) or the "
                    + "semaphore was not free afterwards (r3 = 2); or a reader got in under actor2's new grant (r4 = 1): "
                    + "the losing close released it.")
    @State
    public static class ExclusivePermitClosedTwiceAtOnce {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit p = sem.tryAcquireExclusive();

        @Actor
        public void closer(IIII_Result r) {
            try {
                p.close();
                r.r1 = 1;
            } catch (IllegalStateException e) {
                r.r1 = 0;
            }
        }

        @Actor
        public void closerThenWriter(IIII_Result r) {
            try {
                p.close();
                r.r2 = 1;
            } catch (IllegalStateException e) {
                r.r2 = 0;
            }
            Permit q = sem.tryAcquireExclusive();
            if (q != null) {
                r.r3 = 1;
                Permit s = sem.tryAcquireShared();
                if (s != null) {
                    r.r4 = 1;
                    s.close();
                }
                q.close();
            }
        }

        @Arbiter
        public void check(IIII_Result r) {
            Permit w = sem.tryAcquireExclusive();
            if (w == null) {
                r.r3 = 2;
            } else {
                w.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Exclusion with a permit acquired in the state constructor and released by an actor

    /**
     * The exclusive permit is taken in the state constructor, written under and released by
     * actor1 (another thread in a good part of the samples); actor2, a newcomer, tries a shared
     * and then an exclusive permit and reads the pair under each.
     */
    @JCStressTest
    @Description("ctor: w = tryAcquireExclusive(); actor1: a = 1; b = 1; w.close(); "
            + "actor2: tryAcquireShared() { r2 = a + b }; tryAcquireExclusive() { r4 = a + b }")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "Both tries came before actor1 released the exclusive permit: both failed.")
    @Outcome(id = "0, 0, 1, 2", expect = Expect.ACCEPTABLE,
            desc = "The shared try came before the release, the exclusive try after: it saw both writes.")
    @Outcome(id = "1, 2, 1, 2", expect = Expect.ACCEPTABLE,
            desc = "Both tries came after the release and saw both writes of the handed-off section.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "A permit granted while the handed-off exclusive permit was still open (a write missed or "
                    + "torn: r2 or r4 below 2), a release that did not publish the section's writes, or an "
                    + "exclusive try that failed after the shared permit was closed again (r1 = 1, r3 = 0).")
    @State
    public static class HandOffExclusive {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit w = sem.tryAcquireExclusive();
        int a;
        int b;

        @Actor
        public void holder() {
            a = 1;
            b = 1;
            w.close();
        }

        @Actor
        public void newcomer(IIII_Result r) {
            Permit p = sem.tryAcquireShared();
            if (p != null) {
                r.r1 = 1;
                r.r2 = a + b;
                p.close();
            }
            Permit q = sem.tryAcquireExclusive();
            if (q != null) {
                r.r3 = 1;
                r.r4 = a + b;
                q.close();
            }
        }
    }

    /**
     * As {@link HandOffExclusive} with the token forms: the exclusive token is taken in the state
     * constructor and released by actor1 after its writes; releaseExclusive(token) must publish
     * them to every later acquire.
     */
    @JCStressTest
    @Description("ctor: t = tryAcquireExclusiveToken(); actor1: a = 1; b = 1; releaseExclusive(t); "
            + "actor2: tryAcquireSharedToken() { r2 = a + b }; tryAcquireExclusiveToken() { r4 = a + b }")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "Both tries came before actor1 released the exclusive token: both failed.")
    @Outcome(id = "0, 0, 1, 2", expect = Expect.ACCEPTABLE,
            desc = "The shared try came before the release, the exclusive try after: it saw both writes.")
    @Outcome(id = "1, 2, 1, 2", expect = Expect.ACCEPTABLE,
            desc = "Both tries came after the release and saw both writes of the handed-off section.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "A token granted while the handed-off exclusive token was still held (a write missed or "
                    + "torn: r2 or r4 below 2), a release that did not publish the section's writes, or an "
                    + "exclusive try that failed after the shared token was released again (r1 = 1, r3 = 0).")
    @State
    public static class HandOffExclusiveToken {
        final RwSemaphore sem = RwSemaphore.create();
        final long w = sem.tryAcquireExclusiveToken();
        int a;
        int b;

        @Actor
        public void holder() {
            a = 1;
            b = 1;
            sem.releaseExclusive(w);
        }

        @Actor
        public void newcomer(IIII_Result r) {
            long p = sem.tryAcquireSharedToken();
            if (p != 0L) {
                r.r1 = 1;
                r.r2 = a + b;
                sem.releaseShared(p);
            }
            long q = sem.tryAcquireExclusiveToken();
            if (q != 0L) {
                r.r3 = 1;
                r.r4 = a + b;
                sem.releaseExclusive(q);
            }
        }
    }

    /** Shared permit taken in the constructor, read under and released by actor1; actor2 tries exclusive and writes. */
    @JCStressTest
    @Description("ctor: s = tryAcquireShared(); actor1: read a, b; s.close(); "
            + "actor2: tryAcquireExclusive() { a = 1; b = 1 }")
    @Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The exclusive try came before the reader released: it failed; the reader saw nothing.")
    @Outcome(id = "1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The exclusive try came after the reader released; the reader had read before.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "The reader, still holding the handed-off shared permit, saw the writer's writes: an "
                    + "exclusive permit was granted while a shared one was open.")
    @State
    public static class HandOffSharedVsExclusive extends HandOff {
        public HandOffSharedVsExclusive() {
            super(RwSemaphore.create());
        }

        @Actor
        public void holder(III_Result r) {
            hold(r);
        }

        @Actor
        public void writer(III_Result r) {
            write(r);
        }
    }

    /** The two sides of the hand-off tests: a shared permit taken in the constructor, and a writer. */
    abstract static class HandOff {
        final RwSemaphore sem;
        final Permit s;
        int a;
        int b;

        HandOff(RwSemaphore sem) {
            this.sem = sem;
            this.s = sem.tryAcquireShared();
        }

        /** Reads under the handed-off permit, then releases it. */
        void hold(III_Result r) {
            r.r2 = a;
            r.r3 = b;
            s.close();
        }

        /** Tries the exclusive permit and writes under it. */
        void write(III_Result r) {
            Permit p = sem.tryAcquireExclusive();
            if (p != null) {
                r.r1 = 1;
                a = 1;
                b = 1;
                p.close();
            }
        }
    }

    /**
     * As {@link HandOffSharedVsExclusive} on an inflated semaphore: the handed-off permit owns a
     * reader slot, whose release is a plain release-mode store, not an atomic update. That store
     * must still order the holder's reads before the writer's writes.
     */
    @JCStressTest
    @Description("inflated: ctor: s = tryAcquireShared() (owns a slot); actor1: read a, b; s.close(); "
            + "actor2: tryAcquireExclusive() { a = 1; b = 1 }")
    @Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The exclusive try came before the reader released: it failed; the reader saw nothing.")
    @Outcome(id = "1, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The exclusive try saw the slot free; the reader had read before.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "The reader, still holding its slot, saw the writer's writes: the slot's release store "
                    + "became visible before the reads under it, or the writer's sum missed the slot.")
    @State
    public static class HandOffSharedVsExclusiveInflated extends HandOff {
        public HandOffSharedVsExclusiveInflated() {
            super(InflatedPool.take());
        }

        @Actor
        public void holder(III_Result r) {
            hold(r);
        }

        @Actor
        public void writer(III_Result r) {
            write(r);
        }

        @Arbiter
        public void recycle() {
            InflatedPool.give(sem);
        }
    }

    // ------------------------------------------------------------------------------------------
    // kill()

    /**
     * kill() against tryAcquireShared(): no shared permit may be granted after kill() returns, and
     * none may still be open when it returns.
     */
    @JCStressTest
    @Description("actor1: p = tryAcquireShared() { inside = 1; r2 = killed; inside = 0; close }; "
            + "actor2: kill(); killed = 1; r3 = inside; r4 = tryAcquireShared() != null")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The reader acquired before kill() began; kill() waited for its close.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "kill() began before the reader's try: the try failed.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "r2 = 1: a reader held a permit after kill() had returned; r3 = 1: kill() returned while a "
                    + "reader was inside; r4 = 1: a try succeeded after kill() returned.")
    @State
    public static class KillVsTryShared {
        final RwSemaphore sem = RwSemaphore.create();
        volatile int inside;
        volatile int killed;

        @Actor
        public void reader(IIII_Result r) {
            Permit p = sem.tryAcquireShared();
            if (p != null) {
                inside = 1;
                r.r1 = 1;
                r.r2 = killed;
                inside = 0;
                p.close();
            }
        }

        @Actor
        public void killer(IIII_Result r) {
            sem.kill();
            killed = 1;
            r.r3 = inside;
            r.r4 = sem.tryAcquireShared() != null ? 1 : 0;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Downgrade

    /**
     * Downgrade atomicity: with the exclusive permit held from the constructor, actor1 downgrades
     * it and reads x under the new shared permit, then closes; actor2's exclusive try may succeed
     * only after that close.
     */
    @JCStressTest
    @Description("ctor: w = tryAcquireExclusive(); actor1: s = w.downgrade(); r1 = x; closing = 1; s.close(); "
            + "actor2: tryAcquireExclusive() { x = 1; r3 = closing }")
    @Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "The exclusive try came while the exclusive or the downgraded shared permit was held: it failed.")
    @Outcome(id = "0, 1, 1", expect = Expect.ACCEPTABLE,
            desc = "The exclusive try came after the downgraded permit was closed.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "A writer got in between the exclusive and the shared phase of downgrade(), or while the "
                    + "downgraded shared permit was open (r1 = 1: the reader saw its write; r3 = 0: it "
                    + "acquired before the shared permit was being closed).")
    @State
    public static class DowngradeAtomicity {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit w = sem.tryAcquireExclusive();
        volatile int closing;
        int x;

        @Actor
        public void downgrader(III_Result r) {
            Permit s = w.downgrade();
            r.r1 = x;
            closing = 1;
            s.close();
        }

        @Actor
        public void writer(III_Result r) {
            Permit p = sem.tryAcquireExclusive();
            if (p != null) {
                x = 1;
                r.r2 = 1;
                r.r3 = closing;
                p.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Writer bias and no spurious failure

    /**
     * Writer bias: the state holds a shared permit; actor1 queues a writer with
     * acquireExclusiveAsync() (it cannot be granted while the permit is held), publishes that, and
     * checks that its own tryAcquireShared() now fails; actor2 is a reader that may arrive before
     * or after the writer queued. The arbiter closes the state's permit: the queued writer must be
     * granted then.
     */
    @JCStressTest
    @Description("ctor: p0 = tryAcquireShared(); actor1: f = acquireExclusiveAsync(); queued = 1; "
            + "r1 = tryAcquireShared() != null; actor2: r2 = queued; r3 = tryAcquireShared() != null; "
            + "arbiter: p0.close(); r4 = f granted (waited for: its delivery is off the closing thread)")
    @Outcome(id = "0, 0, 0, 1", expect = Expect.ACCEPTABLE,
            desc = "The reader arrived after the writer queued (it had not yet seen the flag) and failed.")
    @Outcome(id = "0, 0, 1, 1", expect = Expect.ACCEPTABLE,
            desc = "The reader arrived before the writer queued and succeeded.")
    @Outcome(id = "0, 1, 0, 1", expect = Expect.ACCEPTABLE,
            desc = "The reader saw the writer queued and failed, as writer bias demands.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "r1 = 1 or (r2, r3) = (1, 1): a shared try succeeded after a writer had queued; r4 = 0: "
                    + "closing the last shared permit did not grant the queued writer (a lost wake-up).")
    @State
    public static class WriterBias {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit p0 = sem.tryAcquireShared();
        volatile CompletableFuture<Permit> f;
        volatile int queued;

        @Actor
        public void writer(IIII_Result r) {
            f = sem.acquireExclusiveAsync();
            queued = 1;
            Permit p = sem.tryAcquireShared();
            if (p != null) {
                r.r1 = 1;
                p.close();
            }
        }

        @Actor
        public void reader(IIII_Result r) {
            r.r2 = queued;
            Permit p = sem.tryAcquireShared();
            if (p != null) {
                r.r3 = 1;
                p.close();
            }
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            p0.close();
            // The grant is delivered by the semaphore's async executor, off this thread: wait for
            // it, for long enough that only a lost grant runs out (r4 = 0).
            Permit w;
            try {
                w = f.get(10, TimeUnit.SECONDS);
            } catch (Exception lostOrFailed) {
                w = null;
            }
            if (w != null && w.isExclusive()) {
                r.r4 = 1;
                w.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Termination: blocked acquirers and kill() wake on the release

    /** A blocked acquireExclusive() wakes when the last shared permit is closed. */
    @JCStressTest(Mode.Termination)
    @Description("ctor: p0 = tryAcquireShared(); actor: acquireExclusive().close(); signal: p0.close()")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "Closing the last shared permit granted the waiting writer.")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "The writer stayed parked after the last shared permit was closed: a lost wake-up.")
    @State
    public static class ExclusiveWakesOnSharedClose {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit p0 = sem.tryAcquireShared();

        @Actor
        public void writer() throws InterruptedException {
            sem.acquireExclusive().close();
        }

        @Signal
        public void signal() {
            p0.close();
        }
    }

    /** A blocked acquireShared() wakes when the exclusive permit is closed. */
    @JCStressTest(Mode.Termination)
    @Description("ctor: w = tryAcquireExclusive(); actor: acquireShared().close(); signal: w.close()")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "Closing the exclusive permit admitted the waiting reader.")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "The reader stayed parked after the exclusive permit was closed: a lost wake-up.")
    @State
    public static class SharedWakesOnExclusiveClose {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit w = sem.tryAcquireExclusive();

        @Actor
        public void reader() throws InterruptedException {
            sem.acquireShared().close();
        }

        @Signal
        public void signal() {
            w.close();
        }
    }

    /** kill() returns once the last shared permit is closed. */
    @JCStressTest(Mode.Termination)
    @Description("ctor: p0 = tryAcquireShared(); actor: kill(); signal: p0.close()")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "Closing the last shared permit made the semaphore dead and woke kill().")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "kill() stayed parked after the last permit was closed: a lost wake-up, or DEAD never set.")
    @State
    public static class KillReturnsOnLastClose {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit p0 = sem.tryAcquireShared();

        @Actor
        public void killer() {
            sem.kill();
        }

        @Signal
        public void signal() {
            p0.close();
        }
    }

    /**
     * A writer that gives up must not strand the reader it held back: the withdrawal re-runs the
     * queue's dispatch, which admits the reader queued behind it.
     */
    @JCStressTest(Mode.Termination)
    @Description("ctor: p0 = tryAcquireShared(); f = acquireExclusiveAsync() (queued: readers wait); "
            + "actor: acquireShared().close(); signal: f.cancel(false)")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "Cancelling the queued writer let the reader behind it in (or the reader came after).")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "The reader stayed parked behind a writer that was no longer queued: a stranded waiter.")
    @State
    public static class CancelledWriterDoesNotStrandTheReader {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit p0 = sem.tryAcquireShared();
        final CompletableFuture<Permit> writer = sem.acquireExclusiveAsync();

        @Actor
        public void reader() throws InterruptedException {
            sem.acquireShared().close();
        }

        @Signal
        public void signal() {
            writer.cancel(false);
        }
    }

    /**
     * An async writer's future is completed when the last shared permit is closed — by the
     * semaphore's async executor, not by the closing thread — and the actor waiting on it wakes.
     */
    @JCStressTest(Mode.Termination)
    @Description("ctor: p0 = tryAcquireShared(); f = acquireExclusiveAsync(); actor: f.join().close(); "
            + "signal: p0.close()")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "The release granted the queued future and the executor completed it.")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "The future never completed: a grant lost between the release and its delivery.")
    @State
    public static class AsyncWriterCompletedAfterLastClose {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit p0 = sem.tryAcquireShared();
        final CompletableFuture<Permit> writer = sem.acquireExclusiveAsync();

        @Actor
        public void waiter() {
            writer.join().close();
        }

        @Signal
        public void signal() {
            p0.close();
        }
    }

    /**
     * kill() wakes every queued acquirer: a blocked reader (or one that arrives after the kill
     * began) fails at once, and queued futures of both kinds complete exceptionally, while the
     * exclusive permit is still held.
     */
    @JCStressTest(Mode.Termination)
    @Description("ctor: w = tryAcquireExclusive(); fr = acquireSharedAsync(); fw = acquireExclusiveAsync(); "
            + "actor: acquireShared() throws, then wait for fr and fw; signal: kill(0, s) (w still held)")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "The kill failed the blocked reader and both queued futures.")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "An acquirer queued before or during the kill stayed waiting.")
    @State
    public static class KillWakesEveryQueuedAcquirer {
        final RwSemaphore sem = RwSemaphore.create();
        final Permit w = sem.tryAcquireExclusive();
        final CompletableFuture<Permit> reader = sem.acquireSharedAsync();
        final CompletableFuture<Permit> writer = sem.acquireExclusiveAsync();

        @Actor
        public void acquirers() throws InterruptedException {
            try {
                sem.acquireShared().close();
                throw new AssertionError("a killed semaphore granted a shared permit");
            } catch (IllegalStateException expected) {
                // woken by the kill, or arrived after it began
            }
            reader.handle((p, e) -> e).join();
            writer.handle((p, e) -> e).join();
        }

        @Signal
        public void signal() throws InterruptedException {
            sem.kill(0L, TimeUnit.SECONDS);   // begins killing; w stays held
        }
    }

    // ------------------------------------------------------------------------------------------
    // Revocable

    /**
     * revoke() against tryAccess(): an access that succeeds is closed before the release action
     * runs, the release has run when revoke() returns, and no access is granted after it.
     */
    @JCStressTest
    @Description("actor1: a = tryAccess() { open = 1; open = 0; close }; "
            + "actor2: revoke(); r3 = released; r4 = tryAccess() != null; release action: r2 = open")
    @Outcome(id = "1, 0, 1, 0", expect = Expect.ACCEPTABLE,
            desc = "The access opened before revoke() began; the release ran after it was closed.")
    @Outcome(id = "0, 0, 1, 0", expect = Expect.ACCEPTABLE,
            desc = "revoke() began before tryAccess(): the access was refused.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "r2 = 1: the release action ran while an access was open; r3 = 0: revoke() returned "
                    + "before the release ran; r4 = 1: an access was granted after revoke() returned.")
    @State
    public static class RevokeVsTryAccess {
        volatile int open;
        volatile int sawOpen;
        volatile int released;
        final Revocable<Object> rev = Revocable.of(new Object(), o -> {
            sawOpen = open;
            released = 1;
        });

        @Actor
        public void user(IIII_Result r) {
            Access<Object> a = rev.tryAccess();
            if (a != null) {
                open = 1;
                r.r1 = 1;
                open = 0;
                a.close();
            }
        }

        @Actor
        public void revoker(IIII_Result r) {
            rev.revoke();
            r.r3 = released;
            r.r4 = rev.tryAccess() != null ? 1 : 0;
        }

        @Arbiter
        public void arbiter(IIII_Result r) {
            r.r2 = sawOpen;
        }
    }
}
