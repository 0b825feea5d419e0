package dev.quiesce.jmh;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The peer that people write instead of a primitive: an {@link AtomicInteger} in-flight count
 * and a {@link CountDownLatch} that the last operation opens once the gate is closed — written
 * carefully (a compare-and-set loop, so no operation enters after {@link #close()} has begun),
 * which is the best case for this scheme, not the usual one.
 *
 * <p>{@link #tryEnter()} may be paired with {@link #exit()} on any thread; {@link #close()} is
 * permanent, like {@code RwSemaphore.kill()}, and waits for every operation that entered.
 * There is no grace period (nothing waits for <em>older</em> operations only) and no writer that
 * can leave again: this is the {@code kill()} / {@code revoke()} shape only.
 */
final class OpenCodedGate {

    /*
     * Implementation notes.
     *
     * `count` is the number of operations in flight, plus CLOSED (Integer.MIN_VALUE) once
     * close() has begun: non-negative means open, negative means closed, and exactly CLOSED means
     * closed with nothing in flight. The operation whose exit moves it to CLOSED, or close()
     * itself when it finds 0, counts the latch down. The atomic read-modify-writes are volatile,
     * so an exit's effects happen-before the countDown, which happens-before await() returns.
     */

    private static final int CLOSED = Integer.MIN_VALUE;

    private final AtomicInteger count = new AtomicInteger();
    private final CountDownLatch drained = new CountDownLatch(1);

    /**
     * Enters unless closed.
     *
     * @return false once {@link #close()} has begun
     */
    boolean tryEnter() {
        for (int c = count.get(); c >= 0; c = count.get()) {
            if (count.compareAndSet(c, c + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Leaves, on any thread; the last one out after a close opens the latch. */
    void exit() {
        if (count.decrementAndGet() == CLOSED) {
            drained.countDown();
        }
    }

    /** Whether {@link #close()} has begun. */
    boolean isClosed() {
        return count.get() < 0;
    }

    /** Closes for good, then waits for every operation that entered. Call once. */
    void close() {
        if (count.getAndAdd(CLOSED) == 0) {
            drained.countDown();
        }
        boolean interrupted = false;
        while (true) {
            try {
                drained.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
