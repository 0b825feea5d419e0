package dev.quiesce;

/**
 * Something held — a read section, a permit, an access — that may be released on a thread other
 * than the one that took it.
 *
 * <p>A {@code Held} is owned by exactly one handle at a time. {@link #detach()} moves ownership to a
 * new handle, so code that hands a section to another thread can keep a try-with-resources block
 * around the hand-off:
 *
 * <pre>{@code
 * try (ReadSection s = srcu.enter()) {
 *     ReadSection mine = s.detach();          // s.close() is now a no-op
 *     pool.execute(() -> {
 *         mine.attach();                      // this thread holds it now
 *         try { work(); } finally { mine.close(); }
 *     });
 * }
 * }</pre>
 *
 * <p>Closing the same handle twice is an error ({@link IllegalStateException}) and changes nothing.
 * Handles are safe to publish between threads by any means that makes the handle reference visible
 * (an executor, a future, a queue); a handle itself carries no data that needs more.
 *
 * @since 0.1.0
 */
public interface Held extends AutoCloseable {

    /**
     * Releases what this handle owns. May be called from any thread.
     *
     * @throws IllegalStateException if this handle was already closed; nothing is released then.
     *         A handle that has been {@linkplain #detach() detached} closes as a no-op.
     */
    @Override
    void close();

    /**
     * Returns whether this handle still owns what it holds: false once it has been closed or
     * detached. A snapshot: another thread may close the handle right after.
     *
     * @return whether this handle is open
     */
    boolean isOpen();

    /**
     * Moves ownership to a new handle and returns it; this handle's {@link #close()} becomes a
     * no-op. Nothing is released. This is the "exit reader" of a hand-off: the returned handle is
     * meant to be passed to the thread or callback that will close it.
     *
     * @return a new, open handle that owns what this one owned
     * @throws IllegalStateException if this handle is closed or already detached
     */
    Held detach();

    /**
     * Declares that the calling thread now holds this handle ("re-enter reader"). It changes no
     * count; lock-dependency validation, when enabled, attributes later acquisitions to the
     * calling thread. Returns this handle for chaining.
     *
     * @return this handle
     * @throws IllegalStateException if this handle is closed or detached
     */
    Held attach();
}
