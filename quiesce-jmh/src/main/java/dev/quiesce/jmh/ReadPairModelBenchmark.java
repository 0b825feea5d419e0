package dev.quiesce.jmh;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Models of a read-side pair (begin + end on one thread), not library code: what a design of the
 * reader cells could cost at best, against {@link LongAdder} inc + dec, before it is built. Issue
 * 12's target 1 asks the library's pairs for 1.4× {@code LongAdder}; these say which designs can
 * get there on the machine at hand and what in the path around the count costs what. Run them as
 * a rotation (see {@code docs/measurements.md}, "A read pair on owned cells, modelled"):
 *
 * <pre>
 * java -cp quiesce-jmh/target/benchmarks.jar dev.quiesce.jmh.Rotation 4 \
 *     'adder=ReadPairModelBenchmark.longAdderIncDec$ -t 1 -wi 2 -i 3' \
 *     'oneLookup=ReadPairModelBenchmark.ownedDomainOneLookup$ -t 1 -wi 2 -i 3'
 * </pre>
 *
 * <table class="striped">
 * <caption>The models</caption>
 * <tr><th>method</th><th>begin</th><th>end</th></tr>
 * <tr><td>{@code longAdderIncDec}</td><td>{@code increment()}</td><td>{@code decrement()}</td></tr>
 * <tr><td>{@code stripedTwoAdds}</td><td>{@code getAndAdd} on the thread's hashed cell</td>
 *     <td>{@code getAndAdd} on the same cell (the design the library has)</td></tr>
 * <tr><td>{@code ownedFenced}</td><td>owner check, plain load, volatile store (one fence)</td>
 *     <td>plain load, release store</td></tr>
 * <tr><td>{@code ownedFenceFree}</td><td>owner check, plain load, opaque store, an acquire fence
 *     (no instruction on x86). Not a design for the JVM: it needs an updater that fences every
 *     CPU, and even then the order of the begin's store before the section's loads would rest
 *     on what HotSpot happens to emit, which the Java memory model does not promise</td>
 *     <td>plain load, release store</td></tr>
 * <tr><td>{@code ownedDomain}</td><td>as {@code ownedFenced}, with what a domain's begin does:
 *     the state word (closed bit, index), two indices per cell, the state read again after the
 *     fence (against a racing close), a salted token</td><td>the token checked, a closed check, the
 *     owner looked up again, a release store, the driver's drain index read</td></tr>
 * <tr><td>{@code ownedDomainNoDrain}</td><td colspan="2">{@code ownedDomain} without the end's
 *     two reads of the drain index</td></tr>
 * <tr><td>{@code ownedDomainOneLookup}</td><td colspan="2">{@code ownedDomain} with the owner
 *     looked up once per section (as if the token carried the slot)</td></tr>
 * <tr><td>{@code ownedLean}</td><td colspan="2">one lookup, and the end reads the drain index once,
 *     after its store. Not a valid design: it drops the end's closed check before the count,
 *     which {@code Srcu} needs (a stale token after {@code close()} must count nothing)</td></tr>
 * <tr><td>{@code ownedMinimal}</td><td>the leanest begin found with every check a domain
 *     needs: one state word (closed bit, index, and the updater's wake-up requests, so
 *     that an end tests closed and armed with one load and one mask), the owner looked up once
 *     by hash, one fence, the state word read again, a token of a per-domain salt (a field, not
 *     a constant), the slot and the index</td>
 *     <td>the token's salt checked (its 15 bits; {@code Srcu} checks 31 with the same mask and
 *     compare), the owner of the token's slot checked (no hash), the state
 *     word read once, before the store (a wake-up request it misses is one a fence-free end can
 *     miss anyway, which the updater's timed re-scan bounds), the domain's cell table loaded, a
 *     release store; every rare case out of line</td></tr>
 * <tr><td>{@code ownedMinimalStaticCells}</td><td colspan="2">{@code ownedMinimal} with the cells
 *     in one {@code static final} table instead of the domain's: neither the begin nor the end
 *     loads the table's reference (the end's load came after the begin's fence), and the table's
 *     length is a constant. Not a design (every domain would share one set of counts); it prices
 *     finding the cells through the domain's table</td></tr>
 * </table>
 *
 * <p>Every model reads a volatile field inside the section (the protected data). Each thread owns
 * the slot its id hashes to, claimed in the trial's setup (a trial whose threads hash to one slot
 * fails with that message; thread ids are assigned in order, so the same run collides again:
 * change the thread count). The owned models skip what a real read side must also carry: the
 * fallback for threads without a slot (inlined beside the owned path it cost the real branch a
 * fifth or more: see {@code docs/measurements.md}) and the choice of who gets slots. How each
 * end finds its cell: the bare models, {@code ownedDomainOneLookup} and {@code ownedLean} without
 * loading a table after the begin's fence; {@code ownedDomain} and {@code ownedDomainNoDrain} load
 * the domain's table and look the owner up again by hash; {@code ownedMinimal} loads the table
 * and checks the owner of the slot its token names; its static twin loads no table. By the bisect
 * in {@code docs/measurements.md}, the table is what costs {@code ownedMinimal} most against the
 * one-lookup model.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ReadPairModelBenchmark {

    /** Slots (and cells): 64. */
    static final int SLOTS = 64;
    /** Longs per cell: 128 bytes, the begin count and the end count on separate lines. */
    static final int STRIDE = 16;
    /** Where a cell's end count sits. */
    static final int END = 8;
    private static final int SHIFT = 64 - Integer.numberOfTrailingZeros(SLOTS);
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int CLOSED_MARK = Integer.MIN_VALUE;

    static final long[] CELLS = new long[(SLOTS + 2) * STRIDE];
    static final Thread[] OWNERS = new Thread[SLOTS];

    /** Bits 16-30 of a lean token: the domain's salt. */
    private static final int LEAN_SALT_MASK = 0x7FFF_0000;
    /** Bits 1-6 of a lean token: the slot. Bit 0 is the index. */
    private static final int LEAN_SLOT_MASK = 0x7E;
    /** The state word's closed bit and its two wake-up requests: an end's one test. */
    private static final int LEAN_END_CHECK = 0x8000_0006;
    /** The cells of {@code ownedMinimalStaticCells}. */
    static final long[] STATIC_COUNTS = new long[(SLOTS + 2) * 2 * STRIDE];

    private final LongAdder adder = new LongAdder();
    private final Domain domain = new Domain();
    /** The protected data every section reads. */
    private volatile int data = 1;

    /** A domain's fields, as {@code Srcu} has them. */
    static final class Domain {
        /** Bit 31: closed; bit 0: the index new sections count on. */
        volatile int state;
        /** The driver's armed index, or -1, or CLOSED_MARK. */
        volatile int drainIndex = -1;
        final int salt = 0x5A5A_0000;
        /** Per slot, one cell per index. */
        final long[] counts = new long[(SLOTS + 2) * 2 * STRIDE];
    }

    /**
     * The fields {@code ownedMinimal} and its static twin read (the twin all but the cells): one
     * state word, a salt that the compiler cannot fold, and the cells.
     */
    static final class LeanDomain {
        /**
         * Bit 31: closed; bit 0: the index new sections count on; bits 1-2: an updater parked on
         * index 0 or 1.
         */
        volatile int word;
        /** Bits 16-30 of every token. */
        final int salt;
        /** Per slot, one cell per index. */
        final long[] counts = new long[(SLOTS + 2) * 2 * STRIDE];

        LeanDomain(int salt) {
            this.salt = salt;
        }
    }

    private final LeanDomain lean = new LeanDomain((int) (System.nanoTime() & 0x7FFF) << 16);

    /** A benchmark thread's claim of the slot its id hashes to. */
    @State(Scope.Thread)
    public static class Owner {
        /** Claims the slot; refuses a trial whose threads hash to one slot. */
        @Setup(Level.Trial)
        public void claim() {
            int s = slot();
            if (!OWNERS_HANDLE.compareAndSet(OWNERS, s, null, Thread.currentThread())) {
                throw new IllegalStateException("two benchmark threads hash to slot " + s
                        + " (thread ids are assigned in order, so this repeats): change the thread count");
            }
        }

        /** Gives the slot back. */
        @TearDown(Level.Trial)
        public void release() {
            OWNERS_HANDLE.compareAndSet(OWNERS, slot(), Thread.currentThread(), null);
        }
    }

    @SuppressWarnings("deprecation")     // getId(): threadId() is Java 19+
    static int slot() {
        return (int) ((Thread.currentThread().getId() * GOLDEN) >>> SHIFT);
    }

    private static int cell(int slot) {
        return (slot + 1) * STRIDE;
    }

    private static int domainCell(int slot, int idx) {
        return (slot + 1) * 2 * STRIDE + idx * STRIDE;
    }

    private static void checkOwner(int slot) {
        if ((Thread) OWNERS_HANDLE.getOpaque(OWNERS, slot) != Thread.currentThread()) {
            throw new IllegalStateException("slot " + slot + " is not the current thread's");
        }
    }

    /** {@code LongAdder} increment, the section's read, decrement. */
    @Benchmark
    public int longAdderIncDec() {
        adder.increment();
        int d = data;
        adder.decrement();
        return d;
    }

    /** Two atomic adds on the thread's hashed cell: the design the library has. */
    @Benchmark
    public int stripedTwoAdds() {
        int at = cell(slot());
        CELLS_HANDLE.getAndAdd(CELLS, at, 1L);
        int d = data;
        CELLS_HANDLE.getAndAdd(CELLS, at + END, 1L);
        return d;
    }

    /**
     * An owned cell: one fence, at the begin.
     *
     * @param o the thread's slot claim
     * @return the section's read
     */
    @Benchmark
    public int ownedFenced(Owner o) {
        int s = slot();
        checkOwner(s);
        int at = cell(s);
        CELLS_HANDLE.setVolatile(CELLS, at, (long) CELLS_HANDLE.get(CELLS, at) + 1L);
        int d = data;
        CELLS_HANDLE.setRelease(CELLS, at + END, (long) CELLS_HANDLE.get(CELLS, at + END) + 1L);
        return d;
    }

    /**
     * An owned cell with no fence: a floor, not a design (see the class notes).
     *
     * @param o the thread's slot claim
     * @return the section's read
     */
    @Benchmark
    public int ownedFenceFree(Owner o) {
        int s = slot();
        checkOwner(s);
        int at = cell(s);
        CELLS_HANDLE.setOpaque(CELLS, at, (long) CELLS_HANDLE.get(CELLS, at) + 1L);
        VarHandle.acquireFence();
        int d = data;
        CELLS_HANDLE.setRelease(CELLS, at + END, (long) CELLS_HANDLE.get(CELLS, at + END) + 1L);
        return d;
    }

    /**
     * An owned cell inside a domain's begin and end.
     *
     * @param o the thread's slot claim
     * @return the token
     */
    @Benchmark
    public int ownedDomain(Owner o) {
        Domain dm = domain;
        int token = begin(dm);
        int d = data;
        end(dm, token, true);
        return token + d;
    }

    /**
     * {@link #ownedDomain} without the end's reads of the drain index.
     *
     * @param o the thread's slot claim
     * @return the token
     */
    @Benchmark
    public int ownedDomainNoDrain(Owner o) {
        Domain dm = domain;
        int token = begin(dm);
        int d = data;
        end(dm, token, false);
        return token + d;
    }

    /**
     * {@link #ownedDomain} with one owner lookup per section.
     *
     * @param o the thread's slot claim
     * @return the token
     */
    @Benchmark
    public int ownedDomainOneLookup(Owner o) {
        Domain dm = domain;
        int s = dm.state;
        if (s < 0) {
            throw new IllegalStateException("closed");
        }
        int idx = s & 1;
        long[] c = dm.counts;
        int slot = slot();
        checkOwner(slot);
        int at = domainCell(slot, idx);
        CELLS_HANDLE.setVolatile(c, at, (long) CELLS_HANDLE.get(c, at) + 1L);
        if (dm.state < 0) {
            throw new IllegalStateException("closed");
        }
        int token = dm.salt | idx;
        int d = data;
        if ((token & ~1) != dm.salt) {
            throw new IllegalArgumentException("token");
        }
        if (dm.drainIndex == CLOSED_MARK) {
            throw new IllegalStateException("closed");
        }
        CELLS_HANDLE.setRelease(c, at + END, (long) CELLS_HANDLE.get(c, at + END) + 1L);
        if (dm.drainIndex == idx) {
            throw new IllegalStateException("no driver arms this model");
        }
        return token + d;
    }

    /**
     * One lookup, and one read of the drain index, after the end's store.
     *
     * @param o the thread's slot claim
     * @return the token
     */
    @Benchmark
    public int ownedLean(Owner o) {
        Domain dm = domain;
        int s = dm.state;
        if (s < 0) {
            throw new IllegalStateException("closed");
        }
        int idx = s & 1;
        long[] c = dm.counts;
        int slot = slot();
        checkOwner(slot);
        int at = domainCell(slot, idx);
        CELLS_HANDLE.setVolatile(c, at, (long) CELLS_HANDLE.get(c, at) + 1L);
        if (dm.state < 0) {
            throw new IllegalStateException("closed");
        }
        int token = dm.salt | idx;
        int d = data;
        if ((token & ~1) != dm.salt) {
            throw new IllegalArgumentException("token");
        }
        CELLS_HANDLE.setRelease(c, at + END, (long) CELLS_HANDLE.get(c, at + END) + 1L);
        if (dm.drainIndex == idx) {
            throw new IllegalStateException("no driver arms this model");
        }
        return token + d;
    }

    /**
     * The leanest owned pair with every check a domain's {@code readLock}/{@code readUnlock} needs
     * (see the class notes).
     *
     * @param o the thread's slot claim
     * @return the token
     */
    @Benchmark
    public int ownedMinimal(Owner o) {
        LeanDomain dm = lean;
        int token = leanBegin(dm, false);
        int d = data;
        leanEnd(dm, token, false);
        return token + d;
    }

    /**
     * {@link #ownedMinimal} counting in one static table (see the class notes).
     *
     * @param o the thread's slot claim
     * @return the token
     */
    @Benchmark
    public int ownedMinimalStaticCells(Owner o) {
        LeanDomain dm = lean;
        int token = leanBegin(dm, true);
        int d = data;
        leanEnd(dm, token, true);
        return token + d;
    }

    private static int leanBegin(LeanDomain dm, boolean staticCells) {
        int w = dm.word;
        if (w < 0) {
            throw closedOrArmed();
        }
        int idx = w & 1;
        int slot = slot();
        if ((Thread) OWNERS_HANDLE.getOpaque(OWNERS, slot) != Thread.currentThread()) {
            throw noSlot(slot);                 // the striped fallback, out of line
        }
        long[] c = staticCells ? STATIC_COUNTS : dm.counts;
        int at = domainCell(slot, idx);
        CELLS_HANDLE.setVolatile(c, at, (long) CELLS_HANDLE.get(c, at) + 1L);
        if (dm.word < 0) {
            throw closedOrArmed();              // the real one undoes its count first
        }
        return dm.salt | slot << 1 | idx;
    }

    private static void leanEnd(LeanDomain dm, int token, boolean staticCells) {
        if ((token & LEAN_SALT_MASK) != dm.salt) {
            throw new IllegalArgumentException("token");
        }
        int slot = (token & LEAN_SLOT_MASK) >>> 1;
        if ((Thread) OWNERS_HANDLE.getOpaque(OWNERS, slot) != Thread.currentThread()) {
            throw noSlot(slot);                 // an end on another thread: an atomic add
        }
        if ((dm.word & LEAN_END_CHECK) != 0) {
            throw closedOrArmed();              // closed, or an updater to wake: out of line
        }
        long[] c = staticCells ? STATIC_COUNTS : dm.counts;
        int at = domainCell(slot, token & 1) + END;
        CELLS_HANDLE.setRelease(c, at, (long) CELLS_HANDLE.get(c, at) + 1L);
    }

    private static IllegalStateException closedOrArmed() {
        return new IllegalStateException("closed, or an updater armed: nothing arms this model");
    }

    private static IllegalStateException noSlot(int slot) {
        return new IllegalStateException("slot " + slot + " is not the current thread's");
    }

    private static int begin(Domain dm) {
        int s = dm.state;
        if (s < 0) {
            throw new IllegalStateException("closed");
        }
        int idx = s & 1;
        long[] c = dm.counts;
        int slot = slot();
        checkOwner(slot);
        int at = domainCell(slot, idx);
        CELLS_HANDLE.setVolatile(c, at, (long) CELLS_HANDLE.get(c, at) + 1L);
        if (dm.state < 0) {
            throw new IllegalStateException("closed");
        }
        return dm.salt | idx;
    }

    private static void end(Domain dm, int token, boolean drain) {
        if ((token & ~1) != dm.salt) {
            throw new IllegalArgumentException("token");
        }
        if (drain && dm.drainIndex == CLOSED_MARK) {
            throw new IllegalStateException("closed");
        }
        int idx = token & 1;
        long[] c = dm.counts;
        int slot = slot();
        checkOwner(slot);
        int at = domainCell(slot, idx) + END;
        CELLS_HANDLE.setRelease(c, at, (long) CELLS_HANDLE.get(c, at) + 1L);
        if (drain && dm.drainIndex == idx) {
            throw new IllegalStateException("no driver arms this model");
        }
    }

    private static final VarHandle CELLS_HANDLE = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle OWNERS_HANDLE = MethodHandles.arrayElementVarHandle(Thread[].class);
}
