package dev.quiesce;

import dev.quiesce.internal.Reports;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A resource that can be revoked under its users: accesses may be open on any thread, and
 * {@link #revoke()} fences them all, then releases the resource exactly once.
 *
 * <pre>{@code
 * Revocable<AsynchronousSocketChannel> conn = Revocable.of(channel, ch -> close(ch));
 *
 * // Each operation holds an access until it completes, wherever that is:
 * Access<AsynchronousSocketChannel> a = conn.tryAccess();
 * if (a == null) throw new ClosedChannelException();   // revoking or revoked
 * AsynchronousSocketChannel ch = a.get();               // before the hand-off, which detaches a
 * a.closeOnCompletion((att, h) -> ch.write(buf, att, h), null, handler);   // closed before handler runs
 *
 * // Shutdown: no new access; wait for those in flight; then close the channel, once.
 * conn.revoke();
 * }</pre>
 *
 * <p>{@link #tryAccess()} returns null from the moment revocation begins. {@code revoke()} is
 * uninterruptible, like {@code close()}, and idempotent: every caller, concurrent or later, returns
 * once the release action has run. {@link #revoke(long, TimeUnit)} returning false leaves the
 * resource <em>revoking</em>: no new access is granted, and the release action still runs exactly
 * once after the last access ends — in a later {@code revoke()} that finds none open, or else in the
 * {@link Access#close()} of the last access, on that thread. A release action that throws runs no
 * second time; its exception is the cause of the {@link IllegalStateException} thrown to every
 * {@code revoke()} that waits for it or comes later (and is logged if it ran in an access's
 * {@code close()}). Everything an access did before its {@code close()} happens-before the release
 * action runs; the release action happens-before {@code revoke()} returns.
 *
 * <p>Built on {@link RwSemaphore}: an access is a shared permit, and revocation is
 * {@link RwSemaphore#kill()}. Writer bias does not apply here: accesses only fail once revoking.
 *
 * @param <T> the type of the resource
 * @since 0.1.0
 */
public final class Revocable<T> {

    /*
     * Implementation notes.
     *
     * `gate` counts accesses (shared permits). Revocation is gate.kill(): from its start no
     * permit is granted; it is dead once every permit is released. The release action runs when
     * the gate is dead, claimed by a CAS of `releaseClaimed` so that it runs once: by a revoke()
     * whose kill returned, or by the Access.close() that released a permit and then saw the gate
     * dead (the last release is the one that makes it dead, inside its close, so at least that
     * close sees it). `done` completes when the action has run, exceptionally if it threw; every
     * revoke() waits on it after its kill.
     */


    private final T resource;
    private final Consumer<? super T> release;
    /** Also keeps the name (a label), so that a revocable has no field for it. */
    private final RwSemaphore gate;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile int releaseClaimed;

    private Revocable(String name, T resource, Consumer<? super T> release) {
        this.resource = resource;
        this.release = release;
        this.gate = RwSemaphore.createFenced(name);
    }

    /**
     * Wraps a resource.
     *
     * @param resource the resource
     * @param release what to do with it once revoked and no longer accessed; runs once
     * @param <T> the type of the resource
     * @return a new revocable
     * @throws NullPointerException if an argument is null
     */
    public static <T> Revocable<T> of(T resource, Consumer<? super T> release) {
        return new Revocable<>(null, Objects.requireNonNull(resource, "resource"),
                Objects.requireNonNull(release, "release"));
    }

    /**
     * Wraps a resource, with a name that diagnostics (exception messages, reports of the
     * validator) use for it.
     *
     * @param name a label for diagnostics; not a key
     * @param resource the resource
     * @param release what to do with it once revoked and no longer accessed; runs once
     * @param <T> the type of the resource
     * @return a new revocable
     * @throws NullPointerException if an argument is null
     */
    public static <T> Revocable<T> of(String name, T resource, Consumer<? super T> release) {
        return new Revocable<>(Objects.requireNonNull(name, "name"), Objects.requireNonNull(resource, "resource"),
                Objects.requireNonNull(release, "release"));
    }

    /**
     * Returns this revocable's name (a label, not a key): the one it was given, or
     * {@code "revocable@"} and a hexadecimal identity hash code.
     *
     * @return the name
     */
    public String name() {
        return gate.name();
    }

    /**
     * Opens an access, unless revocation has begun. Never blocks.
     *
     * @return an open access, or null once revoking or revoked
     */
    public Access<T> tryAccess() {
        Permit p = gate.tryAcquireShared();
        return p == null ? null : new Access<>(this, p);
    }

    /**
     * Revokes: from the moment this method begins {@link #tryAccess()} returns null; waits until
     * every open access, on any thread, has been closed; then runs the release action, exactly
     * once over all callers, and returns. Uninterruptible; the interrupt status is set again on
     * return if the thread was interrupted while waiting.
     *
     * @throws IllegalStateException if the release action threw (its exception is the cause) —
     *         to this and every other caller
     */
    public void revoke() {
        gate.kill();
        runReleaseIfDue();
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    done.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw releaseFailed(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * As {@link #revoke()}, waiting at most the given time. On timeout the revocable stays
     * revoking and the release action runs later: see the class documentation. A non-positive
     * timeout does not wait.
     *
     * @param timeout how long to wait
     * @param unit the unit of {@code timeout}
     * @return true once the release action has run, false on timeout
     * @throws InterruptedException if interrupted before or while waiting; revocation goes on
     * @throws NullPointerException if {@code unit} is null
     * @throws IllegalStateException if the release action threw (its exception is the cause)
     */
    public boolean revoke(long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        long deadline = System.nanoTime() + Math.min(unit.toNanos(timeout), Long.MAX_VALUE / 4);
        if (!gate.kill(timeout, unit)) {
            return false;
        }
        runReleaseIfDue();
        try {
            done.get(Math.max(0L, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;                  // another thread is running the action
        } catch (ExecutionException e) {
            throw releaseFailed(e.getCause());
        }
    }

    /**
     * Returns whether revocation has begun. Once true, stays true, and no access is granted.
     *
     * @return whether {@code revoke} has been called
     */
    public boolean isRevoked() {
        return gate.isKilled();
    }

    /** For tests: the semaphore that counts accesses. */
    RwSemaphore gate() {
        return gate;
    }

    T resource() {
        return resource;
    }

    /** An access's permit was released: if that made the gate dead, the action may be due here. */
    void afterAccessClosed() {
        if (gate.isDead()) {
            Throwable t = runReleaseIfDue();
            if (t != null) {
                Reports.log(new Report(Report.Kind.CALLBACK_FAILED, gate.name(),
                        "release action of " + this + " threw in the close() of its last access", t));
            }
        }
    }

    /** Runs the release action if the gate is dead and no one has claimed it; returns what it threw. */
    private Throwable runReleaseIfDue() {
        if (!gate.isDead() || !RELEASE_CLAIMED.compareAndSet(this, 0, 1)) {
            return null;
        }
        try {
            release.accept(resource);
            done.complete(null);
            return null;
        } catch (Throwable t) {
            done.completeExceptionally(t);
            return t;
        }
    }

    private IllegalStateException releaseFailed(Throwable cause) {
        if (cause instanceof CompletionException || cause instanceof CancellationException) {
            cause = cause.getCause() != null ? cause.getCause() : cause;
        }
        return new IllegalStateException("release action of " + this + " threw", cause);
    }

    @Override
    public String toString() {
        return "Revocable[" + name() + ", " + resource.getClass().getSimpleName() + ", "
                + (done.isDone() ? "released" : gate.isKilled() ? "revoking" : "live") + "]";
    }

    private static final VarHandle RELEASE_CLAIMED;

    static {
        try {
            RELEASE_CLAIMED = MethodHandles.lookup().findVarHandle(Revocable.class, "releaseClaimed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
