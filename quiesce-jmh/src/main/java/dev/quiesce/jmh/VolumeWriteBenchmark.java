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
import java.util.Comparator;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
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
 * <p><b>Paired groups.</b> On a busy machine the load changes between the forks of {@code raw} and
 * those of {@code volume}, and the ratio of two scores taken minutes apart carries that drift. The
 * groups {@code pairedSync}, {@code pairedAsyncOne} and {@code pairedAsyncPipelined} measure the
 * three implementations <em>at the same time</em>: one thread each ({@code …Raw}, {@code …Volume},
 * {@code …Watched}), each on its own file, the two tracked ones through two volumes over two
 * sibling directories (so that the listener of one does not see the other's writes). The scheduler
 * gives the three threads equal CPU shares, so the per-method scores of one group compare costs
 * per write under one and the same load. Three threads on two cores time-slice: the absolute
 * scores of the groups are lower than the unpaired ones and are not comparable with them; only
 * the ratios within a group are. The async sides share the JDK's default pool.
 *
 * <p><b>Reading it.</b> Overhead = 1 − volume / raw for each method, with its range from the
 * score errors: (volume ± err) / (raw ∓ err). On a shared 2-core machine compare only within one
 * run, prefer the paired groups when the load is high, and use {@code -f 3} or more. Command used
 * for the issue:
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
     * {@link Writer} holds one per benchmark thread, {@link Trio} one per group thread.
     */
    static final class Side {
        final AsynchronousFileChannel async;
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

        /** Waits for the writes still in flight and closes the channels. */
        void close() throws Exception {
            for (int i = 0; i < DEPTH; i++) {
                if (pending[i] != null) {
                    check(pending[i].get());
                    pending[i] = null;
                }
            }
            async.close();
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
     * The paired measurement: three sides written at the same time by the three threads of one
     * group — raw (a plain path), volume (a path of a volume over a second directory) and watched
     * (a path of a volume over a third directory, with one listener) — so that all three see the
     * same machine load at the same moment.
     */
    @State(Scope.Group)
    public static class Trio {
        Path dir;
        Volume volume;
        Volume watchedVolume;
        Watch watch;
        long lastLength;
        Side raw;
        Side tracked;
        Side watched;

        /**
         * Creates the three directories, the two volumes, the listener and the three files.
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
    // Paired: raw, volume and watched written at the same time by the three threads of a group.
    // The group methods take no @Param: each group runs once.

    /**
     * Paired {@code syncPositional}, raw side.
     *
     * @param t the three sides
     * @return the bytes written
     * @throws IOException if the write fails
     */
    @Benchmark
    @Group("pairedSync")
    @GroupThreads(1)
    public int pairedSyncRaw(Trio t) throws IOException {
        return t.raw.sync();
    }

    /**
     * Paired {@code syncPositional}, volume side.
     *
     * @param t the three sides
     * @return the bytes written
     * @throws IOException if the write fails
     */
    @Benchmark
    @Group("pairedSync")
    @GroupThreads(1)
    public int pairedSyncVolume(Trio t) throws IOException {
        return t.tracked.sync();
    }

    /**
     * Paired {@code syncPositional}, watched side.
     *
     * @param t the three sides
     * @return the bytes written
     * @throws IOException if the write fails
     */
    @Benchmark
    @Group("pairedSync")
    @GroupThreads(1)
    public int pairedSyncWatched(Trio t) throws IOException {
        return t.watched.sync();
    }

    /**
     * Paired {@code asyncOneAtATime}, raw side.
     *
     * @param t the three sides
     * @return the bytes written
     * @throws Exception if the write fails
     */
    @Benchmark
    @Group("pairedAsyncOne")
    @GroupThreads(1)
    public int pairedAsyncOneRaw(Trio t) throws Exception {
        return t.raw.asyncOne();
    }

    /**
     * Paired {@code asyncOneAtATime}, volume side.
     *
     * @param t the three sides
     * @return the bytes written
     * @throws Exception if the write fails
     */
    @Benchmark
    @Group("pairedAsyncOne")
    @GroupThreads(1)
    public int pairedAsyncOneVolume(Trio t) throws Exception {
        return t.tracked.asyncOne();
    }

    /**
     * Paired {@code asyncOneAtATime}, watched side.
     *
     * @param t the three sides
     * @return the bytes written
     * @throws Exception if the write fails
     */
    @Benchmark
    @Group("pairedAsyncOne")
    @GroupThreads(1)
    public int pairedAsyncOneWatched(Trio t) throws Exception {
        return t.watched.asyncOne();
    }

    /**
     * Paired {@code asyncPipelined}, raw side.
     *
     * @param t the three sides
     * @return the bytes the completed write wrote
     * @throws Exception if a write fails
     */
    @Benchmark
    @Group("pairedAsyncPipelined")
    @GroupThreads(1)
    public int pairedAsyncPipelinedRaw(Trio t) throws Exception {
        return t.raw.asyncPipelined();
    }

    /**
     * Paired {@code asyncPipelined}, volume side.
     *
     * @param t the three sides
     * @return the bytes the completed write wrote
     * @throws Exception if a write fails
     */
    @Benchmark
    @Group("pairedAsyncPipelined")
    @GroupThreads(1)
    public int pairedAsyncPipelinedVolume(Trio t) throws Exception {
        return t.tracked.asyncPipelined();
    }

    /**
     * Paired {@code asyncPipelined}, watched side.
     *
     * @param t the three sides
     * @return the bytes the completed write wrote
     * @throws Exception if a write fails
     */
    @Benchmark
    @Group("pairedAsyncPipelined")
    @GroupThreads(1)
    public int pairedAsyncPipelinedWatched(Trio t) throws Exception {
        return t.watched.asyncPipelined();
    }
}
