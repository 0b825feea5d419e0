package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;

/**
 * Footprint of an idle {@link RwSemaphore}, measured with JOL as the retained size of everything
 * reachable from it ({@code GraphLayout.totalSize()}). Counted: the semaphore and all it owns.
 * Not counted: a name string given to {@code create(String)}, subtracted below (a label that is
 * usually a shared constant); nothing else is subtracted.
 */
class FootprintTest {

    static final String NAME = "conn";

    @Test
    void idleSemaphoreOwnsAtMost32Bytes() {
        RwSemaphore s = RwSemaphore.create();
        long total = GraphLayout.parseInstance(s).totalSize();
        System.out.println(ClassLayout.parseInstance(s).toPrintable());
        System.out.println("idle RwSemaphore.create(): " + total + " bytes retained");
        assertTrue(total <= 32, "idle footprint " + total + " bytes > 32\n" + GraphLayout.parseInstance(s).toFootprint());
    }

    @Test
    void namedIdleSemaphoreOwnsAtMost32BytesBesidesItsName() {
        RwSemaphore s = RwSemaphore.create(NAME);
        long total = GraphLayout.parseInstance(s).totalSize() - GraphLayout.parseInstance(NAME).totalSize();
        System.out.println("idle RwSemaphore.create(NAME), name not counted: " + total + " bytes");
        assertTrue(total <= 32, "named idle footprint " + total + " bytes > 32");
    }

    @Test
    void semaphoreStaysSmallAfterUseWithoutContention() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        s.acquireShared().close();
        s.acquireExclusive().downgrade().close();
        long total = GraphLayout.parseInstance(s).totalSize();
        assertTrue(total <= 32, "uncontended use allocated auxiliary state: " + total + " bytes");
    }

    /** Reports (does not bound) what queueing and inflation add; they are never given back. */
    @Test
    void queueingAndInflationCostsAreReported() throws Exception {
        RwSemaphore s = RwSemaphore.create();
        Permit w = s.acquireExclusive();
        java.util.concurrent.CompletableFuture<Permit> queued = s.acquireSharedAsync();
        w.close();
        queued.join().close();
        long afterQueue = GraphLayout.parseInstance(s).totalSize();
        s.inflate();
        long afterInflation = GraphLayout.parseInstance(s).totalSize();
        System.out.println("RwSemaphore after queueing once: " + afterQueue + " bytes; inflated: "
                + afterInflation + " bytes");
        assertTrue(afterQueue > 32 && afterInflation > afterQueue);
    }

    @Test
    void permitIsSmall() {
        Permit p = RwSemaphore.create().tryAcquireShared();
        long own = ClassLayout.parseInstance(p).instanceSize();
        System.out.println("Permit: " + own + " bytes");
        assertTrue(own <= 24, "permit " + own + " bytes");
        p.close();
    }
}
