package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.BooleanSupplier;
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
        awaitUntil(() -> settings.lifecycle().stats().waitingKillers() == 1, "close() waits in kill()");
        assertThrows(IllegalStateException.class, () -> settings.get("mode"), "a read started after close()");
        assertTrue(closer.isAlive(), "close() returned while a read was in progress");
        view.readLock().unlock();
        closer.join(TimeUnit.SECONDS.toMillis(30));              // a deadlock guard
        assertFalse(closer.isAlive(), "close() never returned");
    }

    /** Polls {@code condition}, yielding, until it holds; fails after a generous deadlock guard. */
    private static void awaitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out (deadlock guard) waiting until " + what);
            }
            Thread.yield();
        }
    }
}
