package dev.quiesce.jmh;

import com.ibm.asyncutil.locks.AsyncEpoch;
import dev.quiesce.Access;
import dev.quiesce.Permit;
import dev.quiesce.Revocable;
import dev.quiesce.RwSemaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * Permanent close over in-flight readers: {@code RwSemaphore.kill()} and
 * {@code Revocable.revoke()} against asyncutil's {@code AsyncEpoch.terminate()} (which, like them,
 * can happen only once) and the open-coded {@code AtomicInteger}-and-latch gate
 * ({@link OpenCodedGate}). Time from the call until it returns with the object dead and every
 * in-flight section ended.
 *
 * <table class="striped">
 * <caption>Implementations ({@code impl})</caption>
 * <tr><th>impl</th><th>a section</th><th>closing has begun</th><th>timed close</th></tr>
 * <tr><td>{@code rwsem}</td><td>{@code tryAcquireShared()} / {@code Permit.close()}</td>
 *     <td>{@code isKilled()}</td><td>{@code kill()}</td></tr>
 * <tr><td>{@code revocable}</td><td>{@code tryAccess()} / {@code Access.close()}</td>
 *     <td>{@code isRevoked()}</td><td>{@code revoke()} (the release action does nothing)</td></tr>
 * <tr><td>{@code async-epoch}</td><td>{@code enter()} / {@code EpochToken.close()}</td>
 *     <td>{@code isTerminated()}</td><td>{@code terminate()}, then wait for its stage
 *     ({@code join})</td></tr>
 * <tr><td>{@code open-coded}</td><td>{@code tryEnter()} / {@code exit()}</td>
 *     <td>{@code isClosed()}</td><td>{@code close()}: mark closed, await the latch</td></tr>
 * </table>
 *
 * <p><b>Harness.</b> A close can happen once per object, so every invocation gets a fresh one:
 * in an untimed {@code @Setup(Level.Invocation)} the benchmark thread creates it and begins
 * {@code inFlight} sections (0, 1 or 1000), which it hands to a helper thread — the "completion
 * thread" of those operations, and unparks it. The timed part is the close on the benchmark
 * thread: the helper, spinning on the peer's own "closing has begun" test, sees the close begin and
 * ends every section, then parks again (leaving the core to the closer); the close returns when it
 * notices the last one. So one invocation measures, for every
 * peer alike: beginning the close, the helper ending {@code inFlight} sections on the other core
 * against a closing object, and the closer's wake-up. With {@code inFlight = 0} it is the bare
 * cost of a permanent close. Two threads for two cores: the benchmark thread and the helper.
 * Sample mode, µs: read the mean and the p0.50/p0.99 lines.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class KillBenchmark {

    /** Which permanent close. */
    @Param({"rwsem", "revocable", "async-epoch", "open-coded"})
    public String impl;

    /** How many sections are in flight when the close begins. */
    @Param({"0", "1", "1000"})
    public int inFlight;

    /** The object of the current invocation (written by the benchmark thread, read by the helper). */
    private volatile Closable current;
    /** Invocations armed by the benchmark thread (its only writer). */
    private volatile long armed;
    /** Invocations whose sections the helper has ended (its only writer). */
    private volatile long handled;
    private volatile boolean stop;
    private Thread helper;

    /** Starts the helper thread. */
    @Setup(Level.Trial)
    public void startHelper() {
        helper = new Thread(this::helperLoop, "jmh-completions");
        helper.setDaemon(true);
        helper.start();
    }

    /**
     * Creates a fresh object and begins the in-flight sections, for the helper to end. Untimed.
     */
    @Setup(Level.Invocation)
    public void arm() {
        while (handled != armed) {                         // the previous invocation's helper work
            Thread.onSpinWait();
        }
        Closable c = Closable.create(impl, inFlight);
        for (int i = 0; i < inFlight; i++) {
            c.begin(i);
        }
        current = c;
        if (inFlight > 0) {
            armed = armed + 1;
            LockSupport.unpark(helper);
        }
    }

    /** Closes the current object for good; returns when it is dead and every section has ended. */
    @Benchmark
    public void closeOverInFlight() {
        current.closeAndWait();
    }

    /**
     * Stops the helper.
     *
     * @throws InterruptedException if interrupted while joining it
     */
    @TearDown(Level.Trial)
    public void stopHelper() throws InterruptedException {
        stop = true;
        LockSupport.unpark(helper);
        helper.join();
    }

    /**
     * Repeatedly: park until an invocation is armed; spin until its close has begun (the timed
     * part starts right after the untimed setup, so this spin is short); end every section; park
     * again, leaving the core free for the closer's wake-up.
     */
    private void helperLoop() {
        long done = 0;
        while (!stop) {
            long a = armed;
            if (a == done) {
                LockSupport.park(this);
                continue;
            }
            Closable c = current;
            while (!c.isClosing() && !stop) {
                Thread.onSpinWait();
            }
            c.endAll();
            done = a;
            handled = a;
        }
    }

    /** One closable object and its in-flight sections. */
    abstract static class Closable {
        final int n;

        Closable(int n) {
            this.n = n;
        }

        static Closable create(String impl, int n) {
            switch (impl) {
                case "rwsem": return new Rwsem(n);
                case "revocable": return new Rev(n);
                case "async-epoch": return new Epoch(n);
                case "open-coded": return new OpenCoded(n);
                default: throw new IllegalArgumentException("unknown impl '" + impl + "'");
            }
        }

        /** Begins section {@code i}. */
        abstract void begin(int i);

        /** Ends every section, on the calling thread. */
        abstract void endAll();

        /** Whether the close has begun. */
        abstract boolean isClosing();

        /** Closes for good and waits for every section. */
        abstract void closeAndWait();
    }

    static final class Rwsem extends Closable {
        final RwSemaphore sem = RwSemaphore.create("jmh-kill");
        final Permit[] held;

        Rwsem(int n) {
            super(n);
            held = new Permit[n];
        }

        @Override void begin(int i) {
            held[i] = sem.tryAcquireShared();
        }

        @Override void endAll() {
            for (Permit p : held) {
                p.close();
            }
        }

        @Override boolean isClosing() {
            return sem.isKilled();
        }

        @Override void closeAndWait() {
            sem.kill();
        }
    }

    static final class Rev extends Closable {
        final Revocable<Object> rev = Revocable.of(new Object(), r -> { });
        final Access<?>[] held;

        Rev(int n) {
            super(n);
            held = new Access<?>[n];
        }

        @Override void begin(int i) {
            held[i] = rev.tryAccess();
        }

        @Override void endAll() {
            for (Access<?> a : held) {
                a.close();
            }
        }

        @Override boolean isClosing() {
            return rev.isRevoked();
        }

        @Override void closeAndWait() {
            rev.revoke();
        }
    }

    static final class Epoch extends Closable {
        final AsyncEpoch epoch = AsyncEpoch.newEpoch();
        final AsyncEpoch.EpochToken[] held;

        Epoch(int n) {
            super(n);
            held = new AsyncEpoch.EpochToken[n];
        }

        @Override void begin(int i) {
            held[i] = epoch.enter().orElseThrow();
        }

        @Override void endAll() {
            for (AsyncEpoch.EpochToken t : held) {
                t.close();
            }
        }

        @Override boolean isClosing() {
            return epoch.isTerminated();
        }

        @Override void closeAndWait() {
            if (!epoch.terminate().toCompletableFuture().join()) {
                throw new IllegalStateException("terminated twice");
            }
        }
    }

    static final class OpenCoded extends Closable {
        final OpenCodedGate gate = new OpenCodedGate();

        OpenCoded(int n) {
            super(n);
        }

        @Override void begin(int i) {
            if (!gate.tryEnter()) {
                throw new IllegalStateException("closed");
            }
        }

        @Override void endAll() {
            for (int i = 0; i < n; i++) {
                gate.exit();
            }
        }

        @Override boolean isClosing() {
            return gate.isClosed();
        }

        @Override void closeAndWait() {
            gate.close();
        }
    }
}
