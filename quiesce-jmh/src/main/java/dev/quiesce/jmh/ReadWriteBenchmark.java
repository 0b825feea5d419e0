package dev.quiesce.jmh;

import com.ibm.asyncutil.locks.AsyncReadWriteLock;
import dev.quiesce.Permit;
import dev.quiesce.RwSemaphore;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Writer fencing readers, and a 95/5 read/write mix: {@link RwSemaphore} against
 * {@link ReentrantReadWriteLock}, {@link StampedLock} and IBM asyncutil's
 * {@code AsyncReadWriteLock}, with a {@code @Param} over implementations.
 *
 * <p>Every operation takes the lock the way a caller that must not fail does — waiting when it
 * must — and reads or increments one shared field under it, so the writer's exclusion is real:
 * <table class="striped">
 * <caption>Implementations ({@code impl})</caption>
 * <tr><th>impl</th><th>read</th><th>write</th></tr>
 * <tr><td>{@code rwsem}</td><td>{@code acquireSharedUninterruptibly()} … {@code close()}</td>
 *     <td>{@code acquireExclusiveUninterruptibly()} … {@code close()}</td></tr>
 * <tr><td>{@code rrwl}</td><td>{@code readLock().lock()} … {@code unlock()} (non-fair)</td>
 *     <td>{@code writeLock().lock()} … {@code unlock()}</td></tr>
 * <tr><td>{@code rrwl-fair}</td><td>the same on {@code new ReentrantReadWriteLock(true)}</td>
 *     <td>the same</td></tr>
 * <tr><td>{@code stamped}</td><td>{@code readLock()} … {@code unlockRead}</td>
 *     <td>{@code writeLock()} … {@code unlockWrite}</td></tr>
 * <tr><td>{@code async-rwlock}</td><td>{@code tryReadLock()}, else {@code acquireReadLock()} and
 *     wait for it ({@code join}); … {@code releaseLock()}</td><td>the same with the write lock</td></tr>
 * </table>
 *
 * <p>Two groups of two threads each (this machine has two cores; a 3 : 1 group would time-slice
 * and measure the scheduler):
 * <ul>
 * <li>{@code fence}: one thread only reads ({@code fenceReader}), the other only writes
 *     ({@code fenceWriter}): every write must fence the reader out and wait for its section to
 *     end. The writer's score is how many times per µs it fenced the readers; the reader's score
 *     shows what the writer's policy leaves to readers (a writer-favouring, phase-fair semaphore
 *     lets them alternate; a lock that lets one side barge can starve the other).</li>
 * <li>{@code mix}: one thread only reads ({@code mixReader}), the other ({@code mixMixed}) writes
 *     one operation in ten: 5 % writes overall when both threads are equally fast (the scores
 *     show the real split). This is the 95/5 mix of {@link RwSemaphoreBenchmark}, with the
 *     asyncutil lock added and the implementations behind one {@code @Param}.</li>
 * </ul>
 * Do not pass {@code -t}: the groups set their own threads. Throughput in ops/µs per method.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReadWriteBenchmark {

    /** The mixed thread writes once every this many operations: 10 % of its operations. */
    static final int WRITE_EVERY = 10;

    /** The lock of a group and the field it guards. */
    @State(Scope.Group)
    public static class Shared {
        /** Which implementation. */
        @Param({"rwsem", "rrwl", "rrwl-fair", "stamped", "async-rwlock"})
        public String impl;

        RwPeer peer;

        /** Creates the lock. */
        @Setup(Level.Trial)
        public void setUp() {
            switch (impl) {
                case "rwsem": peer = new Rwsem(); break;
                case "rrwl": peer = new Rrwl(false); break;
                case "rrwl-fair": peer = new Rrwl(true); break;
                case "stamped": peer = new Stamped(); break;
                case "async-rwlock": peer = new AsyncRw(); break;
                default: throw new IllegalArgumentException("unknown impl '" + impl + "'");
            }
        }
    }

    /** The mixed thread's operation counter. */
    @State(Scope.Thread)
    public static class Turn {
        int n;

        boolean write() {
            if (++n == WRITE_EVERY) {
                n = 0;
                return true;
            }
            return false;
        }
    }

    /**
     * Reads under the shared lock, again and again.
     *
     * @param s the group's lock
     * @return the value read
     */
    @Benchmark
    @Group("fence")
    @GroupThreads(1)
    public long fenceReader(Shared s) {
        return s.peer.read();
    }

    /**
     * Writes under the exclusive lock, again and again: each write fences the reader.
     *
     * @param s the group's lock
     * @return the value written
     */
    @Benchmark
    @Group("fence")
    @GroupThreads(1)
    public long fenceWriter(Shared s) {
        return s.peer.write();
    }

    /**
     * Reads under the shared lock, again and again.
     *
     * @param s the group's lock
     * @return the value read
     */
    @Benchmark
    @Group("mix")
    @GroupThreads(1)
    public long mixReader(Shared s) {
        return s.peer.read();
    }

    /**
     * Writes one operation in {@link #WRITE_EVERY}, reads otherwise.
     *
     * @param s the group's lock
     * @param t this thread's counter
     * @return the value read or written
     */
    @Benchmark
    @Group("mix")
    @GroupThreads(1)
    public long mixMixed(Shared s, Turn t) {
        return t.write() ? s.peer.write() : s.peer.read();
    }

    /** A reader–writer lock, blocking forms, guarding {@link #data}. */
    abstract static class RwPeer {
        long data;

        /** Reads {@link #data} under the shared side. */
        abstract long read();

        /** Increments {@link #data} under the exclusive side. */
        abstract long write();
    }

    static final class Rwsem extends RwPeer {
        final RwSemaphore sem = RwSemaphore.create("jmh-rw");

        @Override long read() {
            Permit p = sem.acquireSharedUninterruptibly();
            long v = data;
            p.close();
            return v;
        }

        @Override long write() {
            Permit p = sem.acquireExclusiveUninterruptibly();
            long v = ++data;
            p.close();
            return v;
        }
    }

    static final class Rrwl extends RwPeer {
        final Lock r;
        final Lock w;

        Rrwl(boolean fair) {
            ReentrantReadWriteLock l = new ReentrantReadWriteLock(fair);
            r = l.readLock();
            w = l.writeLock();
        }

        @Override long read() {
            r.lock();
            try {
                return data;
            } finally {
                r.unlock();
            }
        }

        @Override long write() {
            w.lock();
            try {
                return ++data;
            } finally {
                w.unlock();
            }
        }
    }

    static final class Stamped extends RwPeer {
        final StampedLock lock = new StampedLock();

        @Override long read() {
            long s = lock.readLock();
            try {
                return data;
            } finally {
                lock.unlockRead(s);
            }
        }

        @Override long write() {
            long s = lock.writeLock();
            try {
                return ++data;
            } finally {
                lock.unlockWrite(s);
            }
        }
    }

    static final class AsyncRw extends RwPeer {
        final AsyncReadWriteLock lock = AsyncReadWriteLock.create();

        @Override long read() {
            Optional<AsyncReadWriteLock.ReadLockToken> now = lock.tryReadLock();
            AsyncReadWriteLock.ReadLockToken t = now.isPresent() ? now.get()
                    : lock.acquireReadLock().toCompletableFuture().join();
            try {
                return data;
            } finally {
                t.releaseLock();
            }
        }

        @Override long write() {
            Optional<AsyncReadWriteLock.WriteLockToken> now = lock.tryWriteLock();
            AsyncReadWriteLock.WriteLockToken t = now.isPresent() ? now.get()
                    : lock.acquireWriteLock().toCompletableFuture().join();
            try {
                return ++data;
            } finally {
                t.releaseLock();
            }
        }
    }
}
