package dev.quiesce.jmh;

import dev.quiesce.Permit;
import dev.quiesce.RwSemaphore;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link RwSemaphore} against the JDK primitives people use instead — {@link ReentrantReadWriteLock},
 * {@link StampedLock}, {@link Semaphore} — in the same run: the shared side (one acquire + release
 * per operation), the exclusive side uncontended, and a 95/5 read/write mix.
 *
 * <p>Measured (ops/µs = millions of operations per second, summed over all benchmark threads):
 * <table class="striped">
 * <caption>Benchmark methods</caption>
 * <tr><th>method</th><th>one operation</th></tr>
 * <tr><td>{@code rwsemTryPermit}</td><td>{@code tryAcquireShared().close()}: the {@link Permit}
 *     form that never waits; allocates the permit unless escape analysis removes it</td></tr>
 * <tr><td>{@code rwsemAcquirePermit}</td><td>{@code acquireShared().close()}: the blocking
 *     {@link Permit} form (never blocks here: no writer)</td></tr>
 * <tr><td>{@code rwsemToken}</td><td>{@code releaseShared(tryAcquireSharedToken())}: the
 *     allocation-free {@code long} form</td></tr>
 * <tr><td>{@code rwlRead}</td><td>{@link ReentrantReadWriteLock} read lock, lock + unlock</td></tr>
 * <tr><td>{@code stampedRead}</td><td>{@link StampedLock#readLock()} + {@code unlockRead}</td></tr>
 * <tr><td>{@code semaphore}</td><td>{@link Semaphore#acquire()} + {@code release()} with plenty of
 *     permits (never blocks: the cost of the shared word)</td></tr>
 * <tr><td>{@code rwsemExclusive}, {@code rwsemTryExclusive}</td><td>{@code acquireExclusive().close()},
 *     {@code tryAcquireExclusive().close()} — run at {@code -t 1}: the uncontended exclusive path</td></tr>
 * <tr><td>{@code rwsemExclusiveToken}</td><td>{@code releaseExclusive(tryAcquireExclusiveToken())}:
 *     the allocation-free exclusive form, at {@code -t 1}</td></tr>
 * <tr><td>{@code rwlWrite}, {@code stampedWrite}</td><td>the JDK write locks, lock + unlock</td></tr>
 * <tr><td>group {@code mixRwsem}, {@code mixRwl}, {@code mixStamped}</td><td>95/5 mix, see below</td></tr>
 * </table>
 *
 * <p><b>Shared side and inflation.</b> All state is {@link Scope#Benchmark}: with {@code -t N} the N
 * threads share one semaphore and contend. The {@code rwsem…} shared methods take {@link Sem}, whose
 * {@code @Param inflated} selects a fresh semaphore ({@code false}: shared permits counted in its
 * state word until two readers' CASes collide, which inflates it on its own) or one inflated before
 * the trial ({@code true}: two threads hammer {@code tryAcquireSharedToken()} until a collision
 * inflates it; the API has no public inflate). At the end of each trial the state prints whether
 * the semaphore is inflated and which reader cell each benchmark thread starts in (the semaphore
 * picks the cell from a hash of the thread id and remaps its readers when two meet in one cell;
 * {@code CellCollisionBenchmark} measures two threads that start in one cell). The JDK methods take no {@code @Param}, so they run once per thread count.
 * Run at {@code -t 1}, {@code 2}, {@code 4} with {@code -prof gc}: {@code gc.alloc.rate.norm} (bytes
 * per operation) shows whether the {@code Permit} of the one-method forms is scalar-replaced
 * (≈ 0 B/op) or allocated (24 B/op: one {@code Permit} with compressed references); the token
 * form must show 0.
 *
 * <p><b>Exclusive side.</b> Uncontended only: run the {@code …Exclusive}/{@code …Write} methods and
 * {@code rwsemExclusiveToken} at {@code -t 1} (with more threads they contend, and measure hand-off,
 * not the fast path). {@link Excl}'s {@code @Param exclusiveInflated} runs them on a semaphore that
 * never inflated and on one inflated before the trial. With {@code -prof gc} all of them show ≈ 0 B/op on HotSpot 17: the exclusive
 * permit's {@code close()} makes no compare-and-set on the permit itself (the semaphore's CAS on the
 * grant's stamp decides), so escape analysis removes the {@code Permit} of a one-method section. The
 * shared {@code Permit}'s close does CAS the permit, which keeps it allocated (24 B/op).
 *
 * <p><b>95/5 mix.</b> One {@code @Group} per implementation with two threads, because this machine
 * has two cores (a 3 : 1 group would time-slice and measure the scheduler): one thread only reads
 * ({@code reader}), the other ({@code mixed}) does one write in ten operations. With the two threads
 * equally fast that is 5 % writes overall; the per-method scores show the actual split. Every
 * operation blocks when it must ({@code acquireSharedUninterruptibly}, {@code lock}, {@code readLock}),
 * and reads/writes one shared field under the lock, so the writer's effect is real. Do not pass
 * {@code -t} to the group methods.
 *
 * <p>Separate {@code @Benchmark} methods rather than a {@code @Param} over implementations: each
 * is compiled on its own with no interface call between JMH's loop and the primitive. The
 * {@code Permit} methods return nothing on purpose: handing the permit to JMH would make it escape.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RwSemaphoreBenchmark {

    /** The semaphore of the shared-side methods; see the class Javadoc for {@code inflated}. */
    @State(Scope.Benchmark)
    public static class Sem {
        /** Whether the semaphore is inflated before the trial. */
        @Param({"false", "true"})
        public boolean inflated;

        RwSemaphore sem;

        /**
         * Creates the semaphore and, if asked, inflates it by reader contention.
         *
         * @throws InterruptedException never in practice
         */
        @Setup(Level.Trial)
        public void setUp() throws InterruptedException {
            sem = semaphore("jmh-shared", inflated);
        }

        /** Prints whether the semaphore ended the trial inflated (it may inflate on its own). */
        @TearDown(Level.Trial)
        public void report() {
            System.out.println();
            System.out.println("# state at end of trial: " + sem + " (inflated param: " + inflated + ")");
        }
    }

    /** Prints the reader cell of each benchmark thread (the semaphore's hash, recomputed). */
    @State(Scope.Thread)
    public static class ThreadCell {
        /** Records this thread's cell. */
        @Setup(Level.Trial)
        public void setUp() {
            System.out.println();
            System.out.println("# thread " + Thread.currentThread().getName() + " -> reader cell "
                    + cellOf(Thread.currentThread()) + " of " + cellCount());
        }
    }

    /** The JDK peers, shared by all benchmark threads. */
    @State(Scope.Benchmark)
    public static class Jdk {
        final Lock rwlRead;
        final Lock rwlWrite;
        final StampedLock stamped = new StampedLock();
        /** Far more permits than threads: acquire never blocks, only the shared word is measured. */
        final Semaphore semaphore = new Semaphore(1 << 20);

        /** Creates the locks. */
        public Jdk() {
            ReentrantReadWriteLock rwl = new ReentrantReadWriteLock();
            rwlRead = rwl.readLock();
            rwlWrite = rwl.writeLock();
        }
    }

    /**
     * The semaphore of the exclusive-side methods: never inflated ({@code exclusiveInflated =
     * false}, the case the exclusive fast path is for), or inflated by reader contention before
     * the trial ({@code true}: the exclusive acquire then sums the reader cells).
     */
    @State(Scope.Benchmark)
    public static class Excl {
        /** Whether the semaphore is inflated before the trial. */
        @Param({"false", "true"})
        public boolean exclusiveInflated;

        RwSemaphore sem;

        /**
         * Creates the semaphore and, if asked, inflates it by reader contention.
         *
         * @throws InterruptedException never in practice
         */
        @Setup(Level.Trial)
        public void setUp() throws InterruptedException {
            sem = semaphore("jmh-exclusive", exclusiveInflated);
        }
    }

    /** Shared state of the 95/5 groups: one of each primitive and the field they guard. */
    @State(Scope.Group)
    public static class Mix {
        final RwSemaphore sem = RwSemaphore.create("jmh-mix");
        final ReentrantReadWriteLock rwl = new ReentrantReadWriteLock();
        final StampedLock stamped = new StampedLock();
        long data;

        /** Prints the semaphore's state after the trial. */
        @TearDown(Level.Trial)
        public void report() {
            System.out.println();
            System.out.println("# mix state at end of trial: " + sem);
        }
    }

    /** Per-thread operation counter of the mixed thread: one write in {@link #WRITE_EVERY}. */
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

    /** The mixed thread writes once every this many operations: 10 % of its operations. */
    static final int WRITE_EVERY = 10;

    // ------------------------------------------------------------------------------------------
    // Shared side

    /** {@code tryAcquireShared()} then {@code close()}. */
    @Benchmark
    public void rwsemTryPermit(Sem s, ThreadCell c) {
        Permit p = s.sem.tryAcquireShared();
        p.close();
    }

    /**
     * {@code acquireShared()} then {@code close()}.
     *
     * @throws InterruptedException never in practice: nobody interrupts benchmark threads
     */
    @Benchmark
    public void rwsemAcquirePermit(Sem s, ThreadCell c) throws InterruptedException {
        Permit p = s.sem.acquireShared();
        p.close();
    }

    /** {@code tryAcquireSharedToken()} then {@code releaseShared(token)}. */
    @Benchmark
    public long rwsemToken(Sem s, ThreadCell c) {
        long token = s.sem.tryAcquireSharedToken();
        s.sem.releaseShared(token);
        return token;
    }

    /** {@code ReentrantReadWriteLock} read lock: lock then unlock. */
    @Benchmark
    public void rwlRead(Jdk j) {
        j.rwlRead.lock();
        j.rwlRead.unlock();
    }

    /** {@code StampedLock.readLock()} then {@code unlockRead(stamp)}. */
    @Benchmark
    public long stampedRead(Jdk j) {
        long stamp = j.stamped.readLock();
        j.stamped.unlockRead(stamp);
        return stamp;
    }

    /**
     * {@code Semaphore.acquire()} then {@code release()}; never blocks.
     *
     * @throws InterruptedException never in practice
     */
    @Benchmark
    public void semaphore(Jdk j) throws InterruptedException {
        j.semaphore.acquire();
        j.semaphore.release();
    }

    // ------------------------------------------------------------------------------------------
    // Exclusive side (run at -t 1)

    /**
     * {@code acquireExclusive()} then {@code close()}.
     *
     * @throws InterruptedException never in practice
     */
    @Benchmark
    public void rwsemExclusive(Excl e) throws InterruptedException {
        Permit p = e.sem.acquireExclusive();
        p.close();
    }

    /** {@code tryAcquireExclusive()} then {@code close()}. */
    @Benchmark
    public void rwsemTryExclusive(Excl e) {
        Permit p = e.sem.tryAcquireExclusive();
        p.close();
    }

    /** {@code tryAcquireExclusiveToken()} then {@code releaseExclusive(token)}. */
    @Benchmark
    public long rwsemExclusiveToken(Excl e) {
        long token = e.sem.tryAcquireExclusiveToken();
        e.sem.releaseExclusive(token);
        return token;
    }

    /** {@code ReentrantReadWriteLock} write lock: lock then unlock. */
    @Benchmark
    public void rwlWrite(Jdk j) {
        j.rwlWrite.lock();
        j.rwlWrite.unlock();
    }

    /** {@code StampedLock.writeLock()} then {@code unlockWrite(stamp)}. */
    @Benchmark
    public long stampedWrite(Jdk j) {
        long stamp = j.stamped.writeLock();
        j.stamped.unlockWrite(stamp);
        return stamp;
    }

    // ------------------------------------------------------------------------------------------
    // 95/5 mix: one reader thread + one thread writing one operation in ten

    /** Reader of the RwSemaphore group. */
    @Benchmark
    @Group("mixRwsem")
    @GroupThreads(1)
    public long mixRwsemReader(Mix m) {
        return readRwsem(m);
    }

    /** Mixed thread of the RwSemaphore group. */
    @Benchmark
    @Group("mixRwsem")
    @GroupThreads(1)
    public long mixRwsemMixed(Mix m, Turn t) {
        if (t.write()) {
            Permit p = m.sem.acquireExclusiveUninterruptibly();
            long v = ++m.data;
            p.close();
            return v;
        }
        return readRwsem(m);
    }

    private static long readRwsem(Mix m) {
        Permit p = m.sem.acquireSharedUninterruptibly();
        long v = m.data;
        p.close();
        return v;
    }

    /** Reader of the ReentrantReadWriteLock group. */
    @Benchmark
    @Group("mixRwl")
    @GroupThreads(1)
    public long mixRwlReader(Mix m) {
        return readRwl(m);
    }

    /** Mixed thread of the ReentrantReadWriteLock group. */
    @Benchmark
    @Group("mixRwl")
    @GroupThreads(1)
    public long mixRwlMixed(Mix m, Turn t) {
        if (t.write()) {
            Lock w = m.rwl.writeLock();
            w.lock();
            try {
                return ++m.data;
            } finally {
                w.unlock();
            }
        }
        return readRwl(m);
    }

    private static long readRwl(Mix m) {
        Lock r = m.rwl.readLock();
        r.lock();
        try {
            return m.data;
        } finally {
            r.unlock();
        }
    }

    /** Reader of the StampedLock group. */
    @Benchmark
    @Group("mixStamped")
    @GroupThreads(1)
    public long mixStampedReader(Mix m) {
        return readStamped(m);
    }

    /** Mixed thread of the StampedLock group. */
    @Benchmark
    @Group("mixStamped")
    @GroupThreads(1)
    public long mixStampedMixed(Mix m, Turn t) {
        if (t.write()) {
            long stamp = m.stamped.writeLock();
            try {
                return ++m.data;
            } finally {
                m.stamped.unlockWrite(stamp);
            }
        }
        return readStamped(m);
    }

    private static long readStamped(Mix m) {
        long stamp = m.stamped.readLock();
        try {
            return m.data;
        } finally {
            m.stamped.unlockRead(stamp);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Inflation helpers

    /**
     * Inflates {@code sem} the only public way: two threads take and release shared tokens until
     * their CASes on the state word collide. Fails the trial if that has not happened in 10 s.
     */
    /** A new semaphore, inflated by reader contention first if {@code inflated}. */
    static RwSemaphore semaphore(String name, boolean inflated) throws InterruptedException {
        RwSemaphore sem = RwSemaphore.create(name);
        if (inflated) {
            inflateByContention(sem);
        }
        return sem;
    }

    static void inflateByContention(RwSemaphore sem) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        Runnable hammer = () -> {
            while (!stop.get()) {
                for (int i = 0; i < 1024; i++) {
                    sem.releaseShared(sem.tryAcquireSharedToken());
                }
            }
        };
        Thread a = new Thread(hammer, "inflate-a");
        Thread b = new Thread(hammer, "inflate-b");
        a.start();
        b.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            while (!isInflated(sem) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        } finally {
            stop.set(true);
            a.join();
            b.join();
        }
        if (!isInflated(sem)) {
            throw new IllegalStateException("reader contention did not inflate " + sem + " in 10 s");
        }
    }

    /** Whether {@code sem} is inflated, from its {@code toString()} (the only public view). */
    static boolean isInflated(RwSemaphore sem) {
        return sem.toString().contains(", inflated");
    }

    /** The semaphore's cell count, recomputed as {@code RwSemaphore.cellCount()} does. */
    static int cellCount() {
        int n = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 2 - 1) * 2;
        return Math.max(2, Math.min(n, 64));
    }

    /** The reader cell {@code t} starts in (before any move), recomputed as the library does. */
    @SuppressWarnings("deprecation")   // getId(): threadId() is Java 19+
    static int cellOf(Thread t) {
        long id = t.getId();
        return (int) ((id * 0x9E3779B97F4A7C15L) >>> (64 - Integer.numberOfTrailingZeros(cellCount())));
    }
}
