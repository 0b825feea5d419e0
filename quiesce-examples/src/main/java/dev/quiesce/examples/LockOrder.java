package dev.quiesce.examples;

import dev.quiesce.Srcu;

/**
 * The validator sample of {@code docs/validation.md}: {@code inodes}-read then {@code journal}-sync on one thread,
 * later {@code journal}-read then {@code inodes}-sync on another. The threads never run at the
 * same time, so nothing deadlocks; with {@code -Ddev.quiesce.validate=true} the second thread's
 * {@code synchronize} is reported as a possible circular dependency.
 */
public final class LockOrder {

    static final Srcu INODES = Srcu.create("inodes");
    static final Srcu JOURNAL = Srcu.create("journal");

    private LockOrder() {
    }

    static void writeInode() {
        int t = INODES.readLock();
        try {
            JOURNAL.synchronizeUninterruptibly();
        } finally {
            INODES.readUnlock(t);
        }
    }

    static void commitJournal() {
        int t = JOURNAL.readLock();
        try {
            INODES.synchronizeUninterruptibly();
        } finally {
            JOURNAL.readUnlock(t);
        }
    }

    /**
     * Runs the two threads one after the other.
     *
     * @param args ignored
     * @throws InterruptedException if interrupted while joining them
     */
    public static void main(String[] args) throws InterruptedException {
        Thread writer = new Thread(LockOrder::writeInode, "writer");
        writer.start();
        writer.join();
        Thread committer = new Thread(LockOrder::commitJournal, "committer");
        committer.start();
        committer.join();
    }
}
