package dev.quiesce.jcstress.selftest;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A deliberately broken SRCU model, for checking that the jcstress tests catch a grace period
 * that ends too early. Never use it for anything else.
 *
 * <p>It counts as {@code dev.quiesce.Srcu} does — monotone begin and end counters per index, a
 * reader adds to the begin counter of the current index and later to the end counter of the
 * same index, an index drains when ends summed first equal begins summed after — but without
 * striping, and with one flaw:
 * <ul>
 * <li>{@link Flaw#NO_WAIT}: {@code synchronize()} returns at once.
 * <li>{@link Flaw#ONE_INDEX}: {@code synchronize()} waits for the index new readers do not use and
 *     flips, but never scans the index that new readers used before the flip — where every
 *     section that began before the call counted itself.
 * <li>{@link Flaw#UNFENCED_BEGIN}: a section's begin is a release store of its count instead of an
 *     atomic add — no StoreLoad fence between the reader's announcement and its read of the data,
 *     the fence SRCU's reader needs (kernel: smp_mb() B). Store buffering then lets the reader
 *     miss the update while the updater's scan misses the reader.
 * <li>{@link Flaw#NO_WAKE}: {@code synchronize()} parks until it is woken, and no end wakes it.
 * </ul>
 */
public final class BrokenSrcu {

    /*
     * Implementation notes.
     *
     *   counts[0], counts[1]  begins on index 0 and 1
     *   counts[2], counts[3]  ends on index 0 and 1
     *
     * Waiting spins: this model only ever waits for readers of a few statements.
     */

    /** How {@link #synchronize()} is broken. */
    public enum Flaw {
        /** {@code synchronize()} does not wait at all. */
        NO_WAIT,
        /** {@code synchronize()} scans only the idle index, then flips: the second scan is missing. */
        ONE_INDEX,
        /** The begin counts with a release store: no full fence before the section reads data. */
        UNFENCED_BEGIN,
        /** {@code synchronize()} parks while an index is not drained, and ends never unpark it. */
        NO_WAKE
    }

    private static final int END = 2;

    private final Flaw flaw;
    private final AtomicLongArray counts = new AtomicLongArray(4);
    private volatile int index;

    /**
     * Creates a model with the given flaw.
     *
     * @param flaw how {@link #synchronize()} is broken
     */
    public BrokenSrcu(Flaw flaw) {
        this.flaw = flaw;
    }

    /**
     * Begins a read section.
     *
     * @return the token (the index) to pass to {@link #readUnlock(int)}
     */
    public int readLock() {
        int idx = index;
        if (flaw == Flaw.UNFENCED_BEGIN) {
            counts.lazySet(idx, counts.get(idx) + 1);      // one reader per test: no lost count
        } else {
            counts.getAndIncrement(idx);
        }
        return idx;
    }

    /**
     * Ends a read section, on any thread.
     *
     * @param token what {@link #readLock()} returned
     */
    public void readUnlock(int token) {
        counts.getAndIncrement(END + token);
    }

    /** Waits for a grace period — wrongly; see {@link Flaw}. */
    public void synchronize() {
        if (flaw == Flaw.NO_WAIT) {
            return;
        }
        int current = index;
        awaitDrained(current ^ 1);
        index = current ^ 1;
        if (flaw != Flaw.ONE_INDEX) {
            awaitDrained(current);                         // ONE_INDEX: missing
        }
    }

    private void awaitDrained(int idx) {
        while (counts.get(END + idx) != counts.get(idx)) {
            if (flaw == Flaw.NO_WAKE) {
                LockSupport.park(this);                    // nothing unparks it
            } else {
                Thread.onSpinWait();
            }
        }
    }
}
