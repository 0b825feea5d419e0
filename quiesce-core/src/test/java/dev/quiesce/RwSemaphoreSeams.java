package dev.quiesce;

/**
 * What the RwSemaphore tests need to see or provoke inside a semaphore, written with its
 * package-private production parts (its reader cells) rather than hooks in the public class.
 */
final class RwSemaphoreSeams {

    private RwSemaphoreSeams() {
    }

    /**
     * Whether {@code s} has inflated: its reader cells exist (inflate() creates them and sets
     * INFLATED right after; neither is ever undone, so this stays true once the semaphore is dead,
     * where its toString() says only "dead").
     */
    static boolean isInflated(RwSemaphore s) {
        return s.readerCells() != null;
    }

    /**
     * Releases a shared token whose permit owns a slot as a release whose read of the state
     * missed WRITER_WAITING or KILLING would: the slot is freed (ReaderCells.release, the
     * production path) and no one is signalled. Returns false, changing nothing, if the token's
     * permit owns no slot (a word or counter token, or no cells yet).
     */
    static boolean releaseSlotUnsignalled(RwSemaphore s, long token) {
        long[] cells = s.readerCells();
        long where = token - 2;
        if (cells == null || !ReaderCells.isPlace(where) || !ReaderCells.isSlot((int) where)) {
            return false;
        }
        return ReaderCells.release(cells, (int) where);
    }
}
