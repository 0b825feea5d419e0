package dev.quiesce.jmh;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.ibm.asyncutil.locks.AsyncEpoch;
import com.ibm.asyncutil.locks.AsyncReadWriteLock;
import dev.quiesce.Access;
import dev.quiesce.Permit;
import dev.quiesce.ReadSection;
import dev.quiesce.Revocable;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Phaser;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.cassandra.utils.concurrent.OpOrder;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;

/**
 * Footprint harness (not a JMH benchmark): what per-object primitives cost in memory when idle,
 * what a read section in flight costs, and how long a grace period or a permanent close takes
 * over a million sections in flight.
 *
 * <p><b>Idle instances.</b> For {@code RwSemaphore}, {@code Revocable} and the peers
 * ({@code ReentrantReadWriteLock}, {@code StampedLock}, the {@code AtomicInteger}-and-latch gate
 * and more): the retained size of one idle instance, everything it owns included, measured with
 * JOL ({@code GraphLayout.parseInstance(x).totalSize()}; for {@code Revocable} the shared
 * resource and release function are subtracted), and, as a cross-check, the heap growth per
 * instance when a million of them are created (heap used after a full GC, before and after;
 * the array that holds them is allocated before the first reading and not counted).
 *
 * <p><b>A million sections in flight.</b> On one {@code Srcu}, one {@code RwSemaphore}, one
 * {@code Revocable} and the peers: a million sections are begun on the main thread and held
 * (tokens in a preallocated array, which is not counted; handles in one, whose slots are not
 * counted), and the heap growth per section is measured the same way — the {@code int} and
 * {@code long} forms should need none. Then a waiter thread starts the grace period or the close
 * ({@code synchronize()}, {@code kill()}, {@code revoke()}, an {@code OpOrder} barrier,
 * {@code AsyncEpoch.terminate()}, the gate's {@code close()}); once it is parked, an ender thread
 * ends all million sections (a hand-off: begun on one thread, ended on another). Reported: ns per
 * begin, ns per end while the waiter waits, µs from just before the last end (the one that must
 * wake the waiter) to the waiter's return, and the whole wait. The median of several rounds (after
 * one warm-up round), with the min–max range.
 *
 * <p>Run it with a fixed heap and the parallel collector, whose "used after a full GC" is exact
 * to the byte here (the serial collector's was not, by a few MB):
 * <pre>
 * java -Xmx3g -XX:+UseParallelGC -cp quiesce-jmh/target/benchmarks.jar dev.quiesce.jmh.Footprint \
 *     [--json FILE] [--sections N] [--instances N] [--rounds N]
 * </pre>
 * It prints Markdown tables and, with {@code --json}, writes the figures for the report
 * ({@link Report}).
 */
public final class Footprint {

    /* Everything here runs on a quiet heap: no other threads allocate while a reading is taken. */

    private Footprint() {
    }

    /** One idle-instance row. */
    static final class IdleRow {
        String name;
        String note;
        long jolBytes;
        /** Heap growth per instance over {@code instances}, or -1 if not measured. */
        double heapBytesEach = -1;
        long instances;
    }

    /** One in-flight row. */
    static final class InFlightRow {
        String name;
        String waits;
        long sections;
        int rounds;
        double bytesPerSection;
        double beginNanos;
        double endNanos;
        double lastEndToReturnMicros;
        double lastEndToReturnMicrosMin;
        double lastEndToReturnMicrosMax;
        double waitMillis;
        double waitMillisMin;
        double waitMillisMax;
        String note;
    }

    /** What the harness writes with {@code --json}. */
    static final class Results {
        String vm;
        String jvm;
        String gc;
        long maxHeap;
        List<IdleRow> idle = new ArrayList<>();
        List<InFlightRow> inFlight = new ArrayList<>();
    }

