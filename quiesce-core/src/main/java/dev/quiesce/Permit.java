package dev.quiesce;

import dev.quiesce.internal.Tracker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A shared or exclusive permit of a {@link RwSemaphore}: taken by one of its {@code acquire…}
 * methods, released by {@link #close()} on any thread, exactly once.
 *
 * <p>A shared permit may be handed to another thread with {@link #detach()}: the returned handle
 * owns the permit and the original's {@code close()} becomes a no-op, so a try-with-resources
 * block around the hand-off stays correct:
 *
 * <pre>{@code
 * try (Permit p = sem.acquireShared()) {
 *     Permit inFlight = p.detach();
 *     channel.write(buf, pos, null, handler(() -> inFlight.attach().close()));
 * }   // p.close() is a no-op here: the completion releases the permit
 * }</pre>
 *
 * <p>An exclusive permit may also be released by another thread (freeze on one thread, thaw on
 * another), turned into a shared permit atomically with {@link #downgrade()}, or used to kill the
 * semaphore without ever releasing it with {@link #kill()}. A permit that was downgraded or used
 * to kill is <em>consumed</em>: like a detached handle, its {@code close()} is a no-op.
 *
 * @since 0.1.0
 */
public final class Permit implements Held {

    /*
     * Implementation notes.
     *
     * A permit remembers where it was counted (`where`): WORD for a shared permit counted in the
     * semaphore's state word, the reader slot it owns or the reader cell it was counted in once
     * the semaphore inflated, or, below WORD, the stamp of the grant of the exclusive permit (the
     * semaphore's notes draw the encoding as a table, beside the tokens that carry the same fact).
     * Its release undoes exactly that count, so permits taken before inflation release correctly
     * after it.
     *
     * Handle state moves once from OPEN to CLOSED (released through this handle), DETACHED
     * (another handle owns the count) or CONSUMED (downgraded or killed); detach, downgrade and
     * kill move it by compare-and-set. Exactly one of concurrent close() calls releases; the
     * others throw without changing any count. For a shared permit the compare-and-set
     * OPEN -> CLOSED decides which close releases. For the exclusive permit the semaphore decides:
     * it releases a grant only by a CAS of its word from EXCLUSIVE with this grant's stamp, so of
     * racing closes (or a close racing a downgrade or kill of the same handle) one wins and the
     * others find the stamp gone and throw; the winner then writes CLOSED with a release store.
     * That saves the exclusive section one atomic instruction: the handle's own CAS.
     */

    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final int DETACHED = 2;
    private static final int CONSUMED = 3;

    private final RwSemaphore semaphore;
    private final int where;
    private volatile int state;

    Permit(RwSemaphore semaphore, int where) {
        this.semaphore = semaphore;
        this.where = where;
    }

    /**
     * Releases the permit, from any thread. A detached or consumed handle closes as a no-op.
     *
     * @throws IllegalStateException if this handle was already closed; no count changes
     */
    @Override
    public void close() {
        release();
    }

    /**
     * Releases the permit if this handle owns it.
     *
     * @return true if this call released the permit, false for a detached or consumed handle
     */
    boolean release() {
        if (isExclusive()) {
            return releaseExclusive();
        }
        if (releaseSharedIfOpen()) {
            return true;
        }
        if (state == CLOSED) {
            throw new IllegalStateException(closedTwiceMessage());
        }
        return false;
    }

    /**
     * Releases this shared permit if this handle is open; otherwise changes nothing and returns
     * false ({@link #isClosed()} tells a second close from a detached handle). For handles built
     * on a permit ({@link Access}) that word their own misuse messages.
     */
    boolean releaseSharedIfOpen() {
        if (STATE.compareAndSet(this, OPEN, CLOSED)) {
            semaphore.release(where);
            if (Tracker.ENABLED) {
                Tracker.INSTANCE.released(record());       // after the count: a report may throw
            }
            return true;
        }
        return false;
    }

    /** Whether this handle was closed (not detached or consumed). */
    boolean isClosed() {
        return state == CLOSED;
    }

    /** release() of the exclusive permit: the semaphore's stamped CAS decides (see the notes). */
    private boolean releaseExclusive() {
        int s = state;
        if (s != OPEN) {
            if (s == CLOSED) {
                throw new IllegalStateException(closedTwiceMessage());
            }
            return false;                                  // detached or consumed: a no-op
        }
        semaphore.release(where);                          // throws, changing nothing, if released already
        // Only the close whose CAS released the grant gets here, so a plain release store will
        // do: a racing close that read OPEN finds the grant's stamp gone and throws above, one
        // that reads CLOSED throws at the top. No count depends on this field any more.
        STATE.setRelease(this, CLOSED);
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.released(record());           // after the count: a report may throw
        }
        return true;
    }

    @Override
    public boolean isOpen() {
        return state == OPEN;
    }

    /**
     * Moves the permit to a new handle; this handle's {@code close()} becomes a no-op.
     *
     * @return a new open handle owning the permit
     * @throws IllegalStateException if this handle is closed, detached or consumed
     */
    @Override
    public Permit detach() {
        Permit moved = detachIfOpen();
        if (moved == null) {
            throw new IllegalStateException(stateMessage("detach"));
        }
        return moved;
    }

    /** As {@link #detach()}, but returns null instead of throwing if this handle is not open. */
    Permit detachIfOpen() {
        if (!STATE.compareAndSet(this, OPEN, DETACHED)) {
            return null;
        }
        Permit moved = new Permit(semaphore, where);
        if (Tracker.ENABLED) {
            Object r = record();
            Tracker.INSTANCE.bind(moved, r);
            Tracker.INSTANCE.detached(r, moved);
        }
        return moved;
    }

    /**
     * Declares that the calling thread now holds this permit; changes no count.
     *
     * @return this handle
     * @throws IllegalStateException if this handle is not open
     */
    @Override
    public Permit attach() {
        if (!attachIfOpen()) {
            throw new IllegalStateException(stateMessage("attach"));
        }
        return this;
    }

    /** As {@link #attach()}, but returns false instead of throwing if this handle is not open. */
    boolean attachIfOpen() {
        if (state != OPEN) {
            return false;
        }
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.attached(record());
        }
        return true;
    }

    /**
     * Returns whether this is an exclusive permit. Stays true after the permit is closed.
     *
     * @return whether this permit is exclusive
     */
    public boolean isExclusive() {
        return RwSemaphore.isExclusiveWhere(where);
    }

    /**
     * Atomically turns this exclusive permit into a shared one: no writer can get in between.
     * Readers that were already waiting are let in with it; a writer that was queued keeps
     * waiting (for this shared permit too). This handle is consumed: its {@code close()} becomes
     * a no-op, and the returned permit must be closed instead.
     *
     * @return a new open shared permit
     * @throws IllegalStateException if this permit is shared, or not open (closed, detached, or
     *         already downgraded or killed); nothing changes then
     */
    public Permit downgrade() {
        if (!isExclusive()) {
            throw new IllegalStateException("cannot downgrade a shared permit of " + semaphore);
        }
        if (!STATE.compareAndSet(this, OPEN, CONSUMED)) {
            throw new IllegalStateException(stateMessage("downgrade"));
        }
        Permit shared = semaphore.downgrade(where);
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.released(record());
            shared.owned();                                // nothing waited: no order to check
        }
        return shared;
    }

    /**
     * Kills the semaphore while holding this exclusive permit, without ever releasing it — "begin
     * write, then abandon writer": as no reader can hold a permit now, the semaphore is dead when
     * this method returns, and every waiting acquirer is woken and fails. A concurrent
     * {@link RwSemaphore#kill()} returns too. This handle is consumed: its {@code close()} becomes
     * a no-op, so it may stay inside a try-with-resources block.
     *
     * @throws IllegalStateException if this permit is shared, or not open; nothing changes then
     */
    public void kill() {
        if (!isExclusive()) {
            throw new IllegalStateException("cannot kill " + semaphore + " with a shared permit");
        }
        if (!STATE.compareAndSet(this, OPEN, CONSUMED)) {
            throw new IllegalStateException(stateMessage("kill with"));
        }
        semaphore.killHeld(where);
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.released(record());
        }
    }

    /** Validation: the calling thread now holds this permit. */
    Permit owned() {
        Tracker.INSTANCE.bind(this, Tracker.INSTANCE.acquired(semaphore.lockClass(), semaphore, mode(), this, null));
        return this;
    }

    /** Validation: this permit goes to a future; no thread holds it until one attaches it. */
    Permit unowned() {
        Tracker.INSTANCE.bind(this, Tracker.INSTANCE.acquiredUnowned(semaphore.lockClass(), semaphore, mode(), this));
        return this;
    }

    /**
     * The validator's record of this permit. Kept by the validator, not in a field: a permit stays
     * 24 bytes (FootprintTest), and only validation pays for the look-up.
     */
    Object record() {
        return Tracker.INSTANCE.bound(this);
    }

    private int mode() {
        return isExclusive() ? Tracker.WRITE : Tracker.READ;
    }

    private String closedTwiceMessage() {
        return (isExclusive() ? "exclusive" : "shared") + " permit of " + semaphore
                + " closed twice; the second close() changed nothing";
    }

    private String stateMessage(String op) {
        int s = state;
        return "cannot " + op + " a permit of " + semaphore + " that is "
                + (s == CLOSED ? "closed" : s == DETACHED ? "detached (its new handle owns it)"
                : s == CONSUMED ? "consumed (downgraded, or used to kill)" : "open");
    }

    @Override
    public String toString() {
        int s = state;
        return "Permit[" + semaphore.name() + ", " + (isExclusive() ? "exclusive" : "shared") + ", "
                + (s == OPEN ? "open" : s == CLOSED ? "closed" : s == DETACHED ? "detached" : "consumed")
                + "]";
    }

    private static final VarHandle STATE;

    static {
        HeldRecords.init();
        try {
            STATE = MethodHandles.lookup().findVarHandle(Permit.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
