package dev.quiesce.jmh;

import dev.quiesce.nio.Volume;
import dev.quiesce.nio.Watch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a {@link Volume} adds to a 4 KiB positional write, against the same write on the plain
 * path, in the same run: the overhead evidence ("tracked vs raw AsynchronousFileChannel
 * 4 KiB writes on tmpfs; target overhead at most 5 % of throughput").
 *
 * <p><b>Implementations</b> ({@code @Param impl}), each over a fresh directory of the same file
 * system:
 * <table class="striped">
 * <caption>impl</caption>
 * <tr><th>impl</th><th>the channels are opened on</th></tr>
 * <tr><td>{@code raw}</td><td>the plain path ({@code dir.resolve(name)}): the JDK's own channel,
 *     the baseline</td></tr>
 * <tr><td>{@code volume}</td><td>{@code volume.path(name)} of a {@link Volume} over the directory,
 *     no listener: each write runs the write protocol (section, freeze protection, the file's
 *     shared permit, the dirty mark; for async writes END on the completion thread)</td></tr>
 * <tr><td>{@code watched}</td><td>the same with one listener registered ({@link Volume#watch}): each
 *     write also builds a {@code Modification} and calls the listener, which only stores the
 *     length in a field</td></tr>
 * </table>
 *
 * <p><b>Methods</b> (throughput, writes per second per benchmark thread; run with the default one
 * thread):
 * <table class="striped">
 * <caption>Benchmark methods</caption>
 * <tr><th>method</th><th>one operation</th></tr>
 * <tr><td>{@code asyncOneAtATime}</td><td>{@code AsynchronousFileChannel.write(buf, pos).get()}:
 *     one 4 KiB write in flight at a time, so each operation includes the hand-off to the
 *     channel's thread pool and back</td></tr>
 * <tr><td>{@code asyncPipelined}</td><td>{@value #DEPTH} writes in flight per thread: wait for the
 *     oldest write's future, then issue the next write from that slot (its own direct buffer).
 *     One operation = one completed 4 KiB write</td></tr>
 * <tr><td>{@code syncPositional}</td><td>{@code FileChannel.write(buf, pos)}: the blocking channel,
 *     no thread hand-off, so the protocol's cost is the largest share here</td></tr>
 * </table>
 * Async channels are opened with {@code AsynchronousFileChannel.open(path, WRITE)}: both the raw
 * and the tracked channel use the JDK's default pool. Every write is {@value #BLOCK} bytes from a
 * direct buffer, at the next of {@value #RING} block positions of a per-thread file that is
 * filled with zeros before the trial: writes overwrite in place and the file never grows. A write
 * that writes fewer bytes fails the benchmark.
 *
 * <p><b>Where.</b> The directory is created under {@code /dev/shm} (tmpfs: no device I/O, so the
 * protocol's cost is not hidden behind the disk) when it exists, else under
 * {@code java.io.tmpdir}; the trial prints which, with the file store's type. Closing the volume
 * at the end of a trial forces the written files (cheap on tmpfs) outside the measurement.
 *
 * <p><b>Interleaved: the ratio under one and the same load.</b> On a busy machine the load changes
 * between the forks of {@code raw} and those of {@code volume}, and the ratio of two scores taken
 * minutes apart carries that drift (seen here: ±30 % errors on the async methods at a load
 * average of 7–12). The {@code interleaved…} methods therefore measure all three implementations
 * in one thread, taking turns on three files — a plain one, one of a volume, one of a second
 * volume with a listener (so that the listener sees only its own side's writes) — in short blocks:
 * <table class="striped">
 * <caption>Interleaved methods</caption>
 * <tr><th>method</th><th>one block on one side</th></tr>
 * <tr><td>{@code interleavedSync}</td><td>{@value #SYNC_BLOCK} blocking positional writes</td></tr>
 * <tr><td>{@code interleavedAsyncOne}</td><td>{@value #ASYNC_BLOCK} async writes one at a time</td></tr>
 * <tr><td>{@code interleavedAsyncPipelined}</td><td>{@value #PIPELINE_BLOCK} async writes,
 *     {@value #DEPTH} in flight, filled and drained within the block</td></tr>
 * <tr><td>{@code interleavedAsyncInline}</td><td>{@value #SYNC_BLOCK} async writes one at a time on
 *     channels opened with an executor that runs the I/O inside the {@code write} call
 *     ({@link #INLINE}): the async protocol's CPU cost (START, hand-off of the holds, END, the
 *     future) without the pool's thread hand-off, whose wake-up latency (tens of µs, varying with
 *     the load) otherwise dominates and hides it</td></tr>
 * </table>
 * One round is one block on each side, the side that goes first rotating; each block is timed
 * with {@code System.nanoTime()}. The three blocks of a round run within a fraction of a
 * millisecond of each other, so they see the same load; a preemption or a burst of load lands on
 * one block of one round, and medians over the rounds of an iteration discard it (a sum would
 * not: a few preemptions of milliseconds decide a sum of blocks of 0.1 ms). The auxiliary
 * counters (of the {@link Interleaved} state, one value per iteration) are:
 * <table class="striped">
 * <caption>Auxiliary counters of the interleaved methods</caption>
 * <tr><th>counter</th><th>meaning</th></tr>
 * <tr><td>{@code rawNsPerWrite}, {@code volumeNsPerWrite}, {@code watchedNsPerWrite}</td>
 *     <td>time per write of each side: its median block time in that iteration divided by the
 *     writes per block, in ns</td></tr>
 * <tr><td>{@code volumeVsRaw}, {@code watchedVsRaw}</td><td>the side's throughput relative to raw:
 *     the median over the iteration's rounds of raw's block time divided by the side's block time.
 *     Overhead = 1 − this</td></tr>
 * <tr><td>{@code volumeVsRawMean}, {@code watchedVsRawMean}</td><td>the same from the sums of the
 *     iteration's block times: slow blocks count in full, whether a preemption or a slow path of
 *     the volume made them slow. Close to the median ratio when the volume has no costly tail;
 *     noisy on a loaded machine</td></tr>
 * </table>
 * JMH adds {@code EVENTS} counters up over the measured iterations: the summary table shows
 * Cnt × the mean; read the mean ("avg") in the "Secondary result" lines, or the per-iteration
 * values in the JSON ({@code -rf json}: {@code secondaryMetrics.<counter>.rawData}). The primary
 * score of these methods (invocations per second, each invocation being three blocks) means
 * nothing on its own.
 *
 * <p><b>Reading it.</b> Overhead = 1 − volume / raw. From the {@code @Param} methods, its range comes
 * from the two scores' errors: (volume ± err) / (raw ∓ err), which includes the drift of load
 * between forks; from the interleaved methods it is 1 − {@code volumeVsRaw}, with that counter's
 * error. Use {@code -f 3} or more. Command used for the issue:
 * {@code java -jar quiesce-jmh/target/benchmarks.jar VolumeWriteBenchmark -f 3 -wi 3 -i 5 -w 1s -r 1s}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class VolumeWriteBenchmark {

    /** Bytes per write. */
    static final int BLOCK = 4096;
    /** Block positions per file: writes cycle through a file of {@code RING * BLOCK} bytes. */
    static final int RING = 256;
    /** Writes in flight per thread in {@code asyncPipelined}; a power of two. */
    static final int DEPTH = 16;
    /** Blocking writes per side per turn of {@code interleavedSync}. */
    static final int SYNC_BLOCK = 64;
    /** Async writes, one at a time, per side per turn of {@code interleavedAsyncOne}. */
    static final int ASYNC_BLOCK = 16;
    /** Async writes, {@code DEPTH} in flight, per side per turn of {@code interleavedAsyncPipelined}. */
    static final int PIPELINE_BLOCK = 256;
    /** Rounds recorded per iteration by the interleaved methods; later rounds run unrecorded. */
    static final int MAX_ROUNDS = 1 << 18;

    /** The directory, and the volume over it unless {@code impl} is {@code raw}. */
    @State(Scope.Benchmark)
    public static class Target {
        /** Which channel the writes go through; see the class Javadoc. */
        @Param({"raw", "volume", "watched"})
        public String impl;

        Path dir;
        Volume volume;
        Watch watch;
        /** The listener's sink (plain field: it only has to exist). */
        long lastLength;
        long events;
        final AtomicInteger threads = new AtomicInteger();

        /**
         * Creates the directory and, for the tracked implementations, the volume and listener.
         *
         * @throws IOException if the directory cannot be created
         * @throws InterruptedException never in practice
         */
        @Setup(Level.Trial)
        public void setUp() throws IOException, InterruptedException {
            dir = createDirectory();
            switch (impl) {
                case "raw":
                    break;
                case "volume":
                    volume = Volume.open(dir);
                    break;
                case "watched":
                    volume = Volume.open(dir);
                    watch = volume.watch(m -> {
                        lastLength = m.length();
                        events++;
                    });
                    break;
                default:
                    throw new IllegalArgumentException("impl " + impl);
            }
        }

        /** The path the channels are opened on. */
        Path path(String name) {
            return volume == null ? dir.resolve(name) : volume.path(name);
        }

        /**
         * Closes the volume (forcing what was written) and deletes the directory.
         *
         * @throws IOException if closing or deleting fails
         */
        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            if (watch != null) {
                watch.close();
                System.out.println("# listener calls: " + events + " (last length " + lastLength + ")");
            }
            if (volume != null) {
                volume.close();
            }
            deleteTree(dir);
        }
    }

    /**
     * One writer's file, channels and buffers; used by one thread at a time. Not a JMH state:
     * {@link Writer} holds one per benchmark thread, {@link Interleaved} three.
     */
    static final class Side {
        final AsynchronousFileChannel async;
        /** The same file, opened with {@link #INLINE}: each write completes inside the write call. */
        final AsynchronousFileChannel inline;
        final FileChannel sync;
        final ByteBuffer one = ByteBuffer.allocateDirect(BLOCK);
        final ByteBuffer[] slots = new ByteBuffer[DEPTH];
        @SuppressWarnings("unchecked")
        final Future<Integer>[] pending = (Future<Integer>[]) new Future<?>[DEPTH];
        int slot;
        int block;

        /**
         * Creates {@code plain}, fills it with zeros, and opens both channels on {@code open} (the
         * same file, as a plain path or a volume path).
         */
        Side(Path plain, Path open) throws IOException {
            try (FileChannel fill = FileChannel.open(plain, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer zeros = ByteBuffer.allocateDirect(BLOCK);
                for (int i = 0; i < RING; i++) {
                    zeros.clear();
                    while (zeros.hasRemaining()) {
                        fill.write(zeros, (long) i * BLOCK + zeros.position());
                    }
                }
            }
            for (int i = 0; i < DEPTH; i++) {
                slots[i] = ByteBuffer.allocateDirect(BLOCK);
                fill(slots[i], (byte) i);
            }
            fill(one, (byte) 42);
            async = AsynchronousFileChannel.open(open, StandardOpenOption.WRITE);
            inline = AsynchronousFileChannel.open(open, Set.of(StandardOpenOption.WRITE), INLINE);
            sync = FileChannel.open(open, StandardOpenOption.WRITE);
        }

        private static void fill(ByteBuffer b, byte value) {
            while (b.hasRemaining()) {
                b.put(value);
            }
            b.clear();
        }

        private long nextPosition() {
            int b = block;
            block = b + 1 == RING ? 0 : b + 1;
            return (long) b * BLOCK;
        }

        int asyncOne() throws Exception {
            ByteBuffer b = one;
            b.clear();
            return check(async.write(b, nextPosition()).get());
        }

        int asyncPipelined() throws Exception {
            int i = slot;
            slot = (i + 1) & (DEPTH - 1);
            Future<Integer> oldest = pending[i];
            int written = oldest == null ? 0 : check(oldest.get());
            ByteBuffer b = slots[i];
            b.clear();
            pending[i] = async.write(b, nextPosition());
            return written;
        }

        int sync() throws IOException {
            ByteBuffer b = one;
            b.clear();
            return check(sync.write(b, nextPosition()));
        }

        int syncBlock() throws IOException {
            for (int i = 0; i < SYNC_BLOCK; i++) {
                sync();
            }
            return SYNC_BLOCK;
        }

        int asyncInlineBlock() throws Exception {
            for (int i = 0; i < SYNC_BLOCK; i++) {
                ByteBuffer b = one;
                b.clear();
                check(inline.write(b, nextPosition()).get());
            }
            return SYNC_BLOCK;
        }

        int asyncOneBlock() throws Exception {
            for (int i = 0; i < ASYNC_BLOCK; i++) {
                asyncOne();
            }
            return ASYNC_BLOCK;
        }

        /** {@code PIPELINE_BLOCK} completed writes, {@code DEPTH} in flight, drained at the end. */
        int pipelinedBlock() throws Exception {
            for (int i = 0; i < PIPELINE_BLOCK; i++) {
                asyncPipelined();
            }
            drain();
            return PIPELINE_BLOCK;
        }

        private void drain() throws Exception {
            for (int i = 0; i < DEPTH; i++) {
                if (pending[i] != null) {
                    check(pending[i].get());
                    pending[i] = null;
                }
            }
        }

        /** Waits for the writes still in flight and closes the channels. */
        void close() throws Exception {
            drain();
            async.close();
            inline.close();
            sync.close();
        }
    }

    /** One benchmark thread's {@link Side} in the directory of {@link Target}. */
    @State(Scope.Thread)
    public static class Writer {
        Side side;

        /**
         * Creates this thread's file and opens it the way {@code impl} says.
         *
         * @param t the directory and volume
         * @throws IOException if the file cannot be created or opened
         */
        @Setup(Level.Trial)
        public void setUp(Target t) throws IOException {
            String name = "writer-" + t.threads.getAndIncrement() + ".dat";
            side = new Side(t.dir.resolve(name), t.path(name));
        }

        /**
         * Waits for the writes still in flight and closes the channels.
         *
         * @throws Exception if a write failed or a channel cannot be closed
         */
        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            side.close();
        }
    }

    /**
     * The three sides of the interleaved methods and the time each spent writing in the current
     * iteration. Its public methods are JMH auxiliary counters (see the class Javadoc).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Interleaved {
        Path dir;
        Volume volume;
        Volume watchedVolume;
        Watch watch;
        long lastLength;
        Side raw;
        Side tracked;
        Side watched;
        int turn;
        /** Per round of this iteration: each side's block time, in ns (up to {@code MAX_ROUNDS}). */
        final long[] rawNanos = new long[MAX_ROUNDS];
        final long[] volumeNanos = new long[MAX_ROUNDS];
        final long[] watchedNanos = new long[MAX_ROUNDS];
        int rounds;
        int writesPerBlock;

        /**
         * Creates three directories (plain, volume, volume with a listener) and a file in each.
         *
         * @throws IOException if a directory or file cannot be created
         * @throws InterruptedException never in practice
         */
        @Setup(Level.Trial)
        public void setUp() throws IOException, InterruptedException {
            dir = createDirectory();
            Path rawDir = Files.createDirectory(dir.resolve("raw"));
            volume = Volume.open(Files.createDirectory(dir.resolve("volume")));
            watchedVolume = Volume.open(Files.createDirectory(dir.resolve("watched")));
            watch = watchedVolume.watch(m -> lastLength = m.length());
            raw = new Side(rawDir.resolve("w.dat"), rawDir.resolve("w.dat"));
            tracked = new Side(dir.resolve("volume").resolve("w.dat"), volume.path("w.dat"));
            watched = new Side(dir.resolve("watched").resolve("w.dat"), watchedVolume.path("w.dat"));
        }

        /** Starts the iteration's counts from zero. */
        @Setup(Level.Iteration)
        public void reset() {
            rounds = 0;
        }

        /**
         * Runs one block on each side, the first side rotating, and records the time of each.
         *
         * @param block the writes of one block on one side; returns how many it wrote
         */
        void round(IoBlock block) throws Exception {
            int first = turn;
            turn = first == 2 ? 0 : first + 1;
            int r = rounds;
            boolean record = r < MAX_ROUNDS;
            for (int k = 0; k < 3; k++) {
                int side = (first + k) % 3;
                Side s = side == 0 ? raw : side == 1 ? tracked : watched;
                long start = System.nanoTime();
                writesPerBlock = block.run(s);
                long spent = System.nanoTime() - start;
                if (record) {
                    (side == 0 ? rawNanos : side == 1 ? volumeNanos : watchedNanos)[r] = spent;
                }
            }
            if (record) {
                rounds = r + 1;
            }
        }

        private double medianPerWrite(long[] nanos) {
            if (rounds == 0) {
                return 0;
            }
            long[] sorted = Arrays.copyOf(nanos, rounds);
            Arrays.sort(sorted);
            return (double) sorted[rounds / 2] / writesPerBlock;
        }

        /** Median over this iteration's rounds of raw's block time divided by the side's. */
        private double medianRatio(long[] side) {
            if (rounds == 0) {
                return 0;
            }
            double[] ratios = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                ratios[i] = (double) rawNanos[i] / side[i];
            }
            Arrays.sort(ratios);
            return ratios[rounds / 2];
        }

        /**
         * Time per write on the plain path: the median block of this iteration.
         *
         * @return ns per write
         */
        public double rawNsPerWrite() {
            return medianPerWrite(rawNanos);
        }

        /**
         * Time per write through the volume: the median block of this iteration.
         *
         * @return ns per write
         */
        public double volumeNsPerWrite() {
            return medianPerWrite(volumeNanos);
        }

        /**
         * Time per write through the volume with a listener: the median block of this iteration.
         *
         * @return ns per write
         */
        public double watchedNsPerWrite() {
            return medianPerWrite(watchedNanos);
        }

        /**
         * Throughput through the volume relative to the plain path: the median over this
         * iteration's rounds of raw's block time divided by the volume's.
         *
         * @return the median ratio
         */
        public double volumeVsRaw() {
            return medianRatio(volumeNanos);
        }

        /**
         * Throughput through the volume with a listener relative to the plain path: the median over
         * this iteration's rounds of raw's block time divided by the watched volume's.
         *
         * @return the median ratio
         */
        public double watchedVsRaw() {
            return medianRatio(watchedNanos);
        }

        private double meanRatio(long[] side) {
            long r = 0;
            long v = 0;
            for (int i = 0; i < rounds; i++) {
                r += rawNanos[i];
                v += side[i];
            }
            return v == 0 ? 0 : (double) r / v;
        }

        /**
         * As {@link #volumeVsRaw()} from the sums of the iteration's block times: slow blocks
         * (preemptions, but also a slow path of the volume's own) count in full.
         *
         * @return raw's total time divided by the volume's
         */
        public double volumeVsRawMean() {
            return meanRatio(volumeNanos);
        }

        /**
         * As {@link #watchedVsRaw()} from the sums of the iteration's block times.
         *
         * @return raw's total time divided by the watched volume's
         */
        public double watchedVsRawMean() {
            return meanRatio(watchedNanos);
        }

        /**
         * Closes everything and deletes the directories.
         *
         * @throws Exception if a write failed or something cannot be closed or deleted
         */
        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            raw.close();
            tracked.close();
            watched.close();
            watch.close();
            volume.close();
            watchedVolume.close();
            deleteTree(dir);
        }
    }

    /** A block of writes on one side. */
    @FunctionalInterface
    interface IoBlock {
        int run(Side side) throws Exception;
    }

    /** A fresh directory under /dev/shm if it exists (tmpfs), else java.io.tmpdir; prints which. */
    static Path createDirectory() throws IOException {
        Path shm = Path.of("/dev/shm");
        boolean tmpfs = Files.isDirectory(shm) && Files.isWritable(shm);
        Path parent = tmpfs ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        Path dir = Files.createTempDirectory(parent, "quiesce-jmh-volume-");
        System.out.println();
        System.out.println("# directory: " + dir + " (file store type " + Files.getFileStore(dir).type()
                + (tmpfs ? ", under /dev/shm)" : ", java.io.tmpdir: /dev/shm is missing)"));
        return dir;
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /**
     * Runs every task on the thread that submits it: an async channel opened with it does the I/O
     * and completes the write inside the {@code write} call, so no thread hand-off is timed.
     */
    static final ExecutorService INLINE = new AbstractExecutorService() {
        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return false;
        }
    };

    static int check(int written) {
        if (written != BLOCK) {
            throw new IllegalStateException("short write: " + written + " of " + BLOCK + " bytes");
        }
        return written;
    }

    /**
     * One async write, waited for.
     *
     * @param w this thread's side
     * @return the bytes written
     * @throws Exception if the write fails
     */
    @Benchmark
    public int asyncOneAtATime(Writer w) throws Exception {
        return w.side.asyncOne();
    }

    /**
     * Waits for the oldest of {@value #DEPTH} writes in flight and issues the next from its slot.
     *
     * @param w this thread's side
     * @return the bytes the completed write wrote (0 while the pipeline fills)
     * @throws Exception if a write fails
     */
    @Benchmark
    public int asyncPipelined(Writer w) throws Exception {
        return w.side.asyncPipelined();
    }

    /**
     * One blocking positional write.
     *
     * @param w this thread's side
     * @return the bytes written
     * @throws IOException if the write fails
     */
    @Benchmark
    public int syncPositional(Writer w) throws IOException {
        return w.side.sync();
    }

    // ------------------------------------------------------------------------------------------
    // Interleaved: raw, volume and watched take turns in one thread (see the class Javadoc).

    /**
     * One turn of {@value #SYNC_BLOCK} blocking writes on each side.
     *
     * @param t the three sides and their times
     * @throws Exception if a write fails
     */
    @Benchmark
    public void interleavedSync(Interleaved t) throws Exception {
        t.round(Side::syncBlock);
    }

    /**
     * One turn of {@value #SYNC_BLOCK} async writes on channels whose executor runs the I/O in the
     * write call ({@link #INLINE}), on each side: the CPU cost of the async protocol (START, hand-off
     * of the holds, END, the future) without the pool's thread hand-off.
     *
     * @param t the three sides and their times
     * @throws Exception if a write fails
     */
    @Benchmark
    public void interleavedAsyncInline(Interleaved t) throws Exception {
        t.round(Side::asyncInlineBlock);
    }

    /**
     * One turn of {@value #ASYNC_BLOCK} async writes, one at a time, on each side.
     *
     * @param t the three sides and their times
     * @throws Exception if a write fails
     */
    @Benchmark
    public void interleavedAsyncOne(Interleaved t) throws Exception {
        t.round(Side::asyncOneBlock);
    }

    /**
     * One turn of {@value #PIPELINE_BLOCK} async writes, {@value #DEPTH} in flight, on each side.
     *
     * @param t the three sides and their times
     * @throws Exception if a write fails
     */
    @Benchmark
    public void interleavedAsyncPipelined(Interleaved t) throws Exception {
        t.round(Side::pipelinedBlock);
    }
}
