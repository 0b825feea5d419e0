package dev.quiesce.examples;

import dev.quiesce.Access;
import dev.quiesce.Revocable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;

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

    <A> void send(ByteBuffer buf, A attachment, CompletionHandler<Integer, ? super A> handler) {
        Access<AsynchronousSocketChannel> access = ch.tryAccess();
        if (access == null) {
            handler.failed(new ClosedChannelException(), attachment);
            return;
        }
        AsynchronousSocketChannel c = access.get();
        access.closeOnCompletion((a, h) -> c.write(buf, a, h), attachment, handler);  // ends before handler
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
