package dev.quiesce.examples;

import dev.quiesce.Srcu;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;

/**
 * The README's first sample: async writes tracked by an {@link Srcu} domain from the call that
 * starts them to their completion, and a sync that waits for the writes already in flight (a write
 * that starts during the wait may be waited for too).
 */
public final class TrackedWrites {

    /** Creates the writes' domain. */
    public TrackedWrites() {
    }

    // @sample track
    private final Srcu writes = Srcu.create("volume-writes");

    /** START here, on the caller's thread; END on the I/O completion thread, before the handler runs. */
    <A> void write(AsynchronousFileChannel channel, ByteBuffer buffer, long position,
                   A attachment, CompletionHandler<Integer, ? super A> handler) {
        writes.track((a, h) -> channel.write(buffer, position, a, h), attachment, handler);
    }

    /** Waits for every write already in flight (then force the channel, if durability is the aim). */
    void awaitWritesInFlight() throws InterruptedException {
        writes.synchronize();   // writes keep starting meanwhile; no stream of them can hold this up for ever
    }
    // @end

    /** The domain, for tests. */
    Srcu domain() {
        return writes;
    }
}
