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
 * <p><b>Reading it.</b> Overhead = 1 − volume / raw for each method, with its range from the
 * score errors: (volume ± err) / (raw ∓ err). On a shared 2-core machine compare only within one
 * run, and use {@code -f 3} or more. Command used for the issue:
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
            Path shm = Path.of("/dev/shm");
            boolean tmpfs = Files.isDirectory(shm) && Files.isWritable(shm);
            Path parent = tmpfs ? shm : Path.of(System.getProperty("java.io.tmpdir"));
            dir = Files.createTempDirectory(parent, "quiesce-jmh-volume-");
            System.out.println();
            System.out.println("# directory: " + dir + " (file store type " + Files.getFileStore(dir).type()
                    + (tmpfs ? ", under /dev/shm)" : ", java.io.tmpdir: /dev/shm is missing)"));
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
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }

    /** One benchmark thread's file, channels and buffers. */
    @State(Scope.Thread)
    public static class Writer {
        AsynchronousFileChannel async;
        FileChannel sync;
        final ByteBuffer one = ByteBuffer.allocateDirect(BLOCK);
        final ByteBuffer[] slots = new ByteBuffer[DEPTH];
        @SuppressWarnings("unchecked")
        final Future<Integer>[] pending = (Future<Integer>[]) new Future<?>[DEPTH];
        int slot;
        int block;

        /**
         * Creates this thread's file, fills it with zeros, and opens both channels on the path of
         * the implementation under test.
         *
         * @param t the directory and volume
         * @throws IOException if the file cannot be created or opened
         */
        @Setup(Level.Trial)
        public void setUp(Target t) throws IOException {
            String name = "writer-" + t.threads.getAndIncrement() + ".dat";
            try (FileChannel fill = FileChannel.open(t.dir.resolve(name), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
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
            Path p = t.path(name);
            async = AsynchronousFileChannel.open(p, StandardOpenOption.WRITE);
            sync = FileChannel.open(p, StandardOpenOption.WRITE);
        }

        private static void fill(ByteBuffer b, byte value) {
            while (b.hasRemaining()) {
                b.put(value);
            }
            b.clear();
        }

        long nextPosition() {
            int b = block;
            block = b + 1 == RING ? 0 : b + 1;
            return (long) b * BLOCK;
        }

        /**
         * Waits for the writes still in flight and closes the channels.
         *
         * @throws Exception if a write failed or a channel cannot be closed
         */
        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
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

    static int check(int written) {
        if (written != BLOCK) {
            throw new IllegalStateException("short write: " + written + " of " + BLOCK + " bytes");
        }
        return written;
    }

    /**
     * One async write, waited for.
     *
     * @param w this thread's channel
     * @return the bytes written
     * @throws Exception if the write fails
     */
    @Benchmark
    public int asyncOneAtATime(Writer w) throws Exception {
        ByteBuffer b = w.one;
        b.clear();
        return check(w.async.write(b, w.nextPosition()).get());
    }

    /**
     * Waits for the oldest of {@value #DEPTH} writes in flight and issues the next from its slot.
     *
     * @param w this thread's channel and slots
     * @return the bytes the completed write wrote (0 while the pipeline fills)
     * @throws Exception if a write fails
     */
    @Benchmark
    public int asyncPipelined(Writer w) throws Exception {
        int i = w.slot;
        w.slot = (i + 1) & (DEPTH - 1);
        Future<Integer> oldest = w.pending[i];
        int written = oldest == null ? 0 : check(oldest.get());
        ByteBuffer b = w.slots[i];
        b.clear();
        w.pending[i] = w.async.write(b, w.nextPosition());
        return written;
    }

    /**
     * One blocking positional write.
     *
     * @param w this thread's channel
     * @return the bytes written
     * @throws IOException if the write fails
     */
    @Benchmark
    public int syncPositional(Writer w) throws IOException {
        ByteBuffer b = w.one;
        b.clear();
        return check(w.sync.write(b, w.nextPosition()));
    }
}
