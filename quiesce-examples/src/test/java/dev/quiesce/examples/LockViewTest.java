package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.Test;

/** The lock-view sample: reads and reloads, and a close that waits for a read in progress. */
class LockViewTest {

    @Test
    void readsSeeReloadsAndCloseWaitsForAReadInProgress() throws Exception {
        LockView settings = new LockView();
        settings.reload(Map.of("mode", "fast"));
        assertEquals("fast", settings.get("mode"));

        ReadWriteLock view = settings.lifecycle().asReadWriteLock();
        view.readLock().lock();                                  // a read in progress
        Thread closer = new Thread(settings::close, "closer");
        closer.start();
        while (!settings.lifecycle().isKilled()) {
            Thread.onSpinWait();                                 // kill() has begun
        }
        assertThrows(IllegalStateException.class, () -> settings.get("mode"), "a read started after close()");
        Thread.State state;
        while ((state = closer.getState()) != Thread.State.WAITING && state != Thread.State.TIMED_WAITING
                && state != Thread.State.TERMINATED) {
            Thread.onSpinWait();                                 // until kill() waits, or has returned
        }
        assertTrue(closer.isAlive(), "close() returned while a read was in progress");
        view.readLock().unlock();
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(closer.isAlive(), "close() never returned");
    }
}
