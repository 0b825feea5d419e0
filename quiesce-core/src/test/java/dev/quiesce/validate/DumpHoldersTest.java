package dev.quiesce.validate;

import dev.quiesce.Dump;
import dev.quiesce.Permit;
import dev.quiesce.ReadSection;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * With validation on, a dump lists each holder with the thread that holds it and its acquisition
 * stack (the validator's records, read only): a hung kill() whose permit a parked thread holds, and
 * an Srcu section handed off to no thread.
 */
class DumpHoldersTest {

    @Test
    @SuppressWarnings("try")     // the holder's permit is held for the block's sake, never read in it
    void aHungKillNamesItsHolderAndWhereItAcquired() throws Exception {
        RwSemaphore sem = RwSemaphore.create("hung-validated");
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try (Permit p = sem.acquireSharedUninterruptibly()) {
                holding.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "holder");
        holder.start();
        holding.await();
        Thread killer = new Thread(sem::kill, "killer");
        killer.start();
        Dump dump = awaitWaiters(sem::dump);
        String text = dump.toString();
        assertTrue(dump.holders().contains("held by thread \"holder\"; acquired at:"), text);
        assertTrue(dump.holders().contains("aHungKillNamesItsHolderAndWhereItAcquired"), text);
        assertTrue(dump.waiting().get(0).role().startsWith("kill()"), text);
        release.countDown();
        holder.join(TimeUnit.SECONDS.toMillis(30));
        killer.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(sem.isKilled() && !killer.isAlive(), sem::toString);
    }

    @Test
    void aDetachedSectionIsListedAsHeldByNoThread() throws Exception {
        Srcu srcu = Srcu.create("dumped");
        ReadSection detached;
        try (ReadSection s = srcu.enter()) {
            detached = s.detach();
        }
        Dump dump = srcu.dump();
        assertTrue(dump.summary().startsWith("1 read section(s) open"), dump::toString);
        assertTrue(dump.holders().contains("detached, held by no thread"), dump::toString);
        detached.attach();
        detached.close();
        srcu.synchronize();
    }

    private static Dump awaitWaiters(java.util.function.Supplier<Dump> dumps) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (;;) {
            Dump d = dumps.get();
            if (!d.waiting().isEmpty()) {
                return d;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("nobody waited: " + d);
            }
            Thread.yield();
        }
    }
}
