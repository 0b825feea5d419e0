package dev.quiesce.jmh;

import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a figures snapshot costs, and whether polling one slows readers.
 *
 * <table class="striped">
 * <caption>Benchmark methods</caption>
 * <tr><th>method</th><th>one operation</th></tr>
 * <tr><td>{@code srcuStats}</td><td>{@link Srcu#stats()} of an idle domain: its updater-side
 *     fields and a scan of its counter cells (four per CPU, 4 to 256)</td></tr>
 * <tr><td>{@code rwSemaphoreStats}</td><td>{@link RwSemaphore#stats()} of a word-mode
 *     semaphore: the word, and the queue counts under the queue lock</td></tr>
 * <tr><td>{@code rwSemaphoreInflatedStats}</td><td>the same once inflated: a scan of the reader
 *     cells besides</td></tr>
 * <tr><td>{@code polled:reader}</td><td>one {@code readUnlock(readLock())} while another thread
 *     calls {@code stats()} of the same domain without pause — far more often than the once a
 *     second a metrics poll needs</td></tr>
 * <tr><td>{@code unpolled:reader}</td><td>the same while the other thread burns CPU without
 *     touching memory: the baseline for {@code polled:reader}</td></tr>
 * </table>
 *
 * <p>{@code stats()} writes nothing that readers read or write; the two groups show what its reads
 * of the readers' cells cost them (a cache line read by another core is shared, and the reader's
 * next add must take it back). Compare {@code polled:reader} with {@code unpolled:reader} of the
 * same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(2)
@State(Scope.Benchmark)
public class StatsBenchmark {

    private Srcu srcu;
    private RwSemaphore semaphore;
    private RwSemaphore inflated;

    /**
     * Creates the primitives; inflates one semaphore by reader contention, through the public API.
     *
     * @throws InterruptedException never in practice
     */
    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        srcu = Srcu.create("stats");
        semaphore = RwSemaphore.create("stats");
        inflated = RwSemaphoreBenchmark.semaphore("stats-inflated", true);
    }

    /**
     * {@link Srcu#stats()}.
     *
     * @return the snapshot
     */
    @Benchmark
    public Srcu.Stats srcuStats() {
        return srcu.stats();
    }

    /**
     * {@link RwSemaphore#stats()}, word mode.
     *
     * @return the snapshot
     */
    @Benchmark
    public RwSemaphore.Stats rwSemaphoreStats() {
        return semaphore.stats();
    }

    /**
     * {@link RwSemaphore#stats()}, inflated.
     *
     * @return the snapshot
     */
    @Benchmark
    public RwSemaphore.Stats rwSemaphoreInflatedStats() {
        return inflated.stats();
    }

    /** A read section while another thread polls stats(). */
    @Benchmark
    @Group("polled")
    @GroupThreads(1)
    public void reader() {
        srcu.readUnlock(srcu.readLock());
    }

    /**
     * Polls without pause.
     *
     * @return the snapshot
     */
    @Benchmark
    @Group("polled")
    @GroupThreads(1)
    public Srcu.Stats poller() {
        return srcu.stats();
    }

    /** A read section while another thread burns CPU. */
    @Benchmark
    @Group("unpolled")
    @GroupThreads(1)
    public void baselineReader() {
        srcu.readUnlock(srcu.readLock());
    }

    /** Burns about as long as a stats() call, touching no shared memory. */
    @Benchmark
    @Group("unpolled")
    @GroupThreads(1)
    public void burner() {
        Blackhole.consumeCPU(64);
    }
}
