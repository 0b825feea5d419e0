package dev.quiesce.jmh;

import dev.quiesce.Srcu;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Update-side cost of {@link Srcu}: how long a grace period takes when nothing holds it up, how
 * concurrent callers share grace periods, and how soon a blocked updater notices that the last
 * reader it waits for has left.
 *
 * <table class="striped">
 * <caption>Benchmark methods</caption>
 * <tr><th>method</th><th>mode</th><th>measures</th></tr>
 * <tr><td>{@code synchronizeNoReaders}</td><td>avgt, ns</td><td>one {@code synchronize()} with no
 *     read section open: the fixed cost of a full grace period (two scans, one flip)</td></tr>
 * <tr><td>{@code synchronizeExpeditedNoReaders}</td><td>avgt, ns</td><td>the same for
 *     {@code synchronizeExpedited()}</td></tr>
 * <tr><td>{@code synchronize8Callers}</td><td>avgt, ns, 8 threads</td><td>time per
 *     {@code synchronize()} call when 8 threads call it back to back; the auxiliary counters
 *     {@code calls} and {@code gracePeriods} (summed over the threads) give calls per grace
 *     period — above 1 means callers shared grace periods (batching)</td></tr>
 * <tr><td>{@code synchronize1CallerWithReader}, {@code synchronize8CallersWithReader}</td>
 *     <td>avgt, µs, 1 and 8 threads</td><td>the same while a reader thread keeps a section open
 *     ({@link ReaderLoad}), so that every grace period waits: batching shows as 8 callers taking
 *     about as long per call as 1, with several calls per grace period</td></tr>
 * <tr><td>{@code wakeAfterLastReader}</td><td>sample, µs</td><td>latency from the last
 *     pre-existing reader's {@code upRead} to the return of a {@code synchronize()} that was parked
 *     waiting for it</td></tr>
 * <tr><td>{@code wakeUnparkBaseline}</td><td>sample, µs</td><td>the floor for the previous line:
 *     {@code LockSupport.unpark} of a parked thread until it signals back, with no Srcu at all</td></tr>
 * <tr><td>{@code parkNanos1us}</td><td>sample, µs</td><td>{@code LockSupport.parkNanos(1 µs)}: what
 *     an updater that polled with timed parking would pay per poll (timer slack)</td></tr>
 * </table>
 *
 * <h2>Why the wake-up latency uses a hand-rolled harness</h2>
 * The interval to measure starts on one thread (the reader ends its section) and ends on another
 * (the updater's {@code synchronize()} returns), and it only means something if the updater is
 * already <em>parked</em> in the grace period when the reader leaves. A {@code @Group} with a reader
 * thread and an updater thread cannot arrange that: each group thread times its own invocations,
 * so neither would measure the hand-over, and nothing would make the updater be parked at the
 * right moment. Instead {@link WakeHarness} keeps one helper thread that calls
 * {@code synchronize()} on request. Per invocation, in an untimed {@code @Setup(Level.Invocation)},
 * the benchmark thread begins a section ({@code downRead}), asks the helper to synchronize, and
 * waits until the grace period waits for that section ({@link Srcu#blocksGracePeriod(int)}) and
 * the helper is parked in it (its state is {@code TIMED_WAITING}; between requests it waits
 * untimed). The timed part is then exactly: {@code upRead(token)} — which must wake the updater —
 * until the benchmark thread sees the helper's "returned" flag, spinning on it so that its own
 * wake-up adds nothing. {@code Level.Invocation} is meant for invocations of this length
 * (microseconds); the spin to observe the flag adds well under a microsecond. Sample mode gives
 * the distribution: read the p0.50 and p0.99 lines. {@link UnparkHarness} is the same harness
 * without Srcu, so the difference between the two is what Srcu adds to the operating system's
 * wake-up.
 *
 * <p>All of this needs two free cores to mean anything: on a loaded machine the helper's wake-up
 * waits for a CPU, and the figures measure the scheduler.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class GracePeriodBenchmark {

    private final Srcu srcu = Srcu.create("jmh-grace-period");
    /** The newest cookie seen after a return, to count grace periods across threads. */
    private final AtomicLong newestCookie = new AtomicLong();

    /** Starts the grace-period count from the domain's current state. */
    @Setup(Level.Trial)
    public void startCount() {
        newestCookie.set(srcu.pollState());
    }

    /** Closes the domain: fails the run if a grace period or a section was left behind. */
    @TearDown(Level.Trial)
    public void closeDomain() {
        srcu.close();
    }

    /**
     * One full grace period with no read section open.
     *
     * @throws InterruptedException never in practice
     */
    @Benchmark
    @Threads(1)
    public void synchronizeNoReaders() throws InterruptedException {
        srcu.synchronize();
    }

    /**
     * One expedited grace period with no read section open.
     *
     * @throws InterruptedException never in practice
     */
    @Benchmark
    @Threads(1)
    public void synchronizeExpeditedNoReaders() throws InterruptedException {
        srcu.synchronizeExpedited();
    }

    /**
     * Eight threads call {@code synchronize()} back to back on one domain; see {@link Batching}.
     *
     * @param counts this thread's counters
     * @throws InterruptedException never in practice
     */
    @Benchmark
    @Threads(8)
    public void synchronize8Callers(Batching counts) throws InterruptedException {
        srcu.synchronize();
        counts.record(srcu, newestCookie);
    }

    /**
     * One thread calls {@code synchronize()} back to back while {@link ReaderLoad} keeps a read
     * section open almost all the time: every grace period waits for a reader. The reference for
     * {@link #synchronize8CallersWithReader}.
     *
     * @param load the reader and its domain
     * @param counts this thread's counters
     * @throws InterruptedException never in practice
     */
    @Benchmark
    @Threads(1)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void synchronize1CallerWithReader(ReaderLoad load, Batching counts) throws InterruptedException {
        load.srcu.synchronize();
        counts.record(load.srcu, load.newestCookie);
    }

    /**
     * Eight threads call {@code synchronize()} back to back while {@link ReaderLoad} keeps a read
     * section open: with batching, each call takes about as long as in
     * {@link #synchronize1CallerWithReader} (one or two grace periods), not eight times as long,
     * and {@code calls / gracePeriods} approaches the number of callers.
     *
     * @param load the reader and its domain
     * @param counts this thread's counters
     * @throws InterruptedException never in practice
     */
    @Benchmark
    @Threads(8)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void synchronize8CallersWithReader(ReaderLoad load, Batching counts) throws InterruptedException {
        load.srcu.synchronize();
        counts.record(load.srcu, load.newestCookie);
    }

    /**
     * Latency from the last pre-existing reader leaving to {@code synchronize()} returning; see
     * the class documentation for the harness.
     *
     * @param h the harness: a section that blocks a parked updater
     * @return the helper's completion count
     */
    @Benchmark
    @Threads(1)
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long wakeAfterLastReader(WakeHarness h) {
        long target = h.requested;
        h.srcu.upRead(h.token);
        long done;
        while ((done = h.completed) != target) {
            Thread.onSpinWait();
        }
        return done;
    }

    /**
     * The operating system's floor for {@link #wakeAfterLastReader}: unpark a parked thread and
     * wait until it signals.
     *
     * @param h the harness: a parked helper thread
     * @return the helper's completion count
     */
    @Benchmark
    @Threads(1)
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long wakeUnparkBaseline(UnparkHarness h) {
        long target = h.requested + 1;
        h.requested = target;
        LockSupport.unpark(h.helper);
        long done;
        while ((done = h.completed) != target) {
            Thread.onSpinWait();
        }
        return done;
    }

    /** What one timed park for 1 µs really takes: the cost of polling instead of being woken. */
    @Benchmark
    @Threads(1)
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void parkNanos1us() {
        LockSupport.parkNanos(1_000L);
    }

    /**
     * Per-thread counters of {@link #synchronize8Callers}, reported by JMH as
     * {@code synchronize8Callers:calls} and {@code synchronize8Callers:gracePeriods}, summed over
     * the threads.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Batching {
        /** {@code synchronize()} calls that returned. */
        public long calls;
        /** Grace periods completed, counted once across all threads. */
        public long gracePeriods;

        /** JMH does not reset auxiliary counters itself. */
        @Setup(Level.Iteration)
        public void reset() {
            calls = 0;
            gracePeriods = 0;
        }

        /**
         * Counts one returned call, and the grace periods completed since any thread last
         * looked, without double counting: the thread that advances the shared newest cookie
         * adds the difference (a cookie moves by 4 per grace period), so the sum over threads
         * telescopes to the number of grace periods completed in the iteration (give or take
         * one at its ends).
         */
        void record(Srcu srcu, AtomicLong newestCookie) {
            calls++;
            long seen = srcu.pollState();
            long prev = newestCookie.get();
            while (seen > prev) {
                if (newestCookie.compareAndSet(prev, seen)) {
                    gracePeriods += (seen - prev) >>> 2;
                    break;
                }
                prev = newestCookie.get();
            }
        }
    }

    /**
     * A domain with a reader thread that always holds a section, hand over hand: it parks for
     * {@link #SECTION_NANOS} (the timer makes that roughly 50–100 µs here), begins the next
     * section and only then ends the previous one. Every grace period therefore waits for at
     * least one of the reader's steps, long enough that concurrent callers overlap — which is when
     * sharing grace periods matters. (A reader that ended one section before beginning the next
     * was tried first: on a busy machine it is preempted in that gap by the updater it wakes, and
     * grace periods then find no reader at all.) With no reader a grace period costs less than waking a parked caller, so
     * callers barely overlap and {@link #synchronize8Callers} shows about one call per grace
     * period: that is not a failure to batch but nothing to batch.
     */
    @State(Scope.Benchmark)
    public static class ReaderLoad {
        /** How long the reader asks to park inside each section. */
        static final long SECTION_NANOS = 20_000L;

        final Srcu srcu = Srcu.create("jmh-batching");
        final AtomicLong newestCookie = new AtomicLong();
        volatile boolean stop;
        Thread reader;

        /** Starts the reader. */
        @Setup(Level.Trial)
        public void startReader() {
            newestCookie.set(srcu.pollState());
            reader = new Thread(() -> {
                int held = srcu.downRead();
                while (!stop) {
                    LockSupport.parkNanos(SECTION_NANOS);
                    int next = srcu.downRead();
                    srcu.upRead(held);
                    held = next;
                }
                srcu.upRead(held);
            }, "jmh-reader");
            reader.setDaemon(true);
            reader.start();
        }

        /**
         * Stops the reader and closes the domain.
         *
         * @throws InterruptedException if interrupted while joining the reader
         */
        @TearDown(Level.Trial)
        public void stopReader() throws InterruptedException {
            stop = true;
            reader.join();
            srcu.close();
        }
    }

    /**
     * A reader section and a helper thread parked in {@code synchronize()} waiting for it, set up
     * afresh before every invocation; see the class documentation.
     */
    @State(Scope.Thread)
    public static class WakeHarness {
        final Srcu srcu = Srcu.create("jmh-wake");
        /** Requests made by the benchmark thread (its only writer). */
        volatile long requested;
        /** Grace periods the helper has completed (its only writer). */
        volatile long completed;
        volatile boolean stop;
        /** The section that the helper's grace period waits for. */
        int token;
        Thread helper;

        /** Starts the helper: it waits untimed for a request, then calls {@code synchronize()}. */
        @Setup(Level.Trial)
        public void startHelper() {
            helper = new Thread(() -> {
                long handled = 0;
                while (!stop) {
                    if (requested == handled) {
                        LockSupport.park(this);
                        continue;
                    }
                    srcu.synchronizeUninterruptibly();
                    completed = ++handled;
                }
            }, "jmh-synchronizer");
            helper.setDaemon(true);
            helper.start();
        }

        /**
         * Begins the pre-existing section and waits until the helper is parked in a grace period
         * that waits for it. Untimed.
         */
        @Setup(Level.Invocation)
        public void blockUpdater() {
            token = srcu.downRead();
            requested = requested + 1;
            LockSupport.unpark(helper);
            // TIMED_WAITING: Srcu parks with a timeout (the stall threshold) while it waits for an
            // index to drain; between requests the helper parks untimed (WAITING).
            while (!(srcu.blocksGracePeriod(token) && helper.getState() == Thread.State.TIMED_WAITING)) {
                Thread.onSpinWait();
            }
        }

        /**
         * Stops the helper and closes the domain.
         *
         * @throws InterruptedException if interrupted while joining the helper
         */
        @TearDown(Level.Trial)
        public void stopHelper() throws InterruptedException {
            stop = true;
            LockSupport.unpark(helper);
            helper.join();
            srcu.close();
        }
    }

    /** A helper thread parked untimed, woken by the benchmark thread; no Srcu involved. */
    @State(Scope.Thread)
    public static class UnparkHarness {
        volatile long requested;
        volatile long completed;
        volatile boolean stop;
        Thread helper;

        /** Starts the helper: it parks until a request, then signals completion. */
        @Setup(Level.Trial)
        public void startHelper() {
            helper = new Thread(() -> {
                while (!stop) {
                    long r = requested;
                    if (r == completed) {
                        LockSupport.park(this);
                        continue;
                    }
                    completed = r;
                }
            }, "jmh-unparked");
            helper.setDaemon(true);
            helper.start();
        }

        /** Waits until the helper is parked. Untimed. */
        @Setup(Level.Invocation)
        public void awaitParked() {
            while (helper.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
        }

        /**
         * Stops the helper.
         *
         * @throws InterruptedException if interrupted while joining the helper
         */
        @TearDown(Level.Trial)
        public void stopHelper() throws InterruptedException {
            stop = true;
            LockSupport.unpark(helper);
            helper.join();
        }
    }
}
