package dev.quiesce.jcstress.selftest;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The tester tests itself: the shapes of {@code dev.quiesce.jcstress.SrcuTests} — the RCU shape
 * of {@code ReadLock}, word for word, and the termination shape of {@code SynchronizeTerminates} —
 * against {@link BrokenSrcu} with each of its flaws. Every test here is expected to <b>fail</b>:
 * the FORBIDDEN outcome observed ({@code (0, 0)}, or {@code STALE}), which shows that the shape
 * and the run settings catch a grace period that ends early, a begin without its fence (store
 * buffering), and a lost wake-up. CI excludes this package; run it by hand:
 * {@code run-jcstress.sh -t 'selftest'}.
 */
public final class BrokenSrcuTests {

    private BrokenSrcuTests() {
    }

    /**
     * The data a section reads and writes: x written by the updater, y by the reader. (jcstress
     * looks for actors in the test class itself, so each test repeats them.)
     */
    abstract static class Data {
        final BrokenSrcu srcu;
        volatile int x;
        volatile int y;

        Data(BrokenSrcu.Flaw flaw) {
            srcu = new BrokenSrcu(flaw);
        }
    }

    /** A {@code synchronize()} that does not wait. Expected to FAIL. */
    @JCStressTest
    @Description("SELF-TEST, expected to fail: readLock section { r1 = x; y = 1 } against "
            + "x = 1; synchronize(); r2 = y, where synchronize() does not wait")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "Caught: the section began before x = 1, yet synchronize() returned before it wrote y.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began and ended before x = 1 (or was waited for).")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; synchronize() need not wait for it.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and ended before r2 = y.")
    @State
    public static class NoWait extends Data {
        public NoWait() {
            super(BrokenSrcu.Flaw.NO_WAIT);
        }

        @Actor
        public void reader(II_Result r) {
            int token = srcu.readLock();
            r.r1 = x;
            y = 1;
            srcu.readUnlock(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            srcu.synchronize();
            r.r2 = y;
        }
    }

    /** A {@code synchronize()} that scans only the idle index. Expected to FAIL. */
    @JCStressTest
    @Description("SELF-TEST, expected to fail: readLock section { r1 = x; y = 1 } against "
            + "x = 1; synchronize(); r2 = y, where synchronize() skips the second scan")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "Caught: the section counted on the index that was never scanned, and "
                    + "synchronize() returned before it wrote y.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began and ended before x = 1 (or was waited for).")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; synchronize() need not wait for it.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and ended before r2 = y.")
    @State
    public static class OneIndex extends Data {
        public OneIndex() {
            super(BrokenSrcu.Flaw.ONE_INDEX);
        }

        @Actor
        public void reader(II_Result r) {
            int token = srcu.readLock();
            r.r1 = x;
            y = 1;
            srcu.readUnlock(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            srcu.synchronize();
            r.r2 = y;
        }
    }

    /**
     * A begin without a full fence, in the store-buffering shape. Expected to FAIL — on x86 too:
     * store-then-load is the one reordering TSO hardware does.
     */
    @JCStressTest
    @Description("SELF-TEST, expected to fail: readLock section { r1 = x; y = 1 } against "
            + "x = 1; synchronize(); r2 = y, where the begin is a release store")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "Caught: the reader read x before the update while the scan missed its begin.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began and ended before x = 1 (or was waited for).")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; synchronize() need not wait for it.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and ended before r2 = y.")
    @State
    public static class UnfencedBegin extends Data {
        public UnfencedBegin() {
            super(BrokenSrcu.Flaw.UNFENCED_BEGIN);
        }

        @Actor
        public void reader(II_Result r) {
            int token = srcu.readLock();
            r.r1 = x;
            y = 1;
            srcu.readUnlock(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            srcu.synchronize();
            r.r2 = y;
        }
    }

    /**
     * The termination shape of {@code SrcuTests.SynchronizeTerminates} against an updater that no
     * end wakes. Expected to FAIL: STALE.
     */
    @JCStressTest(Mode.Termination)
    @Description("SELF-TEST, expected to fail: readLock() in the state constructor; actor "
            + "synchronize(); signal readUnlock(token), where no end wakes the updater")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "synchronize() returned (the section ended before it parked).")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "Caught: the last end did not wake the parked updater.")
    @State
    public static class NoWake {
        final BrokenSrcu srcu = new BrokenSrcu(BrokenSrcu.Flaw.NO_WAKE);
        final int token = srcu.readLock();

        @Actor
        public void updater() {
            srcu.synchronize();
        }

        @Signal
        public void signal() {
            srcu.readUnlock(token);
        }
    }
}
