package dev.quiesce.validate;

import dev.quiesce.internal.Tracker;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A JDK {@link Lock} that reports to the validator: its class joins the lock graph, its
 * acquisitions belong to the locking thread (as a JDK lock's do).
 */
final class TrackedLock implements Lock {

    private final Engine engine;
    private final Lock delegate;
    private final Object instance;                         // the lock, or its ReadWriteLock
    private final Object cls;
    private final int mode;
    private final boolean reentrant;

    TrackedLock(Engine engine, Lock delegate, Object instance, Object cls, int mode, boolean reentrant) {
        this.engine = engine;
        this.delegate = delegate;
        this.instance = instance;
        this.cls = cls;
        this.mode = mode;
        this.reentrant = reentrant;
    }

    /**
     * Checks order unless this is a re-entry the lock allows: a reentrant lock taken again in the
     * same or a weaker mode never waits (a read-to-write upgrade does, and is reported).
     */
    private void check() {
        int held = engine.heldMode(instance);
        if (held >= 0 && reentrant && !(held == Tracker.READ && mode == Tracker.WRITE)) {
            return;
        }
        engine.beforeAcquire(cls, instance, mode);
    }

    @Override
    public void lock() {
        check();
        delegate.lock();
        engine.tokenAcquired(cls, instance, mode);
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        check();
        delegate.lockInterruptibly();
        engine.tokenAcquired(cls, instance, mode);
    }

    @Override
    public boolean tryLock() {
        if (!delegate.tryLock()) {                         // a try never waits: no order to check
            return false;
        }
        engine.tokenAcquired(cls, instance, mode);
        return true;
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (time > 0) {                                    // a timeout <= 0 never waits: a try, no order to check
            check();
        }
        if (!delegate.tryLock(time, unit)) {
            return false;
        }
        engine.tokenAcquired(cls, instance, mode);
        return true;
    }

    @Override
    public void unlock() {
        delegate.unlock();
        engine.tokenReleased(instance, "unlock()");
    }

    @Override
    public Condition newCondition() {
        return delegate.newCondition();
    }

    static boolean isReentrant(Lock lock) {
        return lock instanceof ReentrantLock;
    }

    @Override
    public String toString() {
        return "tracked " + delegate;
    }
}
