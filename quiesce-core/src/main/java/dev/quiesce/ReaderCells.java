package dev.quiesce;

import dev.quiesce.internal.Stripes;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The reader slots and counters of an inflated {@link RwSemaphore}: where its shared permits
 * count once readers contend, so that readers on different cores stop writing one cache line.
 * One job: count, back out, release and sum; the semaphore's state word, its policy and its wait
 * queue decide when. The table is a plain {@code long[]} that the semaphore creates when it
 * inflates and keeps for its life, and these are static methods over it, so that a reader's path
 * loads the table straight from the semaphore's auxiliary object (a wrapper object measured one
 * dependent load too many: the inflated token pair lost about a fifth of its one-thread
 * throughput).
 */
final class ReaderCells {

    /*
     * Implementation notes.
     *
     * Layout: one Stripes table (a long[]), COUNT cells of STRIDE longs (128 bytes) between a
     * leading and a trailing stride of padding; the leading stride also holds the Stripes
     * mapping (the multiplier and its reshuffle time, Stripes.PADDING <= STRIDE):
     *
     *   index                  holds
     *   0 .. STRIDE-1          padding; Stripes' mapping at Stripes.MULTIPLIER, RESHUFFLED_AT
     *   (c+1)*STRIDE           slot c: 0 free, 1 owned by one permit (only its owner writes it)
     *   (c+1)*STRIDE+STRIDE/2  counter c: permits counted in cell c (another cache line)
     *   (COUNT+1)*STRIDE ..    padding
     *
     * A place, as RwSemaphore's Permit.where records it: c for counter c, COUNT + c for slot c.
     *
     * A thread's cell is its Stripes cell. claim() tries the thread's slot and up to
     * SLOT_PROBES - 1 next ones (read first, then CAS 0 -> 1, so that a thread whose slot is
     * owned does not pull the owner's line away for nothing), and otherwise adds 1 to its
     * counter. Contention asks Stripes for a new mapping (at most one a millisecond): a CAS that
     * fails on a slot read as free (another reader claimed it in between), or an add whose
     * counter changed between the read just before it and the add (Stripes.increment). A slot
     * found owned is no such sign: the owner may be this thread's own permit. A release uses
     * the place recorded at the claim, never the thread's current cell, so a new mapping is safe
     * at any time.
     *
     * Ordering (the semaphore's Dekker argument rests on it): claim() ends with an atomic
     * read-modify-write (the slot's CAS or the counter's getAndAdd), a volatile access that
     * precedes the semaphore's read of its state word. sum() reads every slot and counter at
     * volatile. A counter's release is a CAS; a slot's release is a release-mode store, which
     * pairs with sum()'s volatile read (the release happens-before a grant that reads the slot
     * as free) but is no StoreLoad fence: RwSemaphore's "Reader slots" note says what that costs
     * and how its writers make up for it.
     */

    /** Longs per cell: 128 bytes, two cache lines (the slot's and the counter's). */
    static final int STRIDE = 16;
    /** Cells (and slots): a power of two, two per CPU, 2 to 64. */
    static final int COUNT = Stripes.cellsPerCpu(2, 2, 64);
    /** Maps a thread's id times the table's multiplier to its cell (see Stripes). */
    private static final int SHIFT = Stripes.shift(COUNT);
    /** How many slots a reader tries (its own, then the next ones) before it counts instead. */
    private static final int SLOT_PROBES = Math.min(COUNT, 4);

    private ReaderCells() {
    }

    /** Returns a new table of cells, all zero; see the layout in the notes. */
    static long[] newTable() {
        return Stripes.init(new long[(COUNT + 2) * STRIDE]);
    }

    /** Whether {@code where} is a place of these cells: a counter or a slot. */
    static boolean isPlace(long where) {
        return where >= 0 && where < 2L * COUNT;
    }

    /** Whether place {@code where} is a slot. */
    static boolean isSlot(int where) {
        return where >= COUNT;
    }

    /**
     * Counts one shared permit of {@code table} for the current thread: claims a free slot if {@code slots}, else
     * (or if the slots it tries are owned) adds 1 to its counter. Returns the place. Ends with an
     * atomic read-modify-write.
     */
    static int claim(long[] table, boolean slots) {
        int c = Stripes.cell(table, SHIFT);
        if (slots) {
            for (int i = 0; i < SLOT_PROBES; i++) {
                int slot = (c + i) & (COUNT - 1);
                int at = slotAt(slot);
                if (cellOpaque(table, at) == 0L) {
                    if (casCell(table, at, 0L, 1L)) {
                        return COUNT + slot;
                    }
                    Stripes.contended(table);  // claimed by another reader between our read and CAS
                }
            }
        }
        Stripes.increment(table, counterAt(c));    // and a new mapping if another thread counted here
        return c;
    }

    /** Undoes the claim this thread has just made at {@code where} (a reader backing out). */
    static void backOut(long[] table, int where) {
        if (isSlot(where)) {
            setCellRelease(table, slotAt(where - COUNT), 0L);   // our slot: no one else writes it
        } else {
            getAndAddCell(table, counterAt(where), -1L);
        }
    }

    /**
     * Releases a permit counted at {@code where}; returns false, changing nothing, if that place
     * holds no count (a permit or token released twice).
     *
     * <p>A counter is decremented by a CAS loop, never a blind decrement: it must not go below
     * zero even when a permit is released twice, or a writer's sum could add a reader's +1 in one
     * counter to a -1 in another, get zero, and enter under the reader. The first CAS guesses 1
     * (this permit alone in its counter, the common case) so that no load precedes it; a wrong
     * guess costs one failed CAS, which returns the count to retry with. A slot is freed by a
     * release-mode store: nothing else writes a slot while it is owned.
     */
    static boolean release(long[] table, int where) {
        if (isSlot(where)) {
            int at = slotAt(where - COUNT);
            if (cellOpaque(table, at) != 1L) {
                return false;
            }
            setCellRelease(table, at, 0L);
            return true;
        }
        int at = counterAt(where);
        long v = 1L;
        for (;;) {
            long w = compareAndExchangeCell(table, at, v, v - 1);
            if (w == v) {
                return true;
            }
            if (w <= 0) {
                return false;
            }
            v = w;
        }
    }

    /** Sums every slot and counter, each read at volatile: the permits counted here. */
    static long sum(long[] table) {
        long sum = 0L;
        for (int c = 0; c < COUNT; c++) {
            sum += cellVolatile(table, slotAt(c)) + cellVolatile(table, counterAt(c));
        }
        return sum;
    }

    /** Index in the table of slot {@code c}. */
    private static int slotAt(int c) {
        return (c + 1) * STRIDE;
    }

    /** Index in the table of counter {@code c}: half a stride after its slot. */
    private static int counterAt(int c) {
        return (c + 1) * STRIDE + STRIDE / 2;
    }

    // Named accessors of the table, after the access mode.

    private static long cellOpaque(long[] table, int at) {
        return (long) CELLS.getOpaque(table, at);
    }

    private static long cellVolatile(long[] table, int at) {
        return (long) CELLS.getVolatile(table, at);
    }

    private static void setCellRelease(long[] table, int at, long v) {
        CELLS.setRelease(table, at, v);
    }

    private static boolean casCell(long[] table, int at, long expected, long next) {
        return CELLS.compareAndSet(table, at, expected, next);
    }

    private static long compareAndExchangeCell(long[] table, int at, long expected, long next) {
        return (long) CELLS.compareAndExchange(table, at, expected, next);
    }

    private static void getAndAddCell(long[] table, int at, long delta) {
        CELLS.getAndAdd(table, at, delta);
    }

    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
}
