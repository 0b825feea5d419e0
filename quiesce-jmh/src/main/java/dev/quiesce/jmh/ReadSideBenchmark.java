package dev.quiesce.jmh;

import dev.quiesce.ReadSection;
import dev.quiesce.Srcu;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Read-side cost: throughput of one <em>begin + end</em> pair of a read section per operation,
 * for the three {@link Srcu} forms and, in the same run, the JDK primitives people use instead.
 *
 * <p>Measured (ops/µs = millions of pairs per second, summed over all benchmark threads):
 * <table class="striped">
 * <caption>Benchmark methods</caption>
 * <tr><th>method</th><th>one operation</th></tr>
 * <tr><td>{@code srcuReadLock}</td><td>{@code readUnlock(readLock())}</td></tr>
 * <tr><td>{@code srcuDownRead}</td><td>{@code upRead(downRead())} (same thread here: the cost of
 *     the hand-off form, not of a hand-off)</td></tr>
 * <tr><td>{@code srcuEnterClose}</td><td>{@code enter().close()} — allocates a handle unless
 *     escape analysis removes it; {@code -prof gc} shows which</td></tr>
 * <tr><td>{@code rwlRead}</td><td>{@link ReentrantReadWriteLock} read lock, lock + unlock</td></tr>
 * <tr><td>{@code stampedRead}</td><td>{@link StampedLock#readLock()} + {@code unlockRead}</td></tr>
 * <tr><td>{@code semaphore}</td><td>{@link Semaphore#acquire()} + {@code release()} on one
 *     semaphore with plenty of permits (never blocks: the cost of the shared word)</td></tr>
 * <tr><td>{@code atomicLongIncDec}</td><td>{@link AtomicLong#incrementAndGet()} +
 *     {@code decrementAndGet()} on one shared counter — the open-coded in-flight counter</td></tr>
 * <tr><td>{@code longAdderIncDec}</td><td>{@link LongAdder#increment()} + {@code decrement()}:
 *     striped like {@code Srcu}, the floor a striped read side can hope for</td></tr>
 * </table>
 *
 * <p>All state is {@link Scope#Benchmark}: with {@code -t N} the N threads share one domain, one
 * lock, one counter, so the figures include contention (or its absence, for striped designs).
 * Run it at {@code -t 1}, {@code -t 2} and {@code -t 4} with {@code -prof gc}; the interesting
 * numbers are ratios between methods of one run, and {@code gc.alloc.rate.norm} (bytes per
 * operation: the {@code int} forms must show 0).
 *
 * <p>Separate {@code @Benchmark} methods rather than a {@code @Param} over implementations: each
 * method is compiled on its own, with no interface call or wrapper between JMH's loop and the
 * primitive, and one {@code -t} run compares all of them. Values that the primitives return are
 * returned to JMH, which consumes them; the atomic read-modify-writes are side effects the JIT
 * cannot remove anyway. No writer ever runs: this is the read-mostly case every one of these
 * primitives is built for.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ReadSideBenchmark {

    /* Everything below is shared by all benchmark threads (Scope.Benchmark). */

    private final Srcu srcu = Srcu.create("jmh-read-side");
    private final Lock rwlRead = new ReentrantReadWriteLock().readLock();
    private final StampedLock stamped = new StampedLock();
    /** Far more permits than threads: acquire never blocks, only the shared word is measured. */
    private final Semaphore semaphore = new Semaphore(1 << 20);
    private final AtomicLong atomic = new AtomicLong();
    private final LongAdder adder = new LongAdder();

    /** Closes the domain: proves that every section the benchmark began also ended. */
    @TearDown(Level.Trial)
    public void closeDomain() {
        srcu.close();
    }

    /** {@code readLock()} then {@code readUnlock(token)}: the same-thread int form. */
    @Benchmark
    public int srcuReadLock() {
        int token = srcu.readLock();
        srcu.readUnlock(token);
        return token;
    }

    /** {@code downRead()} then {@code upRead(token)} on the same thread: the hand-off int form. */
    @Benchmark
    public int srcuDownRead() {
        int token = srcu.downRead();
        srcu.upRead(token);
        return token;
    }

    /**
     * {@code enter()} then {@code close()}. Returns nothing on purpose: handing the handle to JMH
     * would make it escape and force the allocation that escape analysis might otherwise remove.
     */
    @Benchmark
    public void srcuEnterClose() {
        ReadSection s = srcu.enter();
        s.close();
    }

    /** {@code ReentrantReadWriteLock} read lock: lock then unlock. */
    @Benchmark
    public void rwlRead() {
        rwlRead.lock();
        rwlRead.unlock();
    }

    /** {@code StampedLock.readLock()} then {@code unlockRead(stamp)}. */
    @Benchmark
    public long stampedRead() {
        long stamp = stamped.readLock();
        stamped.unlockRead(stamp);
        return stamp;
    }

    /**
     * {@code Semaphore.acquire()} then {@code release()}; never blocks (see the field).
     *
     * @throws InterruptedException never in practice: nobody interrupts benchmark threads
     */
    @Benchmark
    public void semaphore() throws InterruptedException {
        semaphore.acquire();
        semaphore.release();
    }

    /** {@code incrementAndGet()} then {@code decrementAndGet()} on one shared {@code AtomicLong}. */
    @Benchmark
    public long atomicLongIncDec() {
        atomic.incrementAndGet();
        return atomic.decrementAndGet();
    }

    /** {@code LongAdder.increment()} then {@code decrement()}. */
    @Benchmark
    public void longAdderIncDec() {
        adder.increment();
        adder.decrement();
    }
}
