package dev.quiesce.examples;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What is written today instead of a grace period: an in-flight counter that a sync waits to
 * see at zero. The README shows it to say why it is wrong; the tests here show the starvation.
 */
public final class OpenCodedGate {

    // @sample open-coded
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();

    void begin() { inFlight.incrementAndGet(); }            // before channel.write(...)

    void end() {                                            // in the completion handler
        if (inFlight.decrementAndGet() == 0) {
            synchronized (drained) { drained.notifyAll(); }
        }
    }

    void sync() throws InterruptedException {               // "wait for the writes in flight"
        synchronized (drained) {
            while (inFlight.get() != 0) drained.wait();
        }
    }
    // @end

    /** The counter, for tests. */
    int inFlight() {
        return inFlight.get();
    }
}
