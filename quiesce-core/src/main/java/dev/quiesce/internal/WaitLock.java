package dev.quiesce.internal;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ReentrantLock} that tells which threads wait on one of its conditions, for a primitive's
 * dump ({@code Srcu.dump()}): the JDK keeps that query protected. Taking the lock to ask is the only
 * cost, paid by the dump alone.
 */
public final class WaitLock extends ReentrantLock {

    private static final long serialVersionUID = 1L;

    /** Creates a non-fair lock. */
    public WaitLock() {
    }

    /**
     * Returns the threads waiting on {@code condition}, a best-effort snapshot as
     * {@link ReentrantLock#getWaitingThreads(Condition)}.
     *
     * @param condition a condition of this lock
     * @return the waiting threads
     */
    public Collection<Thread> waitingOn(Condition condition) {
        lock();
        try {
            return List.copyOf(getWaitingThreads(condition));
        } finally {
            unlock();
        }
    }
}
