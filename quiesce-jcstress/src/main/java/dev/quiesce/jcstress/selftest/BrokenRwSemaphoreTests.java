package dev.quiesce.jcstress.selftest;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The tester tests itself: the exclusion test of
 * {@code dev.quiesce.jcstress.RwSemaphoreTests.SharedVsExclusive}, word for word, against
 * {@link BrokenRwSemaphore}. {@link NoReaderCheck} is expected to <b>fail</b> (an overlap observed);
 * {@link Reference}, the same model without the flaw, is expected to pass. CI excludes this
 * package; run it by hand: {@code run-jcstress.sh -t 'BrokenRwSemaphoreTests'}.
 */
public final class BrokenRwSemaphoreTests {

    private BrokenRwSemaphoreTests() {
    }

    /** Holders of the model's two sides, with Dekker flags and a plain pair of data. */
    abstract static class Pair {
        final BrokenRwSemaphore sem;
        volatile int readerIn;
        volatile int writerIn;
        int a;
        int b;

        Pair(BrokenRwSemaphore.Flaw flaw) {
            sem = new BrokenRwSemaphore(flaw);
        }

        final int shared(int[] anomaly) {
            if (!sem.tryAcquireShared()) {
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
            sem.releaseShared();
            anomaly[0] = bad;
            return 1;
        }

        final int exclusive(int[] anomaly) {
            if (!sem.tryAcquireExclusive()) {
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
            sem.releaseExclusive();
            anomaly[0] = bad;
            return 1;
        }
    }

    /** An exclusive try that ignores shared holders. Expected to FAIL. */
    @JCStressTest
    @Description("SELF-TEST, expected to fail: tryAcquireShared() against a tryAcquireExclusive() that "
            + "does not check for readers")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE, desc = "The reader acquired first; the writer failed.")
    @Outcome(id = "0, 1, 0, 0", expect = Expect.ACCEPTABLE, desc = "The writer acquired first; the reader failed.")
    @Outcome(id = "1, 1, 0, 0", expect = Expect.ACCEPTABLE, desc = "One section ended before the other began.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.FORBIDDEN, desc = "Both failed: a spurious failure.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "Caught: a holder saw the other side inside: shared and exclusive held at once.")
    @State
    public static class NoReaderCheck extends Pair {
        public NoReaderCheck() {
            super(BrokenRwSemaphore.Flaw.NO_READER_CHECK);
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

    /** The same model without the flaw. Expected to PASS. */
    @JCStressTest
    @Description("SELF-TEST reference, expected to pass: tryAcquireShared() against a correct "
            + "tryAcquireExclusive() of the same model")
    @Outcome(id = "1, 0, 0, 0", expect = Expect.ACCEPTABLE, desc = "The reader acquired first; the writer failed.")
    @Outcome(id = "0, 1, 0, 0", expect = Expect.ACCEPTABLE, desc = "The writer acquired first; the reader failed.")
    @Outcome(id = "1, 1, 0, 0", expect = Expect.ACCEPTABLE, desc = "One section ended before the other began.")
    @Outcome(id = "0, 0, 0, 0", expect = Expect.FORBIDDEN, desc = "Both failed: a spurious failure.")
    @Outcome(expect = Expect.FORBIDDEN,
            desc = "A holder saw the other side inside: shared and exclusive held at once.")
    @State
    public static class Reference extends Pair {
        public Reference() {
            super(BrokenRwSemaphore.Flaw.NONE);
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
}
