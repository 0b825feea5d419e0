package dev.quiesce.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Read-side pair and how it scales: the total throughput of <em>begin + end one read section on
 * this thread</em>, summed over all benchmark threads, for every Quiesce read side and every peer
 * (see {@link ReadSidePeer} for the list and the exact calls), run at {@code -t 1, 2, 4, 8, 64}.
 *
 * <p>Matched by meaning: each peer does what a reader of that primitive does to be counted as in
 * flight and then to leave — an SRCU read section, a shared permit, a read lock, a phaser party,
 * an OpOrder group, an epoch token — with no writer, updater or closer running, so nothing ever
 * blocks. All threads share one instance ({@link Scope#Benchmark}): the figures include whatever
 * contention the peer's design causes. The chart plots ops/µs against threads: where readers of
 * different cores write one shared word, that word's cache line moves between the cores on every
 * pair, which striped designs (per-thread cells) avoid — the 1 → 2 thread step shows which is which.
 *
 * <p><b>This machine has 2 cores.</b> At 4, 8 and 64 threads the benchmark threads outnumber the
 * cores (64 threads = 32 per core): the operating system time-slices them, and the figures show
 * whether throughput holds up or collapses under preemption (a preempted thread that holds a
 * spin-based or CAS-retried word stalls the others), not more parallelism.
 *
 * <p>One {@code @Benchmark} method with a {@code @Param} over implementations: JMH runs each
 * {@code impl} in its own fork, so the call through {@link ReadSidePeer} has one receiver class
 * and is inlined. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes per pair — 0 for
 * the {@code int}/{@code long} forms, the handle for the handle forms unless escape analysis
 * removes it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ScalingBenchmark {

    /** Which read side: one of {@link ReadSidePeer#ALL}. */
    @Param({"srcu-int", "srcu-handle", "rwsem-token", "rwsem-permit", "revocable",
            "rrwl", "stamped", "semaphore", "phaser", "longadder", "open-coded",
            "oporder", "async-epoch", "async-rwlock"})
    public String impl;

    private ReadSidePeer peer;

    /** Creates the read side. */
    @Setup(Level.Trial)
    public void setUp() {
        peer = ReadSidePeer.create(impl);
    }

    /** Fails the trial if a section was left open. */
    @TearDown(Level.Trial)
    public void tearDown() {
        peer.close();
    }

    /**
     * Begins and ends one read section on this thread.
     *
     * @return what the peer returns, for JMH to consume
     */
    @Benchmark
    public long pair() {
        return peer.pair();
    }
}
