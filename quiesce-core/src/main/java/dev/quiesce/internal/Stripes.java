package dev.quiesce.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which counter cell of a striped table the current thread counts in: written once for
 * {@code Srcu}'s reader cells and {@code RwSemaphore}'s inflated reader cells, as the JDK writes
 * {@code Striped64} once for its adders.
 *
 * <p>A table is a {@code long[]} whose first {@value #PADDING} elements are padding before its
 * first cell; two of them, a line away from the array's header and from the first cell, belong to
 * this class ({@link #init(long[])}). A thread's cell is the top bits of its id times the table's
 * multiplier ({@link #cell(long[], int)} with the table's {@link #shift(int) shift}). A primitive
 * that sees a sign of another thread counting in its cell calls {@link #contended(long[])}, which
 * may give the table a new multiplier, so that its threads' next counts land in other cells. Only
 * sums over all cells are read, and no release depends on the releasing thread's current cell
 * (an {@code Srcu} end counts wherever its thread now maps; an {@code RwSemaphore} permit undoes
 * the slot or counter it recorded), so the mapping may change between any two counts.
 */
public final class Stripes {

    /*
     * Implementation notes.
     *
     * Mapping. cell = (id * m) >>> (64 - k) for a table of 2^k cells: multiplicative hashing,
     * which spreads consecutive ids over the top bits. A new table starts with m = 2^64 / phi
     * (Fibonacci hashing: the mapping of Srcu before threads could move). The multiplier sits in
     * the table's own leading padding (element MULTIPLIER: 64 bytes past the array's header and
     * 64 before a first cell at element PADDING, so on another line than either, or than the
     * object allocated before the array), written only by a reshuffle, so a begin reads it from a
     * line it keeps in its cache; the load does not depend on any other load, and the
     * multiplication costs what multiplying by a constant did.
     *
     * Why the table moves and not the thread. Striped64 keeps a per-thread probe in a field of
     * Thread that only java.base can reach. A process-wide table of per-thread moves (indexed by
     * thread id) was built and measured first: one more load on the path to the begin's locked
     * add cost Srcu's same-thread read pair about a fifth of its throughput (ReadSideBenchmark,
     * JDK 17: 120-170 against 171-218 ops/us), and a ThreadLocal costs more than that
     * (docs/measurements.md, "Thread-owned cells"). A new multiplier is a new random mapping of
     * every thread: two threads that shared a cell part with probability 1 - 1/cells, and pairs
     * that did not share one may come together with probability 1/cells each, to be parted by a
     * later reshuffle if they contend.
     *
     * What detects contention. getAndAdd never fails, so Striped64's failed CAS does not exist
     * here; increment() reads the counter (opaque) before the add and compares the add's result:
     * a difference means another thread wrote the counter in between — a begin in the same cell,
     * or, for a counter that releases decrement (RwSemaphore's fenced cells), a release of a
     * permit counted there. A slot claim whose CAS fails on a slot it read as free is the same
     * signal; a slot found owned is not (the owner may be the claiming thread's own permit).
     * Either is a sample: two threads sharing a cell and counting often see it within
     * microseconds, and two that rarely overlap rarely see it — and then sharing costs them little.
     *
     * Pace. A reshuffle writes the line every reader of the table reads, and sends readers to
     * cells whose lines they do not hold: each costs every reader a few misses. At most one per
     * RESHUFFLE_NANOS per table: the caller that finds the last one at least that old CASes the
     * time (element RESHUFFLED_AT, the same line) and writes the multiplier. More running threads
     * than cells contend whatever the mapping; they then reshuffle at most a thousand times a
     * second.
     *
     * Races. The multiplier is written and read plain. Any value is a valid mapping (only sums
     * are read, and no release depends on the releaser's current cell), so a reader that sees an
     * old one for a while only keeps its old cell; and a word torn on a JVM without atomic longs
     * keeps its low half, which is odd, so it is still a multiplier that spreads.
     */

    /** Elements of padding a table needs before its first cell: 128 bytes. */
    public static final int PADDING = 16;
    /** Element of the System.nanoTime() of the table's last reshuffle. */
    static final int RESHUFFLED_AT = 7;
    /** Element of the table's multiplier: 64 bytes after the header and before the first cell. */
    static final int MULTIPLIER = 8;
    /** The least time between two reshuffles of one table. */
    static final long RESHUFFLE_NANOS = 1_000_000L;
    /** 2^64 / phi, odd: a new table's multiplier. */
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Stripes() {
    }

    /**
     * Prepares a new table's header: the first multiplier, and no reshuffle yet.
     *
     * @param table a table whose first {@value #PADDING} elements are padding
     * @return {@code table}
     */
    public static long[] init(long[] table) {
        table[MULTIPLIER] = GOLDEN;
        table[RESHUFFLED_AT] = System.nanoTime() - RESHUFFLE_NANOS;
        return table;
    }

    /**
     * Returns the current thread's cell in {@code table}.
     *
     * @param table a table prepared by {@link #init(long[])}
     * @param shift the table's {@link #shift(int)}
     * @return the cell, from 0 to the table's cell count minus one
     */
    public static int cell(long[] table, int shift) {
        return cellOf(threadId(), table, shift);
    }

    /**
     * Returns the cell of the thread with id {@code threadId} in {@code table}, as it would be now.
     *
     * @param threadId a thread's id
     * @param table a table prepared by {@link #init(long[])}
     * @param shift the table's {@link #shift(int)}
     * @return the cell, from 0 to the table's cell count minus one
     */
    public static int cellOf(long threadId, long[] table, int shift) {
        return (int) ((threadId * table[MULTIPLIER]) >>> shift);     // plain: see "Races"
    }

    /**
     * Returns the shift that maps a product to one of {@code cells} cells.
     *
     * @param cells the table's cell count: a power of two from 2 to 2<sup>30</sup>
     * @return {@code 64 - log2(cells)}
     * @throws IllegalArgumentException if {@code cells} is not such a power of two (a shift of 64
     *     would be taken as 0 by Java's shift and index far outside the table)
     */
    public static int shift(int cells) {
        if (cells < 2 || cells > 1 << 30 || Integer.bitCount(cells) != 1) {
            throw new IllegalArgumentException("a striped table needs a power of two from 2 to 2^30 cells, not "
                    + cells);
        }
        return 64 - Integer.numberOfTrailingZeros(cells);
    }

    /**
     * Adds 1 to the counter at {@code at} — a volatile read-modify-write, so the full fence a
     * reader's announcement needs — and asks for a new mapping ({@link #contended(long[])}) if
     * another thread wrote that counter between this thread's read of it and its add (see "What
     * detects contention").
     *
     * @param table a table prepared by {@link #init(long[])}
     * @param at the index of a counter in a cell of {@code table}
     */
    public static void increment(long[] table, int at) {
        long seen = (long) TABLE.getOpaque(table, at);
        if ((long) TABLE.getAndAdd(table, at, 1L) != seen) {
            contended(table);
        }
    }

    /**
     * Called when the current thread saw a sign of another thread counting in its cell: gives the
     * table a new mapping of threads to cells, unless it had one less than a millisecond ago.
     *
     * @param table the table
     * @return whether this call changed the mapping
     */
    public static boolean contended(long[] table) {
        long last = (long) TABLE.getOpaque(table, RESHUFFLED_AT);
        long now = System.nanoTime();
        if (now - last < RESHUFFLE_NANOS || !TABLE.compareAndSet(table, RESHUFFLED_AT, last, now)) {
            return false;
        }
        table[MULTIPLIER] = ThreadLocalRandom.current().nextLong() | 1L;
        return true;
    }

    /**
     * Returns how many cells a table should have: {@code perCpu} per available processor,
     * rounded up to a power of two, within [{@code min}, {@code max}].
     *
     * @param perCpu cells per processor, at least 1
     * @param min the fewest cells, a power of two of at least 2
     * @param max the most cells, a power of two of at least {@code min}
     * @return the cell count
     */
    public static int cellsPerCpu(int perCpu, int min, int max) {
        int n = Math.max(1, Runtime.getRuntime().availableProcessors()) * perCpu;
        int rounded = n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
        return Math.min(max, Math.max(min, rounded));
    }

    @SuppressWarnings("deprecation")     // getId(): threadId() is Java 19+
    private static long threadId() {
        return Thread.currentThread().getId();
    }

    private static final VarHandle TABLE = MethodHandles.arrayElementVarHandle(long[].class);
}
