package dev.quiesce.examples;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What is written today instead of a grace period: an in-flight counter that a sync waits to
 * see at zero. The README shows it to say why it is wrong; the tests here show the starvation.
 */
public final class OpenCodedGate {

    // @sample open-coded
    private final AtomicInteger inFlight = new AtomicInteger();

    void begin() { inFlight.incrementAndGet(); }                 // before channel.write(...)
    void end() {                                                 // in the completion handler
        if (inFlight.decrementAndGet() == 0) synchronized (this) { notifyAll(); }
    }
    synchronized void sync() throws InterruptedException {       // "wait for the writes in flight"
        while (inFlight.get() != 0) wait();
    }
    // @end

    /** The counter, for tests. */
    int inFlight() {
        return inFlight.get();
    }

    /** Creates the sample (JDK 18+ doclint asks for a documented constructor). */
    public OpenCodedGate() {
    }
}
