package dev.quiesce;

import java.nio.channels.CompletionHandler;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

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
 * <p>For a channel that reports completion to a {@link CompletionHandler}, {@link #closeOnCompletion}
 * does the hand-off in one call:
 *
 * <pre>{@code
 * Permit p = file.tryAcquireShared();      // or srcu.enter(), revocable.tryAccess()
 * p.closeOnCompletion((a, h) -> channel.write(buf, pos, a, h), attachment, handler);
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

    /**
     * Hands what this handle holds to an asynchronous operation, and releases it when the operation
     * completes, <em>before</em> {@code handler} runs — on {@code completed} and on {@code failed},
     * on whatever thread the channel calls its handler, including the initiating thread when the
     * I/O completes at once. For example
     * {@code held.closeOnCompletion((a, h) -> channel.write(buf, pos, a, h), attachment, handler)}.
     *
     * <p>This handle is {@linkplain #detach() detached} first, so its own {@link #close()} becomes a
     * no-op (a try-with-resources block around the call stays correct), and an {@link Access} no
     * longer gives its resource: take it with {@link Access#get()} before the call.
     * {@code operation} is called on the calling thread with {@code attachment} and a handler that
     * closes the held thing and then forwards the result to {@code handler}. If {@code operation}
     * throws, what is held is released at once and the exception propagates; {@code handler} is not
     * called for it. The
     * release happens exactly once, even if the channel both throws and completes. Everything
     * {@code handler} does happens-after the release. If the release itself throws (a validator
     * report handler that throws), {@code handler} is still called, and the exception propagates to
     * the channel's thread after it.
     *
     * @param operation  starts the operation, given the attachment and the handler to complete
     * @param attachment passed to {@code operation} and on to {@code handler}; may be null
     * @param handler    told of the result after the release
     * @param <V>        the operation's result type
     * @param <A>        the attachment's type
     * @throws NullPointerException  if {@code operation} or {@code handler} is null (nothing is
     *                               detached or released then)
     * @throws IllegalStateException if this handle is closed or detached
     * @since 0.1.0
     */
    default <V, A> void closeOnCompletion(BiConsumer<? super A, ? super CompletionHandler<V, A>> operation,
            A attachment, CompletionHandler<V, ? super A> handler) {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(handler, "handler");
        TrackedCompletion.start(this, operation, attachment, handler);
    }

    /**
     * Hands what this handle holds to an asynchronous operation that returns a
     * {@link CompletionStage}, and releases it when that stage completes, normally or not —
     * strictly before the returned future completes, on the thread that completes the stage (or on
     * the calling thread, before this method returns, if the stage is already complete), without
     * blocking it (for an {@link Access}, the revocable's release action may run there: see
     * {@link Access#close()}). The shape of code built on {@code CompletableFuture}:
     *
     * <pre>{@code
     * Permit p = conn.lifecycle.tryAcquireShared();
     * if (p == null) throw new ClosedChannelException();        // closing, or closed
     * return p.closeOnCompletion(() -> client.sendAsync(request, bodyHandler));
     * }</pre>
     *
     * <p>This handle is {@linkplain #detach() detached} first, as by the handler form above: its
     * own {@link #close()} becomes a no-op, and an {@link Access} no longer gives its resource (take
     * it with {@link Access#get()} before the call). {@code operation} is called on the calling
     * thread. If it throws or returns null, what is held is released at once and the exception
     * propagates ({@link NullPointerException} for null). Everything that depends on the returned
     * future happens-after the release, which happens exactly once, even if the stage's
     * {@code whenComplete} throws. {@link Srcu#track(Supplier)} is this form with a section begun
     * for it (which the calling thread holds while the operation starts).
     *
     * <p>Cancelling the returned future does not cancel the operation and does not release what
     * is held: it is released when the operation's stage completes, as it would have been. To
     * cancel the operation, cancel its own stage.
     *
     * @param operation starts the asynchronous operation and returns its stage
     * @param <T>       the operation's result type
     * @return a future completed with the stage's result after the release
     * @throws NullPointerException  if {@code operation} is null (nothing is detached or released
     *                               then) or returns null (what is held is released)
     * @throws IllegalStateException if this handle is closed or detached
     * @since 0.1.0
     */
    default <T> CompletableFuture<T> closeOnCompletion(Supplier<? extends CompletionStage<T>> operation) {
        Objects.requireNonNull(operation, "operation");
        return TrackedCompletion.startStage(this, operation);
    }
}