    /**
     * Runs the harness.
     *
     * @param args {@code [--json FILE] [--sections N] [--instances N] [--rounds N]}
     * @throws Exception if a measurement fails
     */
    public static void main(String[] args) throws Exception {
        Path json = null;
        int sections = 1_000_000;
        int instances = 1_000_000;
        int rounds = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json": json = Path.of(args[++i]); break;
                case "--sections": sections = Integer.parseInt(args[++i]); break;
                case "--instances": instances = Integer.parseInt(args[++i]); break;
                case "--rounds": rounds = Integer.parseInt(args[++i]); break;
                default:
                    System.err.println("usage: Footprint [--json FILE] [--sections N] [--instances N] [--rounds N]");
                    System.exit(2);
            }
        }
        Results r = new Results();
        r.vm = VM.current().details().replace('\n', ' ').trim();
        r.jvm = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        r.gc = ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).reduce((a, b) -> a + ", " + b).orElse("?");
        r.maxHeap = Runtime.getRuntime().maxMemory();

        idle(r, instances);
        inFlight(r, sections, rounds);

        System.out.println(markdown(r));
        if (json != null) {
            Files.createDirectories(json.toAbsolutePath().getParent());
            try (Writer w = Files.newBufferedWriter(json, StandardCharsets.UTF_8)) {
                new GsonBuilder().setPrettyPrinting().create().toJson(r, w);
            }
            System.out.println("footprint: wrote " + json);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Idle instances

    private static void idle(Results r, int instances) {
        Object resource = new Object();
        java.util.function.Consumer<Object> release = x -> { };
        // Shared by every Revocable, not owned by one: the resource and release function the
        // caller passes. An unnamed Revocable holds no label (its name, "revocable@" and an
        // identity hash, is made when asked for).
        GraphLayout shared = GraphLayout.parseInstance(resource, release);

        idleRow(r, "RwSemaphore.create()", "per object: a file, a connection", instances, RwSemaphore::create, null);
        idleRow(r, "Revocable.of(resource, release)", "resource and release function not counted (shared); no label is held",
                instances, () -> Revocable.of(resource, release), shared);
        idleRow(r, "ReentrantReadWriteLock", "JDK", instances, ReentrantReadWriteLock::new, null);
        idleRow(r, "StampedLock", "JDK", instances, StampedLock::new, null);
        idleRow(r, "AtomicInteger + CountDownLatch", "the open-coded gate (OpenCodedGate)", instances, OpenCodedGate::new, null);
        idleRow(r, "Semaphore(n)", "JDK", instances, () -> new Semaphore(1 << 20), null);
        idleRow(r, "Phaser(1)", "JDK", instances, () -> new Phaser(1), null);
        idleRow(r, "OpOrder", "Cassandra", instances, OpOrder::new, null);
        idleRow(r, "AsyncEpoch.newEpoch()", "asyncutil, striped", instances, AsyncEpoch::newEpoch, null);
        idleRow(r, "AsyncEpoch.newUncontendedEpoch()", "asyncutil", instances, AsyncEpoch::newUncontendedEpoch, null);
        idleRow(r, "AsyncReadWriteLock.create()", "asyncutil", instances, AsyncReadWriteLock::create, null);
        idleRow(r, "Srcu.create()", "a domain, one per subsystem (not per object): striped padded cells", 0, Srcu::create, null);
    }

    /** Objects above this size are measured with JOL only: a million of them would not fit. */
    private static final long MILLION_LIMIT_BYTES = 1024;

    private static void idleRow(Results r, String name, String note, int instances, Supplier<?> make, GraphLayout shared) {
        IdleRow row = new IdleRow();
        row.name = name;
        row.note = note;
        Object one = make.get();
        GraphLayout g = GraphLayout.parseInstance(one);
        row.jolBytes = (shared == null ? g : g.subtract(shared)).totalSize();
        if (instances > 0 && row.jolBytes <= MILLION_LIMIT_BYTES) {
            Object[] hold = new Object[instances];
            long before = usedAfterGc();
            for (int i = 0; i < instances; i++) {
                hold[i] = make.get();
            }
            long after = usedAfterGc();
            row.heapBytesEach = (double) (after - before) / instances;
            row.instances = instances;
            reach(hold);
        }
        r.idle.add(row);
        System.out.printf(Locale.ROOT, "idle %-34s JOL %5d B   heap %s%n", name, row.jolBytes,
                row.heapBytesEach < 0 ? "-" : String.format(Locale.ROOT, "%.1f B each over %d", row.heapBytesEach, row.instances));
    }

    // ------------------------------------------------------------------------------------------
    // Sections in flight

    /** A read side with many sections in flight and a wait over them. */
    abstract static class InFlight {
        final String name;
        final String waits;
        final int n;

        InFlight(String name, String waits, int n) {
            this.name = name;
            this.waits = waits;
            this.n = n;
        }

        /** Allocates the storage for the tokens or handles (before the first heap reading). */
        abstract void prepare();

        /** Begins every section on this thread. */
        abstract void beginAll();

        /** Ends sections {@code from} (inclusive) to {@code to} (exclusive) on this thread. */
        abstract void endRange(int from, int to);

        /** Runs on the waiter thread: the grace period or the close. */
        abstract void await() throws Exception;

        /** Whether the wait has begun (so the ender may start). */
        abstract boolean waitBegun();

        /** Releases what the round kept, after it. */
        abstract void clear();

        String note() {
            return "";
        }
    }

    private static List<Supplier<InFlight>> inFlightKinds(int n) {
        List<Supplier<InFlight>> kinds = new ArrayList<>();
        kinds.add(() -> new InFlight("Srcu downRead/upRead (int)", "synchronize()", n) {
            final Srcu srcu = Srcu.create("footprint");
            int[] tokens;

            @Override void prepare() { tokens = new int[n]; }
            @Override void beginAll() { for (int i = 0; i < n; i++) tokens[i] = srcu.downRead(); }
            @Override void endRange(int a, int b) { for (int i = a; i < b; i++) srcu.upRead(tokens[i]); }
            @Override void await() throws Exception { srcu.synchronize(); }
            @Override boolean waitBegun() { return srcu.blocksGracePeriod(tokens[n - 1]); }
            @Override void clear() { tokens = null; srcu.close(); }
        });
        kinds.add(() -> new InFlight("Srcu enter()/ReadSection.close()", "synchronize()", n) {
            final Srcu srcu = Srcu.create("footprint");
            ReadSection[] held;

            @Override void prepare() { held = new ReadSection[n]; }
            @Override void beginAll() { for (int i = 0; i < n; i++) held[i] = srcu.enter(); }
            @Override void endRange(int a, int b) { for (int i = a; i < b; i++) held[i].close(); }
            @Override void await() throws Exception { srcu.synchronize(); }
            @Override boolean waitBegun() { return held[n - 1].blocksGracePeriod(); }
            @Override void clear() { held = null; srcu.close(); }
        });
        kinds.add(() -> new RwsemTokens(n, false));
        kinds.add(() -> new RwsemTokens(n, true));
        kinds.add(() -> new InFlight("RwSemaphore tryAcquireShared()/Permit.close()", "kill()", n) {
            final RwSemaphore sem = RwSemaphore.create("footprint");
            Permit[] held;

            @Override void prepare() { held = new Permit[n]; }
            @Override void beginAll() { for (int i = 0; i < n; i++) held[i] = sem.tryAcquireShared(); }
            @Override void endRange(int a, int b) { for (int i = a; i < b; i++) held[i].close(); }
            @Override void await() { sem.kill(); }
            @Override boolean waitBegun() { return sem.isKilled(); }
            @Override void clear() { held = null; }
        });
        kinds.add(() -> new InFlight("Revocable tryAccess()/Access.close()", "revoke()", n) {
            final Revocable<Object> rev = Revocable.of(new Object(), x -> { });
            Access<?>[] held;

            @Override void prepare() { held = new Access<?>[n]; }
            @Override void beginAll() { for (int i = 0; i < n; i++) held[i] = rev.tryAccess(); }
            @Override void endRange(int a, int b) { for (int i = a; i < b; i++) held[i].close(); }
            @Override void await() { rev.revoke(); }
            @Override boolean waitBegun() { return rev.isRevoked(); }
            @Override void clear() { held = null; }
        });
        kinds.add(() -> new InFlight("OpOrder start()/Group.close() (Cassandra)", "barrier issue()+await()", n) {
            final OpOrder order = new OpOrder();
            final AtomicBoolean issued = new AtomicBoolean();
            OpOrder.Group[] held;

            @Override void prepare() { held = new OpOrder.Group[n]; }
            @Override void beginAll() { for (int i = 0; i < n; i++) held[i] = order.start(); }
            @Override void endRange(int a, int b) { for (int i = a; i < b; i++) held[i].close(); }
            @Override void await() {
                OpOrder.Barrier b = order.newBarrier();
                b.issue();
                issued.set(true);
                b.await();
            }
            @Override boolean waitBegun() { return issued.get(); }
            @Override void clear() { held = null; }
            @Override String note() { return "every section holds the same Group object"; }
        });
        kinds.add(() -> new InFlight("AsyncEpoch enter()/EpochToken.close() (asyncutil)", "terminate(), then join", n) {
            final AsyncEpoch epoch = AsyncEpoch.newEpoch();
            AsyncEpoch.EpochToken[] held;

            @Override void prepare() { held = new AsyncEpoch.EpochToken[n]; }
            @Override void beginAll() { for (int i = 0; i < n; i++) held[i] = epoch.enter().orElseThrow(); }
            @Override void endRange(int a, int b) { for (int i = a; i < b; i++) held[i].close(); }
            @Override void await() { epoch.terminate().toCompletableFuture().join(); }
            @Override boolean waitBegun() { return epoch.isTerminated(); }
            @Override void clear() { held = null; }
        });
        kinds.add(() -> new InFlight("AtomicInteger + CountDownLatch (open-coded)", "close(): mark, await latch", n) {
            final OpenCodedGate gate = new OpenCodedGate();

            @Override void prepare() { }
            @Override void beginAll() { for (int i = 0; i < n; i++) gate.tryEnter(); }
            @Override void endRange(int a, int b) { for (int i = a; i < b; i++) gate.exit(); }
            @Override void await() { gate.close(); }
            @Override boolean waitBegun() { return gate.isClosed(); }
            @Override void clear() { }
            @Override String note() { return "a count: nothing to hand over but the obligation to exit"; }
        });
        return kinds;
    }

    /** RwSemaphore token form, counted in the state word or (inflated) in the reader cells. */
    static final class RwsemTokens extends InFlight {
        final RwSemaphore sem = RwSemaphore.create("footprint");
        final boolean inflated;
        long[] tokens;

        RwsemTokens(int n, boolean inflated) {
            super("RwSemaphore tryAcquireSharedToken()/releaseShared (long)" + (inflated ? ", inflated" : ", state word"), "kill()", n);
            this.inflated = inflated;
        }

        @Override void prepare() {
            if (inflated) {
                inflate(sem);
            }
            tokens = new long[n];
        }

        @Override void beginAll() {
            for (int i = 0; i < n; i++) {
                tokens[i] = sem.tryAcquireSharedToken();
            }
        }

        @Override void endRange(int a, int b) {
            for (int i = a; i < b; i++) {
                sem.releaseShared(tokens[i]);
            }
        }

        @Override void await() {
            sem.kill();
        }

        @Override boolean waitBegun() {
            return sem.isKilled();
        }

        @Override void clear() {
            tokens = null;
        }
    }

    private static void inFlight(Results r, int n, int rounds) throws Exception {
        srcuEndsWithNoWaiter(n, rounds);
        for (Supplier<InFlight> kind : inFlightKinds(n)) {
            oneRound(kind.get());                          // warm-up: class loading, compilation
            double[][] m = new double[rounds][];
            for (int k = 0; k < rounds; k++) {
                m[k] = oneRound(kind.get());
            }
            InFlight probe = kind.get();
            InFlightRow row = new InFlightRow();
            row.name = probe.name;
            row.waits = probe.waits;
            row.note = probe.note();
            row.sections = n;
            row.rounds = rounds;
            row.bytesPerSection = median(column(m, 0));
            row.beginNanos = median(column(m, 1));
            row.endNanos = median(column(m, 2));
            double[] wake = column(m, 3);
            double[] wait = column(m, 4);
            row.lastEndToReturnMicros = median(wake);
            row.lastEndToReturnMicrosMin = Arrays.stream(wake).min().orElse(0);
            row.lastEndToReturnMicrosMax = Arrays.stream(wake).max().orElse(0);
            row.waitMillis = median(wait);
            row.waitMillisMin = Arrays.stream(wait).min().orElse(0);
            row.waitMillisMax = Arrays.stream(wait).max().orElse(0);
            r.inFlight.add(row);
            System.out.printf(Locale.ROOT, "in flight %-62s %7.1f B/section  begin %6.1f ns  end %6.1f ns  last end -> return %8.1f us  wait %7.1f ms%n",
                    row.name, row.bytesPerSection, row.beginNanos, row.endNanos, row.lastEndToReturnMicros, row.waitMillis);
        }
    }

    /**
     * The baseline of issue 12's target 4: {@code upRead} of {@code n} sections begun with
     * {@code downRead}, ended on another thread as in {@link #oneRound}, with no grace period
     * waiting. Median ns per end over the rounds, printed beside the in-flight rows.
     */
    private static void srcuEndsWithNoWaiter(int n, int rounds) throws Exception {
        double[] ns = new double[rounds];
        for (int k = -1; k < rounds; k++) {                // round -1: warm-up
            Srcu srcu = Srcu.create("footprint-idle");
            int[] tokens = new int[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = srcu.downRead();
            }
            double[] perEnd = new double[1];
            Thread ender = new Thread(() -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    srcu.upRead(tokens[i]);
                }
                perEnd[0] = (double) (System.nanoTime() - t0) / n;
            }, "footprint-ender");
            ender.start();
            ender.join();
            srcu.close();
            if (k >= 0) {
                ns[k] = perEnd[0];
            }
        }
        System.out.printf(Locale.ROOT, "in flight %-62s end %6.1f ns (median of %d rounds; min %.1f, max %.1f)%n",
                "Srcu upRead (int), no grace period waiting", median(ns), rounds,
                Arrays.stream(ns).min().orElse(0), Arrays.stream(ns).max().orElse(0));
    }

    private static double[] column(double[][] m, int c) {
        double[] x = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            x[i] = m[i][c];
        }
        return x;
    }

    /**
     * One round on a fresh object, in its own method so that nothing of it stays reachable from
     * a local variable into the next round's heap readings.
     *
     * @return bytes per section, ns per begin, ns per end, µs from the last end to the return, ms
     *         of the whole wait
     */
    private static double[] oneRound(InFlight f) throws Exception {
        int n = f.n;
        f.prepare();
        long before = usedAfterGc();
        long t0 = System.nanoTime();
        f.beginAll();
        long t1 = System.nanoTime();
        long after = usedAfterGc();

        long[] returnedAt = new long[1];
        Throwable[] failed = new Throwable[1];
        Thread waiter = new Thread(() -> {
            try {
                f.await();
            } catch (Throwable e) {
                failed[0] = e;
            }
            returnedAt[0] = System.nanoTime();
        }, "footprint-waiter");
        long waitStart = System.nanoTime();
        waiter.start();
        awaitParked(waiter, f::waitBegun);
        long[] endStart = new long[1];
        long[] beforeLastEnd = new long[1];
        Thread ender = new Thread(() -> {
            endStart[0] = System.nanoTime();
            f.endRange(0, n - 1);
            beforeLastEnd[0] = System.nanoTime();       // the last end is the one that must wake the waiter
            f.endRange(n - 1, n);
        }, "footprint-ender");
        ender.start();
        ender.join();
        waiter.join();
        if (failed[0] != null) {
            throw new IllegalStateException(f.name + ": the wait failed", failed[0]);
        }
        f.clear();
        return new double[] {
            (double) (after - before) / n,
            (double) (t1 - t0) / n,
            (double) (beforeLastEnd[0] - endStart[0]) / (n - 1),
            (returnedAt[0] - beforeLastEnd[0]) / 1e3,
            (returnedAt[0] - waitStart) / 1e6,
        };
    }

    /**
     * Waits until the waiter has begun its wait and is parked in it (a state the JVM reports).
     * Bounded: after 10 s it goes on, and the figures say so by their size.
     */
    private static void awaitParked(Thread waiter, BooleanSupplier begun) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - deadline < 0) {
            Thread.State s = waiter.getState();
            if (begun.getAsBoolean() && (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING)) {
                return;
            }
            Thread.onSpinWait();
        }
        System.err.println("footprint: the waiter was not seen parked within 10 s; going on");
    }

    /** Inflates {@code sem} the only public way: two threads' reader CASes collide. */
    static void inflate(RwSemaphore sem) {
        AtomicBoolean stop = new AtomicBoolean();
        Runnable hammer = () -> {
            while (!stop.get()) {
                for (int i = 0; i < 1024; i++) {
                    sem.releaseShared(sem.tryAcquireSharedToken());
                }
            }
        };
        Thread a = new Thread(hammer, "inflate-a");
        Thread b = new Thread(hammer, "inflate-b");
        a.start();
        b.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            while (!sem.toString().contains(", inflated") && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
        } finally {
            stop.set(true);
            try {
                a.join();
                b.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!sem.toString().contains(", inflated")) {
            throw new IllegalStateException("reader contention did not inflate " + sem + " in 10 s");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    /** Heap in use after full collections (exact with the parallel collector). */
    static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Keeps {@code o} reachable until here. */
    private static volatile Object sink;

    private static void reach(Object o) {
        sink = o;
        sink = null;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    /**
     * The two tables in Markdown.
     *
     * @param r the figures
     * @return Markdown text
     */
    static String markdown(Results r) {
        StringBuilder sb = new StringBuilder();
        sb.append("| idle instance | retained bytes (JOL) | heap per instance, a million of them | note |\n");
        sb.append("|---|---:|---:|---|\n");
        for (IdleRow i : r.idle) {
            sb.append(String.format(Locale.ROOT, "| `%s` | %d | %s | %s |%n", i.name, i.jolBytes,
                    i.heapBytesEach < 0 ? "—" : String.format(Locale.ROOT, "%.1f", i.heapBytesEach), i.note));
        }
        sb.append('\n');
        if (!r.inFlight.isEmpty()) {
            InFlightRow first = r.inFlight.get(0);
            sb.append(String.format(Locale.ROOT, "| %,d sections in flight on one object | heap per section (B) | begin (ns) | end on another thread, while the wait waits (ns) | wait | last end → wait returns (µs) | whole wait (ms) | note |%n", first.sections));
            sb.append("|---|---:|---:|---:|---|---:|---:|---|\n");
            for (InFlightRow f : r.inFlight) {
                sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | `%s` | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) | %s |%n",
                        f.name, f.bytesPerSection, f.beginNanos, f.endNanos, f.waits,
                        f.lastEndToReturnMicros, f.lastEndToReturnMicrosMin, f.lastEndToReturnMicrosMax,
                        f.waitMillis, f.waitMillisMin, f.waitMillisMax, f.note == null ? "" : f.note));
            }
            sb.append(String.format(Locale.ROOT, "%nMedian of %d rounds (min–max). %s; %s; GC: %s.%n",
                    first.rounds, r.jvm, r.vm, r.gc));
        }
        return sb.toString();
    }

    /** For the report: reads what {@code --json} wrote. */
    static Results read(Path json) throws IOException {
        return new Gson().fromJson(Files.readString(json), Results.class);
    }
}
