package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The README's hand-off sample over a real loopback connection. The client's channel group hands
 * completion handlers to an executor the test drives, so a send stays in flight until the test
 * runs its completion: {@code close()} waits for it, refuses new sends meanwhile, and closes the
 * channel only after the completion ended the access.
 */
class ConnectionTest {

    @Test
    void closeWaitsForTheSendInFlightThenClosesTheChannelOnce() throws Exception {
        try (Loopback net = new Loopback()) {
            AsynchronousSocketChannel client = net.client;
            Connection connection = new Connection(client, Duration.ofSeconds(30));

            Into<Integer> sent = new Into<>();
            connection.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), null, sent);
            Thread closer = new Thread(connection::close, "closer");
            closer.start();
            Parked.awaitWaiting(closer);                   // revoke() waits for the send in flight
            assertTrue(connection.isClosed());
            assertFalse(sent.future.isDone(), "the send completed before its completion ran");
            assertTrue(client.isOpen(), "the channel was closed under a send in flight");
            Into<Integer> late = new Into<>();
            connection.send(ByteBuffer.wrap(new byte[1]), null, late);
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> late.future.get(30, TimeUnit.SECONDS));
            assertInstanceOf(ClosedChannelException.class, refused.getCause());

            net.completions.runNext();                         // the send's completion: ends the access
            assertEquals(3, sent.future.get(30, TimeUnit.SECONDS));
            Parked.join(closer);
            assertFalse(client.isOpen(), "close() returned but the channel is open");
            connection.close();                            // a second close returns at once

            ByteBuffer got = ByteBuffer.allocate(3);
            while (got.hasRemaining()) {
                if (net.peer.read(got).get(30, TimeUnit.SECONDS) < 0) {
                    break;
                }
            }
            assertArrayEquals(new byte[] {1, 2, 3}, got.array(), "what the peer received");
        }
    }

    @Test
    void aSendThatOutlastsThePatienceIsFailedByClosingTheChannel() throws Exception {
        try (Loopback net = new Loopback()) {
            AsynchronousSocketChannel client = net.client;
            Connection connection = new Connection(client, Duration.ofMillis(1));
            Into<Integer> stuck = new Into<>();
            connection.send(ByteBuffer.wrap(new byte[] {1}), null, stuck);

            connection.close();                            // the send's completion has not run
            assertFalse(stuck.future.isDone());
            assertFalse(client.isOpen(), "close() gave up waiting and closed the channel");
            assertTrue(connection.isClosed());

            net.completions.runNext();                         // the completion runs: the access ends
            assertTrue(stuck.future.isDone());
            assertTrue(net.peer.isOpen(), "only the client's side was closed");
        }
    }

    /**
     * A real loopback connection whose client's channel group hands completion handlers to
     * {@link HeldTasks}, so a send stays in flight until the test runs its completion.
     */
    private static final class Loopback implements AutoCloseable {
        final HeldTasks completions = new HeldTasks();
        final AsynchronousChannelGroup group;
        final AsynchronousServerSocketChannel server;
        final AsynchronousSocketChannel client;
        final AsynchronousSocketChannel peer;

        Loopback() throws Exception {
            group = AsynchronousChannelGroup.withThreadPool(completions);
            server = AsynchronousServerSocketChannel.open()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            client = AsynchronousSocketChannel.open(group);
            client.connect(server.getLocalAddress()).get(30, TimeUnit.SECONDS);
            peer = server.accept().get(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            try (server; peer) {
                group.shutdownNow();
            }
        }
    }
}
