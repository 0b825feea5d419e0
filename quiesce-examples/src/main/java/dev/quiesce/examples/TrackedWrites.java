package dev.quiesce.examples;

import dev.quiesce.Srcu;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;

/**
 * The README's first sample: async writes tracked by an {@link Srcu} domain from the call that
 * starts them to their completion, and a sync that waits for exactly the writes already in flight.
 */
public final class TrackedWrites {

    // @sample track
    /** Completes the future it is given as attachment: a channel's handler, as a CompletionStage. */
    static final CompletionHandler<Integer, CompletableFuture<Integer>> COMPLETE = new CompletionHandler<>() {
        @Override public void completed(Integer n, CompletableFuture<Integer> f) { f.complete(n); }
        @Override public void failed(Throwable e, CompletableFuture<Integer> f) { f.completeExceptionally(e); }
    };

    private final Srcu writes = Srcu.create("volume-writes");

    /** START here, on the caller's thread; END on the I/O completion thread, whatever thread that is. */
    CompletableFuture<Integer> write(AsynchronousFileChannel channel, ByteBuffer buffer, long position) {
        return writes.track(() -> {
            CompletableFuture<Integer> done = new CompletableFuture<>();
            channel.write(buffer, position, done, COMPLETE);
            return done;
        });
    }

    /** Waits for exactly the writes already in flight: writes keep starting meanwhile, none holds this up for ever. */
    void sync() throws InterruptedException {
        writes.synchronize();
    }
    // @end

    /** The domain, for tests. */
    Srcu domain() {
        return writes;
    }
}
