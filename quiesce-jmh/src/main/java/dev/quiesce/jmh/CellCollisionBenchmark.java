package dev.quiesce.jmh;

import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Two reader threads whose ids hash to the same counter cell, against two whose ids do not
 * (issue 12, target 6: the first pair keeps at least 0.9× the second's throughput).
 *
 * <p>JMH cannot choose its threads' ids, so each trial picks its own pair of worker threads:
 * it creates threads until two satisfy {@code pair} and keeps them for the trial. One operation
 * is one begin + end pair on one worker; an invocation lets each worker run {@value #PAIRS} pairs
 * and waits for both (the benchmark thread itself parks meanwhile), so the figure is the pair's
 * combined throughput in ops/µs, comparable with {@code ReadSideBenchmark} at {@code -t 2}.
 *
 * <p>"The same cell" is fixed here as the thread-to-cell hashes of the library before it learnt to
 * move a thread off a contended cell (commit {@code 522540d}): {@code Srcu} took the top
 * log2(cells) bits of {@code id * 0x9E3779B97F4A7C15L}, {@code RwSemaphore} bits 40 and up, masked
 * to its cell count. A {@code together} pair shares its cell under both; an {@code apart} pair
 * shares it under neither (nor under the top bits at {@code RwSemaphore}'s count, its cell since).
 * The hashes are copied so that one benchmark source measures both the old and the new library.
 *
 * <table class="striped">
 * <caption>{@code primitive}</caption>
 * <tr><th>value</th><th>one operation</th></tr>
 * <tr><td>{@code srcuReadLock}</td><td>{@code readUnlock(readLock())} on one domain</td></tr>
 * <tr><td>{@code srcuDownRead}</td><td>{@code upRead(downRead())} on one domain</td></tr>
 * <tr><td>{@code rwsemToken}</td><td>{@code releaseShared(tryAcquireSharedToken())} on one
 *     semaphore inflated before the trial</td></tr>
 * <tr><td>{@code longAdder}</td><td>{@code increment()} + {@code decrement()}: the JDK's striped
 *     counter, which moves a thread whose CAS fails; its cells are chosen by a per-thread probe,
 *     not by id, so for it the two pairs differ only in which threads run</td></tr>
 * </table>
 *
 * <p>Run: {@code java -jar quiesce-jmh/target/benchmarks.jar CellCollisionBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class CellCollisionBenchmark {

    /** Pairs each worker runs per invocation. */
    static final int PAIRS = 1 << 18;

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** Which pair of threads: {@code together} (one cell) or {@code apart}. */
    @Param({"together", "apart"})
    public String pair;

    /** What the workers run; see the class Javadoc. */
    @Param({"srcuReadLock", "srcuDownRead", "rwsemToken", "longAdder"})
    public String primitive;

    private Srcu srcu;
    private RwSemaphore sem;
    private LongAdder adder;
    private CyclicBarrier barrier;
    private volatile boolean stop;
    private Worker a;
    private Worker b;

    /**
     * Creates the primitive and starts a pair of workers that satisfy {@code pair}.
     *
     * @throws InterruptedException if interrupted while inflating the semaphore
     */
    @Setup(Level.Trial)
    @SuppressWarnings("deprecation")   // getId(): threadId() is Java 19+
    public void setUp() throws InterruptedException {
        srcu = Srcu.create("jmh-cell-collision");
        sem = RwSemaphore.create("jmh-cell-collision");
        adder = new LongAdder();
        if (primitive.equals("rwsemToken")) {
            RwSemaphoreBenchmark.inflateByContention(sem);
        }
        barrier = new CyclicBarrier(3);
        boolean together = pair.equals("together");
        Worker first = new Worker();
        Worker second = new Worker();
        while (together != sameCell(first.getId(), second.getId())
                || !together && !differentCell(first.getId(), second.getId())) {
            second = new Worker();
            if (second.getId() - first.getId() > 10_000) {
                first = new Worker();               // unlikely: a pair is found within a few tries
            }
        }
        a = first;
        b = second;
        a.start();
        b.start();
        System.out.println();
        System.out.println("# workers " + a.getId() + " and " + b.getId() + " (" + pair + ")");
    }

    /**
     * Lets each worker run {@value #PAIRS} pairs and waits for both.
     *
     * @throws Exception if a worker failed or a barrier broke (a 60 s guard against a hang)
     */
    @Benchmark
    @OperationsPerInvocation(2 * PAIRS)
    public void pairOfReaders() throws Exception {
        barrier.await(60, TimeUnit.SECONDS);       // go
        barrier.await(60, TimeUnit.SECONDS);       // both done
    }

    /**
     * Stops the workers and closes the primitives (the domain refuses to close if a section the
     * workers began had not ended).
     *
     * @throws Exception if a worker does not stop
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        stop = true;
        barrier.await(60, TimeUnit.SECONDS);
        a.join();
        b.join();
        srcu.close();
        if (sem.stats().sharedHolders() != 0 || adder.sum() != 0) {
            throw new IllegalStateException("a section was lost: " + sem + ", adder " + adder.sum());
        }
        sem.kill();
    }

    /** Whether the old hashes of both primitives put the two ids in one cell. */
    static boolean sameCell(long x, long y) {
        return srcuCell(x) == srcuCell(y) && rwsemCell(x) == rwsemCell(y);
    }

    /** Whether the old hashes, and the top bits at the semaphore's count, separate the ids. */
    static boolean differentCell(long x, long y) {
        int shift = 64 - Integer.numberOfTrailingZeros(RwSemaphoreBenchmark.cellCount());
        return srcuCell(x) != srcuCell(y) && rwsemCell(x) != rwsemCell(y)
                && (x * GOLDEN) >>> shift != (y * GOLDEN) >>> shift;
    }

    /** {@code Srcu}'s cell for a thread id before 522540d's successor: the top bits. */
    static int srcuCell(long id) {
        int n = Runtime.getRuntime().availableProcessors() * 4;
        int cells = Math.min(256, Math.max(4, Integer.highestOneBit(n - 1) << 1));
        return (int) ((id * GOLDEN) >>> (64 - Integer.numberOfTrailingZeros(cells)));
    }

    /** {@code RwSemaphore}'s cell for a thread id before 522540d's successor: bits 40 and up. */
    static int rwsemCell(long id) {
        return (int) ((id * GOLDEN) >>> 40) & (RwSemaphoreBenchmark.cellCount() - 1);
    }

    /** A reader thread that runs {@value #PAIRS} pairs between two barrier trips. */
    private final class Worker extends Thread {
        Worker() {
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                for (;;) {
                    barrier.await(60, TimeUnit.SECONDS);
                    if (stop) {
                        return;
                    }
                    runPairs();
                    barrier.await(60, TimeUnit.SECONDS);
                }
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                barrier.reset();
            }
        }

        private void runPairs() {
            switch (primitive) {
                case "srcuReadLock":
                    for (int i = 0; i < PAIRS; i++) {
                        srcu.readUnlock(srcu.readLock());
                    }
                    break;
                case "srcuDownRead":
                    for (int i = 0; i < PAIRS; i++) {
                        srcu.upRead(srcu.downRead());
                    }
                    break;
                case "rwsemToken":
                    for (int i = 0; i < PAIRS; i++) {
                        sem.releaseShared(sem.tryAcquireSharedToken());
                    }
                    break;
                case "longAdder":
                    for (int i = 0; i < PAIRS; i++) {
                        adder.increment();
                        adder.decrement();
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown primitive " + primitive);
            }
        }
    }
}
