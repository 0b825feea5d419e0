package dev.quiesce;

import dev.quiesce.internal.Tracker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An {@link Srcu} read section as a handle: begun by {@link Srcu#enter()}, ended by {@link #close()}
 * on any thread, exactly once.
 *
 * <p>Unlike the {@code int} token forms, a handle detects a second close (an
 * {@link IllegalStateException} that changes no count) and can be handed to another thread with
 * {@link #detach()} inside a try-with-resources block:
 *
 * <pre>{@code
 * try (ReadSection s = srcu.enter()) {
 *     ReadSection inFlight = s.detach();
 *     channel.write(buf, pos, null, handler(() -> inFlight.attach().close()));
 * }   // s.close() is a no-op here: the completion ends the section
 * }</pre>
 *
 * @since 0.1.0
 */
public final class ReadSection implements Held {

    /*
     * Implementation notes.
     *
     * The handle wraps the domain's int token. Its state moves once, from OPEN to CLOSED (the
     * section ended through this handle) or to DETACHED (another handle owns the token now);
     * a compare-and-set makes concurrent closes of one handle safe: exactly one ends the section,
     * the other sees CLOSED and throws. DETACHED handles close as a no-op so that the
     * try-with-resources block around a hand-off stays correct.
     */

    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final int DETACHED = 2;

    private final Srcu domain;
    private final int token;
    private volatile int state;

    ReadSection(Srcu domain, int token) {
        this.domain = domain;
        this.token = token;
    }

    /**
     * Ends the section, from any thread. A detached handle closes as a no-op.
     *
     * @throws IllegalStateException if this handle was already closed
     */
    @Override
    public void close() {
        int s = state;
        if (s == OPEN && STATE.compareAndSet(this, OPEN, CLOSED)) {
            if (!Tracker.ENABLED || Tracker.INSTANCE.claim(record())) {
                domain.readUnlockUntracked(token);
            }
            if (Tracker.ENABLED) {
                Tracker.INSTANCE.released(record());       // after the count: a report may throw
            }
        } else if (state == CLOSED) {
            throw new IllegalStateException("read section of " + domain + " closed twice");
        }
    }

    @Override
    public boolean isOpen() {
        return state == OPEN;
    }

    /**
     * Moves the section to a new handle; this handle's {@code close()} becomes a no-op.
     *
     * @return a new open handle owning the section
     * @throws IllegalStateException if this handle is closed or already detached
     */
    @Override
    public ReadSection detach() {
        if (!STATE.compareAndSet(this, OPEN, DETACHED)) {
            throw new IllegalStateException(stateMessage("detach"));
        }
        ReadSection moved = new ReadSection(domain, token);
        if (Tracker.ENABLED) {
            Object r = record();
            Tracker.INSTANCE.bind(moved, r);
            Tracker.INSTANCE.detached(r, moved);
        }
        return moved;
    }

    /**
     * Declares that the calling thread now holds this section; changes no count.
     *
     * @return this handle
     * @throws IllegalStateException if this handle is closed or detached
     */
    @Override
    public ReadSection attach() {
        if (state != OPEN) {
            throw new IllegalStateException(stateMessage("attach"));
        }
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.attached(record());
        }
        return this;
    }

    /**
     * Returns whether a grace period in progress (or requested and about to start) waits for this
     * section. Advisory, as {@link Srcu#blocksGracePeriod(int)}; false once this handle is not open.
     *
     * @return whether ending this section soon would let a waiting updater go on
     */
    public boolean blocksGracePeriod() {
        return state == OPEN && domain.blocksGracePeriod(token);
    }

    /** Returns the domain this section belongs to. */
    Srcu domain() {
        return domain;
    }

    /**
     * The validator's record of this section. Kept by the validator, not in a field, so that a
     * handle stays 24 bytes; only validation pays for the look-up.
     */
    Object record() {
        return Tracker.INSTANCE.bound(this);
    }

    /** Returns the token behind this handle (for tests in this package). */
    int token() {
        return token;
    }

    private String stateMessage(String op) {
        return "cannot " + op + " a read section of " + domain + " that is "
                + (state == CLOSED ? "closed" : "detached (its new handle owns it)");
    }

    @Override
    public String toString() {
        int s = state;
        return "ReadSection[" + domain.name() + ", index " + (token & 1) + ", "
                + (s == OPEN ? "open" : s == CLOSED ? "closed" : "detached") + "]";
    }

    private static final VarHandle STATE;

    static {
        HeldRecords.init();
        try {
            STATE = MethodHandles.lookup().findVarHandle(ReadSection.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
