package dev.quiesce.jmh;

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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

/**
 * Hand-off pair: a read section <em>begun on one thread and ended on another</em> — the
 * asynchronous-I/O shape (START in the submitter, END in the completion handler) — for every
 * read side that allows it (see {@link ReadSidePeer}; {@code ReentrantReadWriteLock} does not:
 * its read lock belongs to the locking thread).
 *
 * <p><b>Design, the same for every peer.</b> One {@code @Group} of two threads (this machine has
 * two cores): {@code begin} begins a section and puts its token or handle into a bounded
 * single-producer single-consumer ring ({@link HandOffRing}, 1024 slots); {@code end} takes the
 * oldest one out and ends it. Up to 1024 sections are in flight at once, handed from one core to
 * the other. The ring is the same for every peer — each slot carries a {@code long} and a
 * reference, and every peer writes and reads both — so differences between peers are the cost of
 * their begin and end <em>on different cores</em>: a counter written by the beginning thread and
 * again by the ending one moves between the cores' caches, which a same-thread pair never shows.
 * A full ring makes {@code begin} wait and an empty one {@code end} (spinning {@value #SPINS} times,
 * then yielding, so that on a busy machine a waiting thread gives its core to the other side), so
 * the slower side sets the pace.
 *
 * <p>What to read: the {@code end} method's score — sections completed per µs — which the report
 * uses; the group's total counts each section twice (its begin and its end). When an iteration
 * ends, the thread that is waiting for the ring returns at once (JMH's
 * {@link Control#stopMeasurement}); sections still in the ring are ended at the end of the trial,
 * after which {@link ReadSidePeer#close()} fails the trial if any count is off. Run with
 * {@code -prof gc} ({@code gc.alloc.rate.norm} is per group operation, and each section is two
 * operations, its begin and its end: double it for bytes per section).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HandOffBenchmark {

    /** The read side and the ring between the two threads of a group. */
    @State(Scope.Group)
    public static class Pipe {
        /** Which read side: those of {@link ReadSidePeer#ALL} that hand off. */
        @Param({"srcu-int", "srcu-handle", "rwsem-token", "rwsem-permit", "revocable",
                "stamped", "semaphore", "phaser", "longadder", "open-coded",
                "oporder", "async-epoch", "async-rwlock"})
        public String impl;

        ReadSidePeer peer;
        final HandOffRing ring = new HandOffRing();

        /** Creates the read side; refuses one that cannot hand off. */
        @Setup(Level.Trial)
        public void setUp() {
            peer = ReadSidePeer.create(impl);
            if (!peer.handsOff()) {
                throw new IllegalArgumentException(impl + " cannot end a section on another thread");
            }
        }

        /** Ends what is left in the ring, then checks that nothing was left open. */
        @TearDown(Level.Trial)
        public void tearDown() {
            while (ring.hasItem()) {
                ring.take(peer);
            }
            peer.close();
        }
    }

    /**
     * Producer: waits for a free slot, then begins a section and puts it into the ring.
     *
     * @param p the pipe
     * @param control JMH's stop flag: a waiting thread returns when the iteration ends
     */
    @Benchmark
    @Group("handOff")
    @GroupThreads(1)
    public void begin(Pipe p, Control control) {
        HandOffRing ring = p.ring;
        for (int spins = 0; !ring.hasRoom(); spins++) {
            if (control.stopMeasurement) {
                return;
            }
            backOff(spins);
        }
        p.peer.begin(ring);
    }

    /**
     * Consumer: waits for a section, then takes it out of the ring and ends it on this thread.
     *
     * @param p the pipe
     * @param control JMH's stop flag: a waiting thread returns when the iteration ends
     */
    @Benchmark
    @Group("handOff")
    @GroupThreads(1)
    public void end(Pipe p, Control control) {
        HandOffRing ring = p.ring;
        for (int spins = 0; !ring.hasItem(); spins++) {
            if (control.stopMeasurement) {
                return;
            }
            backOff(spins);
        }
        ring.take(p.peer);
    }

    /** Spins a little, then yields: on a busy machine the other side may need this core. */
    private static void backOff(int spins) {
        if (spins < SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    /** Spins before a waiting thread starts to yield. */
    static final int SPINS = 64;
}
