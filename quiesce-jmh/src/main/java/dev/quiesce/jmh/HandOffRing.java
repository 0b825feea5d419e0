package dev.quiesce.jmh;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer single-consumer ring that carries read sections from the thread that
 * began them to the thread that ends them, in {@link HandOffBenchmark}. Every slot has room for a
 * {@code long} token <em>and</em> a handle, and every peer writes and reads both, so the queue
 * costs every peer the same whether its section is a token ({@code Srcu.downRead}) or an object
 * ({@code Permit}, {@code OpOrder.Group}). Tokens are not boxed: the allocation that
 * {@code -prof gc} reports is the peer's own.
 *
 * <p>Not a general queue: one producer thread, one consumer thread, and the producer calls
 * {@link #hasRoom()} before {@link #put} (a section is begun only when there is room for it).
 */
final class HandOffRing {

    /*
     * Implementation notes.
     *
     * Lamport's ring with cached indices (as JCTools' SpscArrayQueue): the producer owns `tail`
     * and caches the consumer's `head`; the consumer owns `head` and caches `tail`. The producer
     * writes the slot, then publishes tail with a release store; the consumer reads tail with an
     * acquire load before it reads the slot, so it sees the slot's contents. Symmetrically the
     * consumer clears the handle, then publishes head with a release store; the producer reads head
     * with acquire before reusing the slot. Each index sits in its own padded holder so that the
     * two threads do not write one cache line.
     */

    static final int CAPACITY = 1024;
    private static final int MASK = CAPACITY - 1;

    private final long[] tokens = new long[CAPACITY];
    private final Object[] handles = new Object[CAPACITY];
    private final ProducerSide producer = new ProducerSide();
    private final ConsumerSide consumer = new ConsumerSide();

    /** Left padding of an index holder: 56 bytes before the hot fields. */
    @SuppressWarnings("unused")
    abstract static class PadLeft {
        long p01, p02, p03, p04, p05, p06, p07;
    }

    /** The producer's index and its cache of the consumer's. */
    static final class ProducerSide extends PadLeft {
        volatile long tail;
        long headCache;
        @SuppressWarnings("unused")
        long q01, q02, q03, q04, q05, q06, q07;
    }

    /** The consumer's index and its cache of the producer's. */
    static final class ConsumerSide extends PadLeft {
        volatile long head;
        long tailCache;
        @SuppressWarnings("unused")
        long q01, q02, q03, q04, q05, q06, q07;
    }

    /** Producer: whether a slot is free now. */
    boolean hasRoom() {
        ProducerSide p = producer;
        long t = (long) TAIL.getOpaque(p);
        if (t - p.headCache < CAPACITY) {
            return true;
        }
        p.headCache = (long) HEAD.getAcquire(consumer);
        return t - p.headCache < CAPACITY;
    }

    /** Producer: fills the next slot; {@link #hasRoom()} must have returned true. */
    void put(long token, Object handle) {
        ProducerSide p = producer;
        long t = (long) TAIL.getOpaque(p);
        int i = (int) t & MASK;
        tokens[i] = token;
        handles[i] = handle;
        TAIL.setRelease(p, t + 1);
    }

    /** Consumer: whether a slot is filled now. */
    boolean hasItem() {
        ConsumerSide c = consumer;
        long h = (long) HEAD.getOpaque(c);
        if (h < c.tailCache) {
            return true;
        }
        c.tailCache = (long) TAIL.getAcquire(producer);
        return h < c.tailCache;
    }

    /** Consumer: ends the oldest section through {@code peer}; {@link #hasItem()} must have returned true. */
    void take(ReadSidePeer peer) {
        ConsumerSide c = consumer;
        long h = (long) HEAD.getOpaque(c);
        int i = (int) h & MASK;
        long token = tokens[i];
        Object handle = handles[i];
        handles[i] = null;
        HEAD.setRelease(c, h + 1);
        peer.end(token, handle);
    }

    private static final VarHandle TAIL;
    private static final VarHandle HEAD;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TAIL = l.findVarHandle(ProducerSide.class, "tail", long.class);
            HEAD = l.findVarHandle(ConsumerSide.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
