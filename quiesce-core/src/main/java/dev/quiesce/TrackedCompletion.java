package dev.quiesce;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CompletionHandler;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The completion handler that {@link Held#closeOnCompletion} gives to an asynchronous operation:
 * it closes the handle it owns, then calls the user's handler with the same result. Also the
 * stage form's two steps ({@link #startStage}, {@link #closeWhenDone}), which {@link Srcu#track}
 * shares.
 */
final class TrackedCompletion<V, A> implements CompletionHandler<V, A> {

    /*
     * Implementation notes.
     *
     * The handle is closed exactly once, by whichever comes first: the operation's completion
     * (completed or failed, on whatever thread the channel calls it, the initiating one included)
     * or a synchronous throw from the operation. A compare-and-set on `ended` decides; the loser
     * does nothing, so a channel that both throws and completes (or completes twice) cannot close
     * the handle twice. The user's handler is called after the close in a finally block: a close
     * that throws (a validator report handler set to throw) cannot drop the user's callback.
     *
     * The stage form needs no such flag against its operation: the completion action is
     * registered only after the operation has returned its stage, so a throwing operation and a
     * completion cannot both happen. Its flag guards a stage whose whenComplete throws after it
     * registered the action (see closeWhenDone). A close that fails after an operation threw is
     * added to that exception as suppressed, so the operation's exception is the one propagated.
     *
     * Ordering. close() releases with a volatile write (Srcu: the unlock's atomic add; RwSemaphore:
     * its state or slot release); the user's handler runs after it in program order on the same
     * thread, so anything the handler does happens-after the section ended.
     */

    private final Held held;
    private final CompletionHandler<V, ? super A> handler;
    private volatile int ended;

    private TrackedCompletion(Held held, CompletionHandler<V, ? super A> handler) {
        this.held = held;
        this.handler = handler;
    }

    /**
     * Hands {@code held} to the operation; see {@link Held#closeOnCompletion}, which has refused
     * null arguments before anything was detached.
     */
    static <V, A> void start(Held held, BiConsumer<? super A, ? super CompletionHandler<V, A>> operation,
            A attachment, CompletionHandler<V, ? super A> handler) {
        TrackedCompletion<V, A> tracked = new TrackedCompletion<>(held.detach(), handler);
        try {
            operation.accept(attachment, tracked);
        } catch (Throwable t) {
            try {
                tracked.end();
            } catch (Throwable c) {
                t.addSuppressed(c);
            }
            throw t;
        }
    }

    /**
     * Hands {@code held} to the stage that {@code operation} returns; see the stage form of
     * {@link Held#closeOnCompletion}, which has refused a null operation before anything was
     * detached.
     */
    static <T> CompletableFuture<T> startStage(Held held, Supplier<? extends CompletionStage<T>> operation) {
        Held inFlight = held.detach();
        CompletionStage<T> stage;
        try {
            stage = Objects.requireNonNull(operation.get(), "operation returned null");
        } catch (Throwable t) {
            closeAfter(t, inFlight.attach());
            throw t;
        }
        return closeWhenDone(inFlight, stage);
    }

    /**
     * Closes {@code inFlight} (a detached handle) on the thread that completes {@code stage}, then
     * completes the returned future with the stage's outcome. The close comes first, in program
     * order on that thread, and releases with a volatile write (see the notes): whatever depends
     * on the returned future happens-after the release. A close that throws cannot keep the
     * future from completing. The close happens once: by the completion action, or, if the stage's
     * whenComplete throws (a stage that is not a CompletableFuture may), here before that
     * exception propagates; a flag decides, in case the stage both registered the action and
     * threw.
     */
    static <T> CompletableFuture<T> closeWhenDone(Held inFlight, CompletionStage<T> stage) {
        CompletableFuture<T> result = new CompletableFuture<>();
        AtomicBoolean ended = new AtomicBoolean();
        try {
            stage.whenComplete((value, failure) -> {
                try {
                    if (ended.compareAndSet(false, true)) {
                        inFlight.attach().close();         // the completing thread ends it
                    }
                } finally {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else {
                        result.complete(value);
                    }
                }
            });
        } catch (Throwable t) {
            if (ended.compareAndSet(false, true)) {
                closeAfter(t, inFlight.attach());
            }
            throw t;
        }
        return result;
    }

    /** Closes {@code held} after {@code t} was thrown; a failure to close is added to {@code t}. */
    static void closeAfter(Throwable t, Held held) {
        try {
            held.close();
        } catch (Throwable c) {
            t.addSuppressed(c);
        }
    }

    @Override
    public void completed(V result, A attachment) {
        try {
            end();
        } finally {
            handler.completed(result, attachment);
        }
    }

    @Override
    public void failed(Throwable failure, A attachment) {
        try {
            end();
        } finally {
            handler.failed(failure, attachment);
        }
    }

    /** Closes the handle unless it has been closed already; the calling thread attaches it first. */
    private void end() {
        if (ENDED.compareAndSet(this, 0, 1)) {
            held.attach().close();
        }
    }

    @Override
    public String toString() {
        return "TrackedCompletion[" + held + " then " + handler + "]";
    }

    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(TrackedCompletion.class, "ended", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
