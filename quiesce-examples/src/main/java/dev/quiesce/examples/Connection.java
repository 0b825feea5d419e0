package dev.quiesce.examples;

import dev.quiesce.Access;
import dev.quiesce.Revocable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;

/**
 * The README's hand-off sample: a connection closed while sends are in flight. {@link #close()}
 * refuses new sends, waits for the ones in flight (each ends on the completion thread), then
 * closes the channel exactly once.
 */
public final class Connection implements AutoCloseable {

    // @sample connection
    private final Revocable<AsynchronousSocketChannel> ch;

    Connection(AsynchronousSocketChannel channel) {
        ch = Revocable.of(channel, Connection::closeQuietly);
    }

    CompletableFuture<Integer> send(ByteBuffer buf) {
        Access<AsynchronousSocketChannel> a = ch.tryAccess();
        if (a == null) return CompletableFuture.failedFuture(new ClosedChannelException());
        Access<AsynchronousSocketChannel> inFlight = a.detach();      // the completion ends it
        CompletableFuture<Integer> sent = new CompletableFuture<>();
        try {
            inFlight.get().write(buf, sent, TrackedWrites.COMPLETE);
        } catch (RuntimeException e) {                                // e.g. WritePendingException
            sent.completeExceptionally(e);
        }
        return sent.whenComplete((n, e) -> inFlight.close());
    }

    @Override public void close() { ch.revoke(); }  // no new send; waits for in-flight ones; closes once

    private static void closeQuietly(AsynchronousSocketChannel c) {
        try { c.close(); } catch (IOException ignored) { }
    }
    // @end

    /** Whether {@link #close()} has begun. */
    boolean isClosed() {
        return ch.isRevoked();
    }

}
