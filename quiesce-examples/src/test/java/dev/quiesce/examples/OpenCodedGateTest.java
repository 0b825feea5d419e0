package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.Srcu;

import org.junit.jupiter.api.Test;

/**
 * What the README says of the open-coded gate, shown: under overlapping writes its {@code sync()}
 * waits for writes that began after it, and goes on waiting as long as they keep coming, where
 * {@link Srcu#synchronize()} returns once the writes that began before it have ended.
 */
class OpenCodedGateTest {

    private static final int OVERLAPPING_WRITES = 50;

    @Test
    void aCounterSyncWaitsAsLongAsNewWritesKeepComing() throws InterruptedException {
        OpenCodedGate gate = new OpenCodedGate();
        gate.begin();                                  // write 0, in flight before the sync
        Thread sync = Parked.waiting("counter-sync", gate::sync);
        for (int i = 1; i <= OVERLAPPING_WRITES; i++) {
            gate.begin();                              // write i begins after the sync
            gate.end();                                // write i - 1 ends: the count never reaches 0
            assertTrue(sync.isAlive(),
                    "the counter's sync has not returned although write 0 ended " + i + " writes ago");
        }
        gate.end();                                    // the stream stops
        Parked.join(sync);
        assertEquals(0, gate.inFlight());
    }

    @Test
    void aGracePeriodWaitsOnlyForTheWritesThatBeganBeforeIt() throws InterruptedException {
        Srcu writes = Srcu.create("writes");
        int first = writes.downRead();                 // write 0, in flight before the sync
        Thread sync = Parked.waiting("grace-period", writes::synchronize);
        int later = writes.downRead();                 // write 1 begins after the sync ...
        writes.upRead(first);                          // ... and write 0 ends
        Parked.join(sync);                             // returns with write 1 still in flight
        writes.upRead(later);
        writes.close();
    }
}
