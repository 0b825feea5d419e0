package dev.quiesce;

/*
 * Field groups of Srcu, separated by padding so that the fields every reader reads (the index word,
 * the drain index, the counter array reference) do not share a cache line with the fields that
 * updaters write on every grace period (sequence, target, driver). Inheritance keeps the order:
 * HotSpot lays out a superclass's fields before its subclass's. SrcuLayoutTest checks it with JOL.
 */

/** Padding before the reader-side fields: 128 bytes, two cache lines (adjacent-line prefetch). */
abstract class SrcuPadHead {
    long p00, p01, p02, p03, p04, p05, p06, p07;
    long p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

/** The fields that the read side reads: written only at creation, at a flip and by a driver. */
abstract class SrcuReadSide extends SrcuPadHead {
    /** Per-domain salt in the bits of a token above the index bit; bit 0 is always clear. */
    final int salt;
    /** Shift that maps a thread's mixed id to its cell (see Stripes). */
    final int cellShift;
    /** The counter cells; see Srcu's implementation notes for the layout. */
    final long[] counts;
    /** Bit 0: the index new readers use; the sign bit: the domain is closed. */
    volatile int state;
    /** The index a driver is parked on, or -1; {@code Srcu.CLOSED_MARK} once the domain is closed. */
    volatile int drainIndex;
    /** Keeps this group a multiple of 8 bytes so that no subclass field can fill a hole here. */
    int unused;

    SrcuReadSide(int salt, int cellShift, long[] counts) {
        this.salt = salt;
        this.cellShift = cellShift;
        this.counts = counts;
        this.drainIndex = -1;
    }
}

/** Padding between the reader-side fields and the updater-side fields: 128 bytes. */
abstract class SrcuPadMid extends SrcuReadSide {
    long p10, p11, p12, p13, p14, p15, p16, p17;
    long p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

    SrcuPadMid(int salt, int cellShift, long[] counts) {
        super(salt, cellShift, counts);
    }
}
