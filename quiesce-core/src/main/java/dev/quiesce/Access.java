package dev.quiesce;

/**
 * An access to the resource of a {@link Revocable}: taken by {@link Revocable#tryAccess()}, ended
 * by {@link #close()} on any thread, exactly once. While any access is open, the resource is not
 * released; {@link Revocable#revoke()} waits for it.
 *
 * <pre>{@code
 * Access<Socket> a = conn.tryAccess();
 * if (a == null) throw new ClosedChannelException();
 * Access<Socket> inFlight = a.detach();
 * executor.execute(() -> {
 *     try (Access<Socket> mine = inFlight.attach()) { send(mine.get(), msg); }
 * });
 * }</pre>
 *
 * <p>A handle that has been detached no longer gives the resource: {@link #get()} it first when
 * the hand-off is {@link #closeOnCompletion closeOnCompletion}, which detaches the handle before
 * the operation runs:
 *
 * <pre>{@code
 * Access<AsynchronousFileChannel> a = file.tryAccess();
 * if (a == null) throw new ClosedChannelException();              // revoking or revoked
 * try (a) {
 *     AsynchronousFileChannel ch = a.get();                       // before the hand-off
 *     a.closeOnCompletion((att, h) -> ch.write(buf, pos, att, h), null, handler);
 * }
 * }</pre>
 *
 * @param <T> the type of the resource
 * @since 0.1.0
 */
public final class Access<T> implements Held {

    /*
     * Implementation notes.
     *
     * An access is a shared permit of the revocable's semaphore plus the way back to the
     * revocable: when the close() of this handle released a permit and the semaphore is dead
     * afterwards, this close() may be the one that must run the release action (a timed revoke()
     * gave up before the last access ended); Revocable.afterAccessClosed() decides, exactly once.
     *
     * Misuse (a second close, detach or attach of a handle that is not open) is told in the
     * words of an access and names the revocable: the permit's ...IfOpen forms change nothing
     * and report whether they could, and this class builds the message.
     */

    private final Revocable<T> owner;
    private final Permit permit;

    Access(Revocable<T> owner, Permit permit) {
        this.owner = owner;
        this.permit = permit;
    }

    /** The permit behind this access (for the validator's record lookup). */
    Permit permit() {
        return permit;
    }

    /**
     * Returns the resource.
     *
     * @return the resource
     * @throws IllegalStateException if this handle is not open (closed or detached)
     */
    public T get() {
        if (!permit.isOpen()) {
            throw new IllegalStateException(getNotOpenMessage());
        }
        return owner.resource();
    }

    /**
     * Ends the access, from any thread. A detached handle closes as a no-op. If a revocation that
     * gave up waiting is pending and this was the last access, the release action runs here, on
     * this thread; if it throws, the exception goes to every {@code revoke()} that waits or comes
     * later (and is logged), not to this caller.
     *
     * @throws IllegalStateException if this handle was already closed; nothing changes then
     */
    @Override
    public void close() {
        if (permit.releaseSharedIfOpen()) {
            owner.afterAccessClosed();
        } else if (permit.isClosed()) {
            throw new IllegalStateException(closedTwiceMessage());
        }                                                  // else detached: a no-op
    }

    @Override
    public boolean isOpen() {
        return permit.isOpen();
    }

    /**
     * Moves the access to a new handle; this handle's {@code close()} becomes a no-op.
     *
     * @return a new open handle owning the access
     * @throws IllegalStateException if this handle is closed or already detached
     */
    @Override
    public Access<T> detach() {
        Permit moved = permit.detachIfOpen();
        if (moved == null) {
            throw new IllegalStateException(notOpenMessage("detach"));
        }
        return new Access<>(owner, moved);
    }

    /**
     * Declares that the calling thread now holds this access; changes no count.
     *
     * @return this handle
     * @throws IllegalStateException if this handle is closed or detached
     */
    @Override
    public Access<T> attach() {
        if (!permit.attachIfOpen()) {
            throw new IllegalStateException(notOpenMessage("attach"));
        }
        return this;
    }

    // Misuse messages name the revocable, never the semaphore inside it (issue 11).

    private String closedTwiceMessage() {
        return "access to " + owner + " closed twice; the second close() changed nothing";
    }

    private String getNotOpenMessage() {
        return notOpenMessage("get the resource of",
                "; take the resource before detach() or closeOnCompletion(), or get() it from the new handle");
    }

    private String notOpenMessage(String op) {
        return notOpenMessage(op, "");
    }

    /** The permit's state is read once, so the message and its advice for a detached handle agree. */
    private String notOpenMessage(String op, String ifDetached) {
        return "cannot " + op + " an access to " + owner + " that is "
                + (permit.isClosed() ? "closed" : "detached (its new handle owns it)" + ifDetached);
    }

    @Override
    public String toString() {
        return "Access[" + owner + ", " + (permit.isOpen() ? "open" : "not open") + "]";
    }
}
