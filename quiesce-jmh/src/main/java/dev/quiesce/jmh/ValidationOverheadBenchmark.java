package dev.quiesce.jmh;

import dev.quiesce.Permit;
import dev.quiesce.ReadSection;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the lock-dependency validator costs: the same acquire/release pairs in forks with
 * {@code -Ddev.quiesce.validate=false} (methods ending {@code Off}) and {@code =true}
 * ({@code On}), in one run.
 *
 * <p>The switch is a {@code static final} read once at class initialisation, so it cannot change
 * inside a JVM: each method carries its own {@code @Fork(jvmArgsAppend = ...)}. Do not pass
 * {@code -jvmArgsAppend} on the command line for this class — it would replace the switch.
 *
 * <p>Measured (ops/µs, one thread: the validator's per-thread bookkeeping, not contention):
 * <table class="striped">
 * <caption>Benchmark methods (each as {@code …Off} and {@code …On})</caption>
 * <tr><th>method</th><th>one operation</th><th>hooked?</th></tr>
 * <tr><td>{@code srcuReadLock}</td><td>{@code readUnlock(readLock())}</td><td>yes</td></tr>
 * <tr><td>{@code srcuDownRead}</td><td>{@code upRead(downRead())}</td><td>never: the hand-off form
 *     has no hook, so it is the "build without the validator" proxy for {@code srcuReadLock}</td></tr>
 * <tr><td>{@code srcuEnterClose}</td><td>{@code enter().close()}</td><td>yes</td></tr>
 * <tr><td>{@code rwsemToken}</td><td>{@code releaseShared(tryAcquireSharedToken())}</td><td>never:
 *     the proxy for the {@code Permit} forms</td></tr>
 * <tr><td>{@code rwsemTryPermit}</td><td>{@code tryAcquireShared().close()}</td><td>yes (ownership
 *     record)</td></tr>
 * <tr><td>{@code rwsemAcquirePermit}</td><td>{@code acquireShared().close()}</td><td>yes (order check
 *     + ownership record)</td></tr>
 * <tr><td>{@code rwsemExclusive}</td><td>{@code acquireExclusive().close()}</td><td>yes</td></tr>
 * <tr><td>{@code srcuHandOff}</td><td>{@code enter().detach()}, {@code attach()}, {@code close()}:
 *     the demo's shape, where every write's section ends on a completion thread</td><td>yes
 *     (record, hand-off history, the handle table)</td></tr>
 * </table>
 *
 * <p>What to read: with the validator off, each hooked pair should be within noise of its proxy
 * (and of its {@code Off} figure in {@link ReadSideBenchmark} / {@link RwSemaphoreBenchmark}); the
 * {@code On} figures are its real cost. The proxies are also run {@code On}, which shows the
 * validator does not slow unhooked paths. Run with {@code -prof gc}: {@code On} allocates records.
 * {@code On} runs at the default acquisition-stack level ({@code dev.quiesce.validate.leakStacks=simple}:
 * the first acquisition of each class and 1 in 128 record their stack), the level meant to be left
 * on in staging.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
@State(Scope.Thread)
public class ValidationOverheadBenchmark {

    private static final String OFF = "-Ddev.quiesce.validate=false";
    private static final String ON = "-Ddev.quiesce.validate=true";

    private final Srcu srcu = Srcu.create("jmh-validation");
    private final RwSemaphore sem = RwSemaphore.create("jmh-validation");

    /** Closes the domain: proves that every section the benchmark began also ended. */
    @TearDown(Level.Trial)
    public void close() {
        srcu.close();
    }

    /** {@code readLock()} + {@code readUnlock()}, validator off. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = OFF)
    public int srcuReadLockOff() {
        int t = srcu.readLock();
        srcu.readUnlock(t);
        return t;
    }

    /** {@code readLock()} + {@code readUnlock()}, validator on. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = ON)
    public int srcuReadLockOn() {
        int t = srcu.readLock();
        srcu.readUnlock(t);
        return t;
    }

    /** {@code downRead()} + {@code upRead()} (never hooked), validator off. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = OFF)
    public int srcuDownReadOff() {
        int t = srcu.downRead();
        srcu.upRead(t);
        return t;
    }

    /** {@code downRead()} + {@code upRead()} (never hooked), validator on. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = ON)
    public int srcuDownReadOn() {
        int t = srcu.downRead();
        srcu.upRead(t);
        return t;
    }

    /** {@code enter().close()}, validator off. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = OFF)
    public void srcuEnterCloseOff() {
        ReadSection s = srcu.enter();
        s.close();
    }

    /** {@code enter().close()}, validator on. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = ON)
    public void srcuEnterCloseOn() {
        ReadSection s = srcu.enter();
        s.close();
    }

    /** Token shared pair (never hooked), validator off. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = OFF)
    public long rwsemTokenOff() {
        long t = sem.tryAcquireSharedToken();
        sem.releaseShared(t);
        return t;
    }

    /** Token shared pair (never hooked), validator on. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = ON)
    public long rwsemTokenOn() {
        long t = sem.tryAcquireSharedToken();
        sem.releaseShared(t);
        return t;
    }

    /** {@code tryAcquireShared().close()}, validator off. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = OFF)
    public void rwsemTryPermitOff() {
        Permit p = sem.tryAcquireShared();
        p.close();
    }

    /** {@code tryAcquireShared().close()}, validator on. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = ON)
    public void rwsemTryPermitOn() {
        Permit p = sem.tryAcquireShared();
        p.close();
    }

    /**
     * {@code acquireShared().close()}, validator off.
     *
     * @throws InterruptedException never in practice
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = OFF)
    public void rwsemAcquirePermitOff() throws InterruptedException {
        Permit p = sem.acquireShared();
        p.close();
    }

    /**
     * {@code acquireShared().close()}, validator on.
     *
     * @throws InterruptedException never in practice
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = ON)
    public void rwsemAcquirePermitOn() throws InterruptedException {
        Permit p = sem.acquireShared();
        p.close();
    }

    /** {@code enter().detach()}, then {@code attach()} and {@code close()}, validator off. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = OFF)
    public void srcuHandOffOff() {
        ReadSection s = srcu.enter().detach();
        s.attach();
        s.close();
    }

    /** {@code enter().detach()}, then {@code attach()} and {@code close()}, validator on. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = ON)
    public void srcuHandOffOn() {
        ReadSection s = srcu.enter().detach();
        s.attach();
        s.close();
    }

    /**
     * {@code acquireExclusive().close()}, validator off.
     *
     * @throws InterruptedException never in practice
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = OFF)
    public void rwsemExclusiveOff() throws InterruptedException {
        Permit p = sem.acquireExclusive();
        p.close();
    }

    /**
     * {@code acquireExclusive().close()}, validator on.
     *
     * @throws InterruptedException never in practice
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = ON)
    public void rwsemExclusiveOn() throws InterruptedException {
        Permit p = sem.acquireExclusive();
        p.close();
    }
}
