package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.internal.Stripes;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two readers whose threads start in one counter cell do not share it for life (issue 12, target
 * 6): when one sees the other count in its cell, the table gets a new mapping of threads to cells,
 * and the two end in different cells. Before {@link Stripes} a thread's cell was a hash of its id
 * and nothing else, so such a pair pulled one cache line from each other on every section; with
 * {@code Stripes.contended} made a no-op every case here fails at the deadlock guard.
 *
 * <p>The pair: threads are created (not started) until two map to one cell of the table. They
 * race (begin and end sections, or take and release shared tokens) while the test computes both
 * cells from their ids until they differ; then the racers stop. Every section they ran must
 * have ended. (That they never meet again is not asserted: a racer preempted between its read
 * of a counter and its add, across a reshuffle, may see a change that was not a meeting.)
 */
@Timeout(120)
class CellCollisionTest {

    /** The read sides that count in striped cells. */
    enum Reader {
        /** {@code Srcu.readLock()} / {@code readUnlock(int)}. */
        SRCU_READ_LOCK,
        /** {@code Srcu.downRead()} / {@code upRead(int)}. */
        SRCU_DOWN_READ,
        /** An inflated {@code RwSemaphore}'s shared tokens: each owns a reader slot. */
        RWSEM_SLOTS,
        /** An inflated fenced semaphore (Revocable's): shared tokens count in the cells. */
        RWSEM_FENCED
    }

    @ParameterizedTest
    @EnumSource(Reader.class)
    @SuppressWarnings("deprecation")   // getId(): threadId() is Java 19+
    void twoReadersThatStartInOneCellMoveApart(Reader kind) throws Exception {
        boolean srcuKind = kind == Reader.SRCU_READ_LOCK || kind == Reader.SRCU_DOWN_READ;
        Srcu srcu = Srcu.create("collision-" + kind);
        RwSemaphore sem = kind == Reader.RWSEM_FENCED
                ? RwSemaphore.createFenced("collision-" + kind) : RwSemaphore.create("collision-" + kind);
        sem.inflate();
        long[] table = srcuKind ? srcu.counts : sem.readerCells();
        int cells = srcuKind ? srcu.cellCount() : ReaderCells.COUNT;
        int shift = Stripes.shift(cells);
        Runnable pair = switch (kind) {
            case SRCU_READ_LOCK -> () -> srcu.readUnlock(srcu.readLock());
            case SRCU_DOWN_READ -> () -> srcu.upRead(srcu.downRead());
            default -> () -> sem.releaseShared(sem.tryAcquireSharedToken());
        };

        AtomicBoolean stop = new AtomicBoolean();
        FutureTask<Void> raceA = new FutureTask<>(() -> race(pair, stop), null);
        FutureTask<Void> raceB = new FutureTask<>(() -> race(pair, stop), null);
        Thread a = new Thread(raceA, "racer-a");
        Thread b = new Thread(raceB, "racer-b");
        while (Stripes.cellOf(b.getId(), table, shift) != Stripes.cellOf(a.getId(), table, shift)) {
            b = new Thread(raceB, "racer-b");     // within a few tries: one in `cells` shares a's
        }
        int startCell = Stripes.cellOf(a.getId(), table, shift);
        long ia = a.getId();
        long ib = b.getId();
        a.setDaemon(true);
        b.setDaemon(true);
        a.start();
        b.start();
        try {
            Threads.await(() -> Stripes.cellOf(ia, table, shift) != Stripes.cellOf(ib, table, shift)
                            || raceA.isDone() || raceB.isDone(),
                    "two " + kind + " readers that started in cell " + startCell + " of " + cells + " to part");
        } finally {
            stop.set(true);
        }
        raceA.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);   // a racer's exception fails the test
        raceB.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        // Every section the racers ran has ended: counts were made and undone in whatever cells.
        if (srcuKind) {
            assertTrue(srcu.synchronize(Threads.GUARD_SECONDS, TimeUnit.SECONDS));
            srcu.close();
        } else {
            assertEquals(0L, sem.stats().sharedHolders());
            Permit w = sem.tryAcquireExclusive();
            assertNotNull(w, "a shared permit was left counted: " + sem);
            w.close();
        }
    }

    /** Runs pairs in batches until {@code stop}. */
    private static void race(Runnable pair, AtomicBoolean stop) {
        while (!stop.get()) {
            for (int k = 0; k < 1_000; k++) {
                pair.run();
            }
        }
    }
}
