package dev.quiesce.examples;

import dev.quiesce.Access;
import dev.quiesce.Revocable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The hand-off sample of {@code docs/hand-off.md}: a connection closed while a send is in flight. {@link #close()}
 * refuses new sends, waits for the one in flight (it ends on the completion thread), then closes
 * the channel; a send that does not end within the patience (a peer that stopped reading) is
 * failed by closing the channel.
 */
public final class Connection implements AutoCloseable {

    // @sample connection
    private final AsynchronousSocketChannel channel;
    private final Revocable<AsynchronousSocketChannel> ch;
    private final Duration patience;

    Connection(AsynchronousSocketChannel channel, Duration patience) {
        this.channel = channel;
        this.ch = Revocable.of("connection", channel, Connection::closeQuietly);
        this.patience = patience;
    }

    /** One send at a time, as the channel allows: a second one throws WritePendingException. */
    <A> void send(ByteBuffer buf, A attachment, CompletionHandler<Integer, ? super A> handler) {
        Access<AsynchronousSocketChannel> access = ch.tryAccess();
        if (access == null) {
            handler.failed(new ClosedChannelException(), attachment);
            return;
        }
        AsynchronousSocketChannel c = access.get();
        access.closeOnCompletion((a, h) -> c.write(buf, a, h), attachment, handler);  // ends before handler
    }

    /** No new send; waits for the one in flight, then closes the channel once. */
    @Override public void close() {
        try {
            if (ch.revoke(patience.toNanos(), TimeUnit.NANOSECONDS)) return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(channel);   // a peer that stopped reading: the close fails the send, its access ends
    }                            // and the revocable's release runs then (a second close is harmless)

    private static void closeQuietly(AsynchronousSocketChannel c) {
        try { c.close(); } catch (IOException ignored) { }
    }
    // @end

    /** Whether {@link #close()} has begun. */
    boolean isClosed() {
        return ch.isRevoked();
    }

}
