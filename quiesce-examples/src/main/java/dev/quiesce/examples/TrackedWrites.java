package dev.quiesce.examples;

import dev.quiesce.Srcu;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;

/**
 * The README's first sample: async writes tracked by an {@link Srcu} domain from the call that
 * starts them to their completion, and a sync that waits for exactly the writes already in flight.
 */
public final class TrackedWrites {

    // @sample track
    private final Srcu writes = Srcu.create("volume-writes");

    /** START here, on the caller's thread; END on the I/O completion thread, before the handler runs. */
    <A> void write(AsynchronousFileChannel channel, ByteBuffer buffer, long position,
                   A attachment, CompletionHandler<Integer, ? super A> handler) {
        writes.track((a, h) -> channel.write(buffer, position, a, h), attachment, handler);
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

    /** Creates the sample (JDK 18+ doclint asks for a documented constructor). */
    public TrackedWrites() {
    }
}
