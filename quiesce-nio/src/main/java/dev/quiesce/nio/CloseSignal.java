package dev.quiesce.nio;

import dev.quiesce.Permit;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The waits of one tracked channel's writes for a thaw or a truncation: closing the channel cancels
 * them, so a write parked (or deferred) behind a freeze fails with
 * {@link java.nio.channels.AsynchronousCloseException} at once instead of at the thaw. A cancelled
 * request is withdrawn from the semaphore, or released at once if it had just been granted.
 */
final class CloseSignal {

    private final Set<CompletableFuture<Permit>> waits = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Registers a wait; one registered after {@link #close()} is cancelled here. */
    void add(CompletableFuture<Permit> wait) {
        waits.add(wait);
        if (closed) {           // close() may have iterated before the add: re-check after it
            wait.cancel(false);
        }
    }

    void remove(CompletableFuture<Permit> wait) {
        waits.remove(wait);
    }

    void close() {
        closed = true;
        for (CompletableFuture<Permit> wait : waits) {
            wait.cancel(false);
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Gives up a wait: withdraws it, or releases the permit if it was granted meanwhile. */
    static void dispose(CompletableFuture<Permit> wait) {
        if (!wait.cancel(false) && !wait.isCompletedExceptionally()) {
            wait.join().close();
        }
    }
}
