package dev.quiesce.imagecheck;

import dev.quiesce.Permit;
import dev.quiesce.ReadSection;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@code NoFlightRecorderImageTest} runs in a runtime image without {@code jdk.jfr}: a grace
 * period that waits for a section, a callback that throws (a report), and a kill that waits for a
 * permit. Outside {@code dev.quiesce} so that it loads from the class path while the library is a
 * named module. Exits 0 only if everything behaved.
 */
public final class ImageChild {

    private ImageChild() {
    }

    public static void main(String[] args) throws Exception {
        if (ModuleLayer.boot().findModule("jdk.jfr").isPresent()) {
            fail("jdk.jfr is in this runtime: the test would prove nothing");
        }
        AtomicInteger reports = new AtomicInteger();
        Srcu srcu = Srcu.builder().name("image").reportHandler(r -> reports.incrementAndGet()).build();
        ReadSection section = srcu.enter();
        CompletableFuture<Void> gp = srcu.synchronizeAsync();
        section.close();
        gp.get(60, TimeUnit.SECONDS);
        srcu.synchronize();
        srcu.callAfterGracePeriod(() -> {
            throw new IllegalStateException("expected: a report with no recorder");
        });
        srcu.barrier();
        if (reports.get() != 1) {
            fail("expected one report, got " + reports.get());
        }
        System.out.println(srcu.stats());
        System.out.println(srcu.dump());

        RwSemaphore sem = RwSemaphore.create("image");
        Permit permit = sem.acquireShared();
        Thread killer = new Thread(sem::kill, "killer");
        killer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!sem.isKilled()) {
            if (System.nanoTime() - deadline > 0) {
                fail("kill() never began");
            }
            Thread.onSpinWait();
        }
        System.out.println(sem.dump());
        permit.close();
        killer.join(TimeUnit.SECONDS.toMillis(60));
        if (killer.isAlive() || sem.tryAcquireShared() != null) {
            fail("kill() did not complete: " + sem);
        }
        System.out.println(sem.stats());
        System.out.println("ok");
    }

    private static void fail(String why) {
        System.out.println("FAIL: " + why);
        System.exit(3);
    }
}
