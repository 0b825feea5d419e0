package dev.quiesce.examples;

import dev.quiesce.RwSemaphore;

import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * The integrations page's lock-view sample: settings guarded the way code written for
 * {@code ReentrantReadWriteLock} guards them, on a semaphore that can also be killed.
 */
public final class LockView {

    /** Creates empty settings. */
    public LockView() {
    }

    // @sample lock-view
    private final RwSemaphore lifecycle = RwSemaphore.create("settings");
    private final ReadWriteLock lock = lifecycle.asReadWriteLock();   // for code that takes a ReadWriteLock
    private Map<String, String> values = Map.of();

    String get(String key) {
        lock.readLock().lock();              // fails with IllegalStateException once closed
        try {
            return values.get(key);
        } finally {
            lock.readLock().unlock();        // on the thread that locked, as with ReentrantReadWriteLock
        }
    }

    void reload(Map<String, String> fresh) {
        lock.writeLock().lock();
        try {
            values = Map.copyOf(fresh);
        } finally {
            lock.writeLock().unlock();
        }
    }

    void close() {
        lifecycle.kill();                    // waits for every get() in progress; none starts after
    }
    // @end

    /** The semaphore, for tests. */
    RwSemaphore lifecycle() {
        return lifecycle;
    }
}
