package dev.quiesce.jcstress.selftest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny reader–writer semaphore model, for checking that the exclusion test of
 * {@code dev.quiesce.jcstress.RwSemaphoreTests} catches a broken exclusive acquire. Never use it
 * for anything else.
 *
 * <p>One word: bits 0..31 count shared holders, bit 32 is the exclusive holder. A shared try
 * CASes the count up while the exclusive bit is clear. With {@link Flaw#NONE} an exclusive try
 * CASes {@code 0 -> EXCLUSIVE}; with {@link Flaw#NO_READER_CHECK} it sets the bit whenever the bit
 * is clear, ignoring shared holders — the bug the test must catch.
 */
public final class BrokenRwSemaphore {

    /** How the model is broken. */
    public enum Flaw {
        /** Not broken: the reference model, expected to pass. */
        NONE,
        /** {@code tryAcquireExclusive()} does not check for shared holders. */
        NO_READER_CHECK
    }

    private static final long EXCLUSIVE = 1L << 32;

    private final AtomicLong state = new AtomicLong();
    private final Flaw flaw;

    public BrokenRwSemaphore(Flaw flaw) {
        this.flaw = flaw;
    }

    /** Returns true if a shared permit was acquired; release it with {@link #releaseShared()}. */
    public boolean tryAcquireShared() {
        for (;;) {
            long s = state.get();
            if ((s & EXCLUSIVE) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    public void releaseShared() {
        state.decrementAndGet();
    }

    /** Returns true if the exclusive permit was acquired; release it with {@link #releaseExclusive()}. */
    public boolean tryAcquireExclusive() {
        for (;;) {
            long s = state.get();
            boolean free = flaw == Flaw.NO_READER_CHECK ? (s & EXCLUSIVE) == 0 : s == 0;
            if (!free) {
                return false;
            }
            if (state.compareAndSet(s, s | EXCLUSIVE)) {
                return true;
            }
        }
    }

    public void releaseExclusive() {
        state.addAndGet(-EXCLUSIVE);
    }
}
