package dev.quiesce.jmh;

import dev.quiesce.Srcu;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.cassandra.utils.concurrent.OpOrder;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What an updater costs a reader: a {@code @Group} of one reader and one updater (two threads, one
 * per core here), the reader's read pair throughput measured while the updater is idle, paced,
 * back to back, or queueing callbacks — and the updater's own rate in the same group. Cassandra's
 * {@code OpOrder} (the JVM's SRCU-like drain barrier) is the peer where it has a counterpart.
 *
 * <table class="striped">
 * <caption>Groups (each: {@code reader} and {@code updater})</caption>
 * <tr><th>group</th><th>reader (one op)</th><th>updater (one op)</th></tr>
 * <tr><td>{@code srcuIdle}</td><td>{@code readUnlock(readLock())}</td><td>parks
 *     {@value #IDLE_PARK_US} µs: the reader's idle throughput, the baseline of the ratios</td></tr>
 * <tr><td>{@code srcuPaced}</td><td>the same</td><td>{@code synchronize()}, then parks
 *     {@value #PACED_PARK_US} µs: a grace period every ~50 µs plus the park's overshoot</td></tr>
 * <tr><td>{@code srcuBackToBack}</td><td>the same</td><td>{@code synchronize()}, again and again</td></tr>
 * <tr><td>{@code srcuCallbacks}</td><td>the same</td><td>{@code callAfterGracePeriod(r)} then
 *     {@value #CALLBACK_WORK} tokens of {@code Blackhole.consumeCPU} (about 4 µs here, so about
 *     250 000 callbacks a second; the rate reached is the updater's score); {@code r} records its
 *     latency, queued → run</td></tr>
 * <tr><td>{@code opOrderIdle}, {@code opOrderPaced}, {@code opOrderBackToBack}</td>
 *     <td>{@code start().close()}</td><td>as above with {@code newBarrier(); issue(); await()}</td></tr>
 * </table>
 *
 * <p><b>Reading it.</b> The issue's targets are ratios within one run: the reader's score in a
 * group over its score in the same implementation's idle group (≥ 0.5 under back-to-back grace
 * periods, ≥ 0.9 under the callback stream), and the updater's score (grace periods or barriers
 * per µs) against the peer's. The callback groups' auxiliary counters (per iteration, of the
 * {@link Latency} state) give the callbacks' latency: {@code callbackP50Us} and
 * {@code callbackP99Us}, read from a histogram of the iteration's callbacks; {@code callbacksRun}
 * how many ran. JMH adds {@code EVENTS} counters over iterations: read the mean in the
 * "Secondary result" lines. Command used:
 * {@code java -jar quiesce-jmh/target/benchmarks.jar ReaderUnderUpdaterBenchmark -f 3 -wi 3 -i 5 -w 1s -r 1s}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class ReaderUnderUpdaterBenchmark {

    static final int IDLE_PARK_US = 1000;
    static final int PACED_PARK_US = 50;
    static final int CALLBACK_WORK = 800;

    /** One domain and one OpOrder per group. */
    @State(Scope.Group)
    public static class Shared {
        Srcu srcu;
        OpOrder order;

        @Setup(Level.Trial)
        public void setUp() {
            srcu = Srcu.builder().name("reader-under-updater").build();
            order = new OpOrder();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            srcu.barrier();
            srcu.close();
        }
    }

    /**
     * Callback latency, queued → run, in a histogram of power-of-two microsecond buckets (bucket
     * k holds latencies in [2^(k-1), 2^k) µs; bucket 0 below 1 µs); reset at each iteration.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Latency {
        static final int BUCKETS = 40;
        final AtomicLong[] histogram = new AtomicLong[BUCKETS];
        public double callbackP50Us;
        public double callbackP99Us;
        public long callbacksRun;

        public Latency() {
            for (int i = 0; i < BUCKETS; i++) {
                histogram[i] = new AtomicLong();
            }
        }

        @Setup(Level.Iteration)
        public void reset() {
            for (AtomicLong b : histogram) {
                b.set(0);
            }
        }

        void record(long nanos) {
            long us = nanos / 1000;
            int k = us <= 0 ? 0 : Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(us));
            histogram[k].incrementAndGet();
        }

        /** The upper edge (µs) of the bucket holding quantile q. */
        double quantile(double q, long total) {
            long seen = 0;
            for (int k = 0; k < BUCKETS; k++) {
                seen += histogram[k].get();
                if (seen >= q * total && total > 0) {
                    return k == 0 ? 1 : (double) (1L << k);
                }
            }
            return Double.NaN;
        }

        @TearDown(Level.Iteration)
        public void summarize() {
            long total = 0;
            for (AtomicLong b : histogram) {
                total += b.get();
            }
            callbacksRun = total;
            callbackP50Us = quantile(0.50, total);
            callbackP99Us = quantile(0.99, total);
        }
    }

    // --- Srcu ----------------------------------------------------------------------------------

    @Benchmark
    @Group("srcuIdle")
    @GroupThreads(1)
    public void srcuIdleReader(Shared s) {
        s.srcu.readUnlock(s.srcu.readLock());
    }

    @Benchmark
    @Group("srcuIdle")
    @GroupThreads(1)
    public void srcuIdleUpdater() {
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(IDLE_PARK_US));
    }

    @Benchmark
    @Group("srcuPaced")
    @GroupThreads(1)
    public void srcuPacedReader(Shared s) {
        s.srcu.readUnlock(s.srcu.readLock());
    }

    @Benchmark
    @Group("srcuPaced")
    @GroupThreads(1)
    public void srcuPacedUpdater(Shared s) throws InterruptedException {
        s.srcu.synchronize();
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(PACED_PARK_US));
    }

    @Benchmark
    @Group("srcuBackToBack")
    @GroupThreads(1)
    public void srcuBackToBackReader(Shared s) {
        s.srcu.readUnlock(s.srcu.readLock());
    }

    @Benchmark
    @Group("srcuBackToBack")
    @GroupThreads(1)
    public void srcuBackToBackUpdater(Shared s) throws InterruptedException {
        s.srcu.synchronize();
    }

    @Benchmark
    @Group("srcuCallbacks")
    @GroupThreads(1)
    public void srcuCallbacksReader(Shared s) {
        s.srcu.readUnlock(s.srcu.readLock());
    }

    @Benchmark
    @Group("srcuCallbacks")
    @GroupThreads(1)
    public void srcuCallbacksUpdater(Shared s, Latency latency) {
        long queued = System.nanoTime();
        s.srcu.callAfterGracePeriod(() -> latency.record(System.nanoTime() - queued));
        Blackhole.consumeCPU(CALLBACK_WORK);
    }

    // --- OpOrder -------------------------------------------------------------------------------

    @Benchmark
    @Group("opOrderIdle")
    @GroupThreads(1)
    public void opOrderIdleReader(Shared s) {
        s.order.start().close();
    }

    @Benchmark
    @Group("opOrderIdle")
    @GroupThreads(1)
    public void opOrderIdleUpdater() {
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(IDLE_PARK_US));
    }

    @Benchmark
    @Group("opOrderPaced")
    @GroupThreads(1)
    public void opOrderPacedReader(Shared s) {
        s.order.start().close();
    }

    @Benchmark
    @Group("opOrderPaced")
    @GroupThreads(1)
    public void opOrderPacedUpdater(Shared s) {
        barrier(s.order);
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(PACED_PARK_US));
    }

    @Benchmark
    @Group("opOrderBackToBack")
    @GroupThreads(1)
    public void opOrderBackToBackReader(Shared s) {
        s.order.start().close();
    }

    @Benchmark
    @Group("opOrderBackToBack")
    @GroupThreads(1)
    public void opOrderBackToBackUpdater(Shared s) {
        barrier(s.order);
    }

    private static void barrier(OpOrder order) {
        OpOrder.Barrier b = order.newBarrier();
        b.issue();
        b.await();
    }
}
