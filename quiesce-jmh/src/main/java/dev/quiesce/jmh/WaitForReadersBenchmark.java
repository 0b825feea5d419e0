package dev.quiesce.jmh;

import dev.quiesce.Srcu;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.cassandra.utils.concurrent.OpOrder;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Wait for older readers: the time one call takes to wait until every read section that began
 * before it has ended — while new sections keep beginning — with no reader, with one short reader
 * and with a steady stream of readers. {@code Srcu.synchronize()} against Apache Cassandra's
 * {@code OpOrder} barrier (the JVM's own SRCU-like drain barrier) and against
 * {@link Phaser}, the JDK's nearest thing.
 *
 * <table class="striped">
 * <caption>Updaters ({@code impl})</caption>
 * <tr><th>impl</th><th>reader begins / ends</th><th>one timed wait</th></tr>
 * <tr><td>{@code srcu}</td><td>{@code downRead()} / {@code upRead(token)}</td><td>{@code synchronize()}</td></tr>
 * <tr><td>{@code srcu-expedited}</td><td>the same</td><td>{@code synchronizeExpedited()}</td></tr>
 * <tr><td>{@code oporder}</td><td>{@code start()} / {@code Group.close()}</td>
 *     <td>{@code newBarrier()}, {@code issue()}, {@code await()}</td></tr>
 * <tr><td>{@code phaser}</td><td>{@code register()} / {@code arriveAndDeregister()}</td>
 *     <td>the updater's permanent party {@code arrive()}s, then {@code awaitAdvance} — at most
 *     {@value #PHASER_TIMEOUT_MS} ms, see below</td></tr>
 * </table>
 *
 * <table class="striped">
 * <caption>Reader load ({@code load}), on one background thread (the second core)</caption>
 * <tr><th>load</th><th>what the reader thread does</th></tr>
 * <tr><td>{@code none}</td><td>nothing: no reader thread. The fixed cost of a wait.</td></tr>
 * <tr><td>{@code short}</td><td>one reader: a section of {@value #SECTION_NANOS} ns of busy work,
 *     then a gap of {@value #GAP_NANOS} ns, again and again. About half of the waits find the
 *     reader inside and wait for that one short section.</td></tr>
 * <tr><td>{@code stream}</td><td>a steady stream, hand over hand: the reader begins its next
 *     section ({@value #SECTION_NANOS} ns of work each) <em>before</em> it ends the current one,
 *     so a section is always open. A wait that also waited for sections that began after it would
 *     never return; a grace period must not.</td></tr>
 * </table>
 *
 * <p><b>Phaser cannot tell older readers from newer ones:</b> a party that registers during a
 * phase must arrive before that phase can advance, so a stream of overlapping readers holds it
 * for ever. Each Phaser wait is therefore bounded by {@value #PHASER_TIMEOUT_MS} ms; a wait that
 * times out counts in the auxiliary counter {@code timeouts} (reported as
 * {@code waitForOlderReaders:timeouts}), and the next call waits again for the same phase. With
 * {@code load=stream} expect every Phaser call to time out: its score is the timeout, not a wait.
 *
 * <p>Average time per wait in µs, one updater thread (the benchmark thread) and at most one
 * reader thread: two threads for two cores. The reader is the same code for every {@code impl}
 * (only its begin and end calls differ). Reader sections burn the CPU with {@code nanoTime()}
 * rather than parking, so that they are short and steady.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Benchmark)
public class WaitForReadersBenchmark {

    /** Busy work inside one reader section. */
    static final long SECTION_NANOS = 1_000L;
    /** Busy time between two sections of the short reader. */
    static final long GAP_NANOS = 1_000L;
    /** Bound of one Phaser wait: a stream of readers would hold it for ever. */
    static final long PHASER_TIMEOUT_MS = 10L;

    /** Which updater. */
    @Param({"srcu", "srcu-expedited", "oporder", "phaser"})
    public String impl;

    /** Which reader load. */
    @Param({"none", "short", "stream"})
    public String load;

    private Domain domain;
    private volatile boolean stop;
    private Thread reader;

    /** Creates the domain and starts the reader thread, if any. */
    @Setup(Level.Trial)
    public void setUp() {
        switch (impl) {
            case "srcu": domain = new SrcuDomain(false); break;
            case "srcu-expedited": domain = new SrcuDomain(true); break;
            case "oporder": domain = new OrderDomain(); break;
            case "phaser": domain = new PhaserDomain(); break;
            default: throw new IllegalArgumentException("unknown impl '" + impl + "'");
        }
        Runnable body;
        switch (load) {
            case "none": body = null; break;
            case "short": body = this::shortReader; break;
            case "stream": body = this::streamReader; break;
            default: throw new IllegalArgumentException("unknown load '" + load + "'");
        }
        if (body != null) {
            reader = new Thread(body, "jmh-reader-" + load);
            reader.setDaemon(true);
            reader.start();
        }
    }

    /**
     * Stops the reader (which ends its sections), then closes the domain.
     *
     * @throws InterruptedException if interrupted while joining the reader
     */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        stop = true;
        if (reader != null) {
            reader.join();
        }
        domain.close();
    }

    /**
     * Waits until every read section that began before this call has ended.
     *
     * @param counts the Phaser timeouts (0 for the others)
     * @throws InterruptedException never in practice
     */
    @Benchmark
    public void waitForOlderReaders(Timeouts counts) throws InterruptedException {
        domain.waitForOlder(counts);
    }

    /** Per-thread auxiliary counter: Phaser waits that timed out. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Timeouts {
        /** Waits that gave up after {@link #PHASER_TIMEOUT_MS} ms. */
        public long timeouts;

        /** JMH does not reset auxiliary counters itself. */
        @Setup(Level.Iteration)
        public void reset() {
            timeouts = 0;
        }
    }

    private void shortReader() {
        Domain d = domain;
        while (!stop) {
            long t = d.begin(0);
            busy(SECTION_NANOS);
            d.end(0, t);
            busy(GAP_NANOS);
        }
    }

    private void streamReader() {
        Domain d = domain;
        int slot = 0;
        long held = d.begin(slot);
        while (!stop) {
            busy(SECTION_NANOS);
            int next = slot ^ 1;
            long t = d.begin(next);                        // the next section begins first
            d.end(slot, held);
            slot = next;
            held = t;
        }
        d.end(slot, held);
    }

    /** Burns about {@code nanos} of CPU time. */
    static void busy(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    /**
     * A read side and its wait. Sections are identified by a slot (0 or 1: the stream reader holds
     * two at a hand-over) so that handle forms can keep their handle without allocating a holder.
     */
    abstract static class Domain {
        abstract long begin(int slot);

        abstract void end(int slot, long token);

        abstract void waitForOlder(Timeouts counts) throws InterruptedException;

        abstract void close();
    }

    static final class SrcuDomain extends Domain {
        final Srcu srcu = Srcu.create("jmh-wait");
        final boolean expedited;

        SrcuDomain(boolean expedited) {
            this.expedited = expedited;
        }

        @Override long begin(int slot) {
            return srcu.downRead();
        }

        @Override void end(int slot, long token) {
            srcu.upRead((int) token);
        }

        @Override void waitForOlder(Timeouts counts) throws InterruptedException {
            if (expedited) {
                srcu.synchronizeExpedited();
            } else {
                srcu.synchronize();
            }
        }

        @Override void close() {
            srcu.close();
        }
    }

    static final class OrderDomain extends Domain {
        final OpOrder order = new OpOrder();
        final OpOrder.Group[] held = new OpOrder.Group[2];

        @Override long begin(int slot) {
            held[slot] = order.start();
            return 0L;
        }

        @Override void end(int slot, long token) {
            OpOrder.Group g = held[slot];
            held[slot] = null;
            g.close();
        }

        @Override void waitForOlder(Timeouts counts) {
            OpOrder.Barrier b = order.newBarrier();
            b.issue();
            b.await();
        }

        @Override void close() {
        }
    }

    static final class PhaserDomain extends Domain {
        /** The updater's permanent party. */
        final Phaser phaser = new Phaser(1);
        /** The phase a timed-out wait left behind (the updater has arrived for it), or -1. */
        int pending = -1;

        @Override long begin(int slot) {
            return phaser.register();
        }

        @Override void end(int slot, long token) {
            phaser.arriveAndDeregister();
        }

        @Override void waitForOlder(Timeouts counts) throws InterruptedException {
            int phase = pending >= 0 ? pending : phaser.arrive();
            try {
                phaser.awaitAdvanceInterruptibly(phase, PHASER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                pending = -1;
            } catch (TimeoutException e) {
                pending = phase;
                counts.timeouts++;
            }
        }

        @Override void close() {
        }
    }
}
