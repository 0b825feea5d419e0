package dev.quiesce.demo;

import dev.quiesce.Report;
import dev.quiesce.nio.Modification;
import dev.quiesce.nio.Volume;
import dev.quiesce.nio.Watch;
import dev.quiesce.validate.Validator;

import java.io.Console;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** One run of the demo: see {@link Demo} for what it does and its implementation notes. */
final class DemoRun {

    static final int FILES_PER_WRITER = 2;
    /** Bytes of ring per file: small enough to copy every second, large enough to keep the writers apart. */
    static final int RING_BYTES = 1 << 20;
    /** Slots per file at least, whatever the record size. */
    static final int MIN_SLOTS = 16;
    /** How long the shutdown hook waits for the run to drain, print and clean up after SIGINT/SIGTERM. */
    static final long SIGNAL_WAIT_S = 30;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    /** A deadlock guard, not a bound anyone should meet: writer threads stop within 20 ms, writes end in ms. */
    private static final long DRAIN_TIMEOUT_S = 20;

    private final Options opt;
    private final PrintStream out;
    private final boolean tty;
    private final RecordFormat format;
    private final int slots;

    final Failures failures = new Failures();
    final LongAdder started = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder failedWrites = new LongAdder();
    private final LongAdder eventsSeen = new LongAdder();
    private final LongAdder strayEvents = new LongAdder();
    private final List<Report> reports = new ArrayList<>();    // guarded by itself

    private final RunDirectory dir;
    private volatile boolean stop;
    /** Counted down with stop = true: wakes the main and watcher threads from their waits. */
    private final CountDownLatch stopping = new CountDownLatch(1);
    /** Counted down when the run has printed its table and cleaned up. */
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean signalled;
    /** System.nanoTime() at which the writers stop issuing; set before they start. */
    private long deadline;
    private volatile boolean watchCalled;
    private volatile boolean watchReturned;
    private volatile Watch watch;
    private volatile long watchAtNanos = -1;
    private volatile long watchTookNanos = -1;

    private final Path runDir;
    private Path volumeDir;
    private Path snapshotsDir;
    private String storeType = "?";
    private Volume volume;
    private ExecutorService io;
    private final List<Writer> writers = new ArrayList<>();
    private final List<DemoFile> files = new ArrayList<>();
    private Map<Path, DemoFile> byPath = Map.of();

    private final Latencies syncLatency = new Latencies();
    private final Latencies freezeLatency = new Latencies();
    private final Latencies frozenLatency = new Latencies();
    private int snapshotsOk;
    private int snapshotsFailed;
    private int snapshotsAbandoned;
    private Path keptSnapshot;
    private long snapshotRecords;
    private long snapshotGaps;
    private long tornRecords;
    private long lostWrites;
    private long finalRecords;
    private long elapsedNanos;
    private long inFlightAtStop = -1;
    private long stoppedAtNanos = -1;
    private long drainNanos = -1;
    private long finalCheckNanos = -1;
    /** True from the writers' start until their writes are known to have ended: then nothing may be deleted. */
    private boolean undrained;

    DemoRun(Options opt, RunDirectory dir, PrintStream out) {
        this.opt = opt;
        this.dir = dir;
        this.runDir = dir.path();
        this.out = out;
        this.tty = out == System.out && interactive();
        this.format = new RecordFormat(opt.recordSize);
        this.slots = slots(opt.ringBytes, opt.recordSize);
    }

    /** Record slots per file of {@code ringBytes} bytes of records: at least {@link #MIN_SLOTS}. */
    static int slots(int ringBytes, int recordSize) {
        return Math.max(MIN_SLOTS, ringBytes / recordSize);
    }

    /** Whether writers must issue no more writes: the deadline has passed, or the run was stopped. */
    boolean stopped() {
        return stop || System.nanoTime() - deadline >= 0;
    }

    private void stopNow() {
        stop = true;
        stopping.countDown();
    }

    /**
     * The shutdown hook's work on SIGINT or SIGTERM: stops the run and waits, at most
     * {@link #SIGNAL_WAIT_S} seconds, for the main thread to drain the writes, print the table and
     * remove the directory. If it has not by then, says so and leaves the directory, still marked.
     */
    void stopOnSignal() {
        if (finished.getCount() == 0) {
            return;                              // a normal exit: the run is over
        }
        signalled = true;
        stopNow();
        try {
            if (!finished.await(SIGNAL_WAIT_S, TimeUnit.SECONDS)) {
                out.println("quiesce demo: the run did not end within " + SIGNAL_WAIT_S + " s of the signal; "
                        + runDir + " is left for the next run to remove");
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean watchCalled() {
        return watchCalled;
    }

    boolean watchReturned() {
        return watchReturned;
    }

    /** Runs the demo, prints the table and the verdict, and returns the exit status (0 or 1). */
    int call() {
        try {
            try {
                setUp();
                printHeader();
                runWriters();
            } catch (IOException | RuntimeException e) {
                failures.add("the run broke", e);
            } catch (InterruptedException e) {
                failures.add("the run was interrupted");
                Thread.currentThread().interrupt();
            } finally {
                tearDown();
            }
            checkEvents();
            synchronized (reports) {
                for (Report r : reports) {
                    failures.add((Report.VALIDATOR.equals(r.source()) ? "" : "the volume reported ") + r);
                }
            }
            return printResult();
        } finally {
            finished.countDown();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Set-up and tear-down
    // ------------------------------------------------------------------------------------------

    private void setUp() throws IOException {
        // With -Ddev.quiesce.validate=true, a validator report (a lock order that can deadlock, a
        // leaked or unbalanced handle) is a failure of the run, as the volume's own reports are.
        Validator.setReportHandler(r -> {
            synchronized (reports) {
                reports.add(r);
            }
        });
        volumeDir = Files.createDirectory(runDir.resolve("volume"));
        snapshotsDir = Files.createDirectory(runDir.resolve("snapshots"));
        try {
            storeType = Files.getFileStore(volumeDir).type();
        } catch (IOException e) {
            storeType = "unknown file system";
        }
        volume = Volume.builder(volumeDir).name("demo").reportHandler(r -> {
            synchronized (reports) {
                reports.add(r);
            }
        }).open();
        io = Executors.newFixedThreadPool(Math.max(2, Math.min(opt.writers, 8)), daemons("demo-io-"));
        Map<Path, DemoFile> map = new HashMap<>();
        for (int w = 0; w < opt.writers; w++) {
            DemoFile[] own = new DemoFile[FILES_PER_WRITER];
            for (int i = 0; i < own.length; i++) {
                String name = String.format(Locale.ROOT, "w%03d-f%d.dat", w, i);
                Path path = volume.path(name);
                AsynchronousFileChannel ch = AsynchronousFileChannel.open(path,
                        Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE), io);
                own[i] = new DemoFile(w, i, path, volumeDir.resolve(name), slots, ch);
                files.add(own[i]);                 // closed by tearDown from now on
                map.put(path, own[i]);
                writeFileHeader(own[i]);
            }
            writers.add(new Writer(w, own, this, format, opt.inFlight));
        }
        byPath = map;   // the listener runs on writer threads (started later) and on threads they hand writes to
    }

    /** The file header, written through the volume before the run (a tracked write too). */
    private void writeFileHeader(DemoFile f) throws IOException {
        ByteBuffer header = format.fileHeader(f.writer, f.index, f.slots);
        try {
            while (header.hasRemaining()) {
                f.channel.write(header, header.position()).get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("writing the header of " + f.name);
        } catch (ExecutionException e) {
            throw new IOException("writing the header of " + f.name, e.getCause());
        }
    }

    private void tearDown() {
        stopNow();
        if (volume != null && volume.isFrozen()) {
            volume.thaw();       // only if the snapshot loop broke between freeze and thaw
        }
        Watch w = watch;
        if (w != null) {
            w.close();
        }
        for (DemoFile f : files) {
            try {
                f.channel.close();
            } catch (IOException e) {
                failures.add("closing " + f.name, e);
            }
        }
        if (volume != null) {
            try {
                volume.close();
            } catch (IOException | RuntimeException e) {
                failures.add("closing the volume", e);
            }
        }
        if (io != null) {
            io.shutdownNow();
        }
        Validator.setReportHandler(null);
    }

    /**
     * Deletes the run's directory unless --keep; says where it is if kept. Runs after the writes have
     * ended (or did not within the drain guard: then the directory stays, marked for the next run).
     */
    private void cleanUp() {
        if (opt.keep) {
            try {
                dir.keep();
                out.println("kept: " + runDir);
            } catch (IOException e) {
                out.println("kept: " + runDir + " (its marker " + RunDirectory.MARKER + " could not be removed: "
                        + e + "; the next run will remove the directory)");
            }
            return;
        }
        if (undrained) {
            out.println("left: " + runDir + " (writes may still be outstanding); the next run removes it");
            return;
        }
        try {
            dir.delete();
        } catch (IOException | UncheckedIOException e) {
            out.println("could not delete " + runDir + ": " + e);
        }
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ------------------------------------------------------------------------------------------
    // The run: writers, watcher, snapshots
    // ------------------------------------------------------------------------------------------

    private void runWriters() throws IOException, InterruptedException {
        long duration = (long) (opt.seconds * SECOND);
        // Untimed warm-up: the first grace period of a process loads JFR's event classes (~0.2 s).
        volume.syncFs();
        volume.freeze();
        volume.thaw();
        long start = System.nanoTime();
        long end = start + duration;
        deadline = end;                          // before the threads start: Thread.start publishes it
        List<Thread> threads = new ArrayList<>();
        for (Writer w : writers) {
            Thread t = new Thread(w, "demo-writer-" + w.id);
            t.setDaemon(true);
            threads.add(t);
        }
        Thread watcher = new Thread(() -> joinWatcher(start + duration / 3, start), "demo-watcher");
        watcher.setDaemon(true);
        undrained = true;
        for (Thread t : threads) {
            t.start();
        }
        watcher.start();
        long lastCompleted = 0;
        long lastTick = start;
        try {
            // Repeatedly: wait for the next whole second before the deadline; snapshot; progress.
            // A snapshot that overran its second makes the next start at once, named by its second.
            for (int k = 1; start + k * SECOND - end < 0; ) {
                if (sleepUntil(start + k * SECOND)) {
                    break;                       // a signal
                }
                snapshot(k, end);
                long now = System.nanoTime();
                long done = completed.sum();
                progress(now - start, done, (done - lastCompleted) * format.size / ((now - lastTick) / 1e9));
                lastCompleted = done;
                lastTick = now;
                k = (int) Math.max(k + 1, (now - start) / SECOND + 1);
            }
            if (!sleepUntil(end) && lastTick - end < 0) {
                long now = System.nanoTime();
                long done = completed.sum();
                progress(now - start, done, (done - lastCompleted) * format.size / ((now - lastTick) / 1e9));
            }
        } finally {
            stopNow();
            long stoppedAt = System.nanoTime();
            elapsedNanos = Math.min(stoppedAt, end) - start;
            stoppedAtNanos = stoppedAt - start;
            inFlightAtStop = started.sum() - completed.sum() - failedWrites.sum();
            if (tty) {
                out.println();
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(DRAIN_TIMEOUT_S));
                if (t.isAlive()) {
                    failures.add(t.getName() + " did not stop");
                }
            }
            watcher.join(TimeUnit.SECONDS.toMillis(DRAIN_TIMEOUT_S));
            boolean drained = true;
            for (Writer w : writers) {
                if (!w.drain(DRAIN_TIMEOUT_S, TimeUnit.SECONDS)) {
                    drained = false;
                    failures.add("writer " + w.id + ": writes still outstanding " + DRAIN_TIMEOUT_S + " s after the end");
                }
            }
            if (drained) {
                drainNanos = System.nanoTime() - stoppedAt;
                undrained = false;
            }
        }
        long t = System.nanoTime();
        volume.syncFs();
        verifyFinalFiles();
        finalCheckNanos = System.nanoTime() - t;
    }

    private void joinWatcher(long at, long start) {
        try {
            // Joins even if the machine was too busy to wake it before the deadline (the check then
            // has no write after the watch to count, but watch() still runs against the drain).
            sleepUntil(at);
            if (signalled) {
                return;
            }
            watchCalled = true;                  // before watch(): see Writer.done
            long t = System.nanoTime();
            Watch w = volume.watch(this::beforeModify);
            watchTookNanos = System.nanoTime() - t;
            watchAtNanos = t - start;
            watch = w;
            watchReturned = true;                // after watch() returned: writes that read it must be seen
        } catch (InterruptedException e) {
            failures.add("the watcher was interrupted");
        } catch (RuntimeException e) {
            failures.add("watch() threw", e);
        }
    }

    /** The listener: runs on the thread that starts a write, inside its write section. */
    private void beforeModify(Modification m) {
        DemoFile f = byPath.get(m.path());
        int slot = f == null ? -1 : format.slotAt(m.offset(), f.slots);
        if (m.kind() != Modification.Kind.WRITE || slot < 0 || m.length() != format.size) {
            strayEvents.increment();
            failures.add("an event that is no demo write: " + m);
            return;
        }
        f.events.incrementAndGet(slot);
        eventsSeen.increment();
    }

    /** Waits until {@code time} (System.nanoTime()) or until the run is stopped; true if stopped. */
    private boolean sleepUntil(long time) throws InterruptedException {
        for (long left; (left = time - System.nanoTime()) > 0; ) {
            if (stopping.await(left, TimeUnit.NANOSECONDS)) {
                return true;
            }
        }
        return stop;
    }

    /**
     * syncFs(), then freeze() → copy the volume's directory → thaw(), timing each; then verifies the
     * copy (after the thaw: the volume is frozen only for the copy) and deletes it. A copy or check
     * still going at {@code end} (or when the run is stopped) is abandoned between two files, and
     * counted as abandoned, not verified.
     */
    private void snapshot(int k, long end) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        volume.syncFs();
        long t1 = System.nanoTime();
        if (!opt.noFreeze) {
            volume.freeze();
        }
        long t2 = System.nanoTime();
        Path copy = snapshotsDir.resolve(String.format(Locale.ROOT, "%04d", k));
        long[][] floor = new long[files.size()][];
        long[] next = new long[files.size()];
        boolean abandoned = false;
        try {
            // Frozen: every write that started has ended or is held. What must be in the copy: every
            // write whose completion handler ran before now.
            for (int i = 0; i < files.size(); i++) {
                floor[i] = files.get(i).completedFloor();
            }
            Files.createDirectory(copy);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(volumeDir)) {
                for (Path p : entries) {
                    if (stop || System.nanoTime() - end >= 0) {
                        abandoned = true;
                        break;
                    }
                    Files.copy(p, copy.resolve(p.getFileName()));
                }
            }
            // What cannot be in the copy: a record of a write not yet started.
            for (int i = 0; i < files.size(); i++) {
                next[i] = files.get(i).next;
            }
        } finally {
            if (!opt.noFreeze) {
                volume.thaw();
            }
        }
        long t3 = System.nanoTime();
        if (abandoned) {
            snapshotsAbandoned++;
            deleteSnapshot(copy);
            return;
        }
        syncLatency.add(t1 - t0);
        if (!opt.noFreeze) {
            freezeLatency.add(t2 - t1);
            frozenLatency.add(t3 - t2);
        }
        Boolean consistent = verifySnapshot(k, copy, floor, next, end);
        if (consistent == null) {
            snapshotsAbandoned++;
        } else if (consistent) {
            snapshotsOk++;
        } else {
            snapshotsFailed++;
        }
        if (!opt.keep) {
            deleteSnapshot(copy);
        } else {
            if (keptSnapshot != null) {
                deleteSnapshot(keptSnapshot);
            }
            keptSnapshot = copy;                 // --keep keeps the last one
        }
    }

    private static void deleteSnapshot(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /**
     * A snapshot is consistent when every file of the volume is there and every record slot of it
     * holds zeros or one whole record of that slot (no torn record); when no write whose completion
     * was seen before the freeze returned is missing or older in it (nothing lost); and when no record
     * in it belongs to a write that had not started when the copy ended. Returns null if the
     * deadline passed (or the run was stopped) before every file was checked and none had failed.
     */
    private Boolean verifySnapshot(int k, Path copy, long[][] floor, long[] next, long end) throws IOException {
        boolean ok = true;
        for (int i = 0; i < files.size(); i++) {
            if (ok && (stop || System.nanoTime() - end >= 0)) {
                return null;                     // abandoned at the deadline (what was found wrong stays found)
            }
            DemoFile f = files.get(i);
            Path p = copy.resolve(f.name);
            if (!Files.exists(p)) {
                failures.add("snapshot " + k + ": " + f.name + " missing");
                ok = false;
                continue;
            }
            ByteBuffer data = readAll(p);
            if (!format.hasFileHeader(data, f.writer, f.index, f.slots)) {
                failures.add("snapshot " + k + ": " + f.name + ": bad file header");
                ok = false;
                continue;
            }
            int len = data.limit();
            if (format.slotAt(len, f.slots + 1) < 0) {    // len = header + whole records, at most a ring
                failures.add("snapshot " + k + ": " + f.name + " is " + len + " bytes: not a header and whole "
                        + format.size + "-byte records in a ring of " + f.slots);
                tornRecords++;
                ok = false;
                len = (int) format.offset(Math.min((len - RecordFormat.FILE_HEADER) / format.size, f.slots));
            }
            for (int slot = 0; slot < f.slots; slot++) {
                int at = (int) format.offset(slot);
                long seq = at < len ? format.check(data, at, f.writer, f.index, slot, f.slots) : RecordFormat.EMPTY;
                String problem = null;
                if (seq == RecordFormat.TORN) {
                    tornRecords++;
                    problem = "torn record: " + format.problem(data, at, f.writer, f.index, slot, f.slots);
                } else if (seq == RecordFormat.EMPTY) {
                    if (floor[i][slot] != 0) {
                        lostWrites++;
                        problem = "empty, but record " + (floor[i][slot] - 1) + " had completed before the freeze";
                    } else if (at < len) {
                        snapshotGaps++;          // a write held by the freeze, its successors issued before
                    }
                } else {
                    snapshotRecords++;
                    if (seq + 1 < floor[i][slot]) {
                        lostWrites++;
                        problem = "record " + seq + ", but record " + (floor[i][slot] - 1)
                                + " had completed before the freeze";
                    } else if (seq >= next[i]) {
                        tornRecords++;
                        problem = "record " + seq + " of a write not started (" + next[i] + " started)";
                    }
                }
                if (problem != null) {
                    failures.add("snapshot " + k + ": " + f.name + " slot " + slot + ": " + problem);
                    ok = false;
                }
            }
        }
        return ok;
    }

    /** After the run: each slot holds exactly the newest record written to it. */
    private void verifyFinalFiles() throws IOException {
        for (DemoFile f : files) {
            long n = f.next;
            ByteBuffer data = readAll(f.plain);
            long expectedLength = format.offset((int) Math.min(n, f.slots));
            if (data.limit() != expectedLength || !format.hasFileHeader(data, f.writer, f.index, f.slots)) {
                failures.add("final " + f.name + ": " + data.limit() + " bytes, expected " + expectedLength
                        + " with its file header");
                continue;
            }
            for (int slot = 0; slot < Math.min(n, f.slots); slot++) {
                long expected = slot + (n - 1 - slot) / f.slots * f.slots;
                int at = (int) format.offset(slot);
                long seq = format.check(data, at, f.writer, f.index, slot, f.slots);
                if (seq != expected) {
                    failures.add("final " + f.name + " slot " + slot + ": expected record " + expected + ", found "
                            + (seq == RecordFormat.EMPTY ? "zeros" : seq == RecordFormat.TORN
                            ? "a torn record (" + format.problem(data, at, f.writer, f.index, slot, f.slots) + ")"
                            : "record " + seq));
                } else {
                    finalRecords++;
                }
            }
        }
    }

    private static ByteBuffer readAll(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(p + " is " + size + " bytes");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // read until full or end of file
            }
            return b.flip();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Events, progress, result
    // ------------------------------------------------------------------------------------------

    private long writesAfterWatch;
    private long missedEvents;
    private long unexpectedEvents;
    private long eventsForEarlierWrites;

    /**
     * Matches events to writes slot by slot: per (file, offset, length), the listener must have seen
     * at least the writes that started after watch() returned, and at most those plus the writes that
     * may have seen it (started before watch() returned, ended after it was called).
     */
    private void checkEvents() {
        for (DemoFile f : files) {
            for (int slot = 0; slot < f.slots; slot++) {
                int after = f.writesAfterWatch.get(slot);
                int seen = f.events.get(slot);
                int may = f.mayBeSeen.get(slot);
                writesAfterWatch += after;
                if (seen < after) {
                    missedEvents += after - seen;
                    failures.add("missed event: " + f.name + " slot " + slot + ": " + after
                            + " writes after watch() returned, " + seen + " events");
                } else if (seen > after + may) {
                    unexpectedEvents += seen - after - may;
                    failures.add("unexpected event: " + f.name + " slot " + slot + ": " + seen + " events for "
                            + after + " writes after watch() returned and " + may + " that may have been told");
                } else {
                    eventsForEarlierWrites += seen - after;
                }
            }
        }
        unexpectedEvents += strayEvents.sum();
        if (watchAtNanos < 0 && !signalled) {
            failures.add("the watcher never joined");
        }
    }

    private void printHeader() {
        out.printf(Locale.ROOT, "Quiesce demo: async writes ending on completion threads, syncFs(), freeze() and a watcher, on a Volume over %s (%s)%n", volumeDir, storeType);
        out.printf(Locale.ROOT, "  %s x %d files (rings of %d slots), %d-byte records with CRC32C, "
                + "up to %d async writes in flight per writer%n",
                writers(opt.writers), FILES_PER_WRITER, slots, format.size, opt.inFlight);
        out.printf(Locale.ROOT, "  for %s s; a watcher joins at %.1f s; every second syncFs(), then %s%n",
                seconds(opt.seconds), opt.seconds / 3, opt.noFreeze
                        ? "a copy WITHOUT freeze() (--no-freeze self-test: torn records expected)"
                        : "freeze() -> copy -> thaw()");
        out.printf(Locale.ROOT, "  (an untimed syncFs() and freeze()/thaw() ran first: a process's first grace period"
                + " loads JFR classes)%n");
        out.printf(Locale.ROOT, "  %s%n", machine());
        out.flush();
    }

    private void progress(long elapsed, long done, double bytesPerSecond) {
        String line = String.format(Locale.ROOT,
                "%6.1f s  writes %,12d  %8.1f MB/s  syncs %3d  snapshots %3d ok %d failed  watcher %s",
                elapsed / 1e9, done, bytesPerSecond / 1e6, syncLatency.count(), snapshotsOk, snapshotsFailed,
                watchReturned ? String.format(Locale.ROOT, "on, %,d events", eventsSeen.sum()) : "not yet");
        if (tty) {
            out.print("\r" + line + "   ");
        } else {
            out.println(line);
        }
        out.flush();
    }

    private int printResult() {
        long done = completed.sum();
        double secs = elapsedNanos / 1e9;
        String rule = "-".repeat(96);
        out.println();
        out.printf(Locale.ROOT, "Result%s: %s s, %s, %d-byte records, %s (%s)%n",
                signalled ? " (stopped by SIGINT or SIGTERM)" : "",
                seconds(secs), writers(opt.writers), format.size, volumeDir == null ? "-" : volumeDir, storeType);
        out.printf(Locale.ROOT, "  %s%n", machine());
        out.println(rule);
        row("writes", String.format(Locale.ROOT, "%,d completed, %,d failed, %,d started", done,
                failedWrites.sum(), started.sum()));
        row("throughput", secs > 0 ? String.format(Locale.ROOT, "%.1f MB/s, %,.0f writes/s",
                done * format.size / secs / 1e6, done / secs) : "-");
        row("syncFs()", String.format(Locale.ROOT, "n=%-4d %s", syncLatency.count(), syncLatency.summary()));
        row("freeze() drain", opt.noFreeze ? "skipped (--no-freeze)"
                : String.format(Locale.ROOT, "n=%-4d %s", freezeLatency.count(), freezeLatency.summary()));
        row("frozen (copy)", opt.noFreeze ? "skipped (--no-freeze)"
                : String.format(Locale.ROOT, "n=%-4d %s", frozenLatency.count(), frozenLatency.summary()));
        row("watch()", watchAtNanos < 0 ? "never joined" : String.format(Locale.ROOT,
                "called at %.2f s, returned after %s", watchAtNanos / 1e9, Latencies.millis(watchTookNanos)));
        row("events", String.format(Locale.ROOT, "%,d seen vs %,d writes after watch() returned: %,d missed, "
                + "%,d for writes begun before it returned, %,d unexpected",
                eventsSeen.sum(), writesAfterWatch, missedEvents, eventsForEarlierWrites, unexpectedEvents));
        row("snapshots", String.format(Locale.ROOT, "%d verified, %d failed%s: %,d records, %,d torn, %,d lost, "
                + "%,d gaps", snapshotsOk, snapshotsFailed, snapshotsAbandoned == 0 ? ""
                : String.format(Locale.ROOT, ", %d abandoned at the end", snapshotsAbandoned),
                snapshotRecords, tornRecords, lostWrites, snapshotGaps));
        row("final files", String.format(Locale.ROOT, "%d files, %,d records, each the newest of its slot",
                files.size(), finalRecords));
        row("end", inFlightAtStop < 0 ? "-" : String.format(Locale.ROOT,
                "writers stopped at %.2f s (%s); %,d writes in flight at %.2f s ended within %s; final check %s",
                secs, signalled ? "a signal" : "the deadline", inFlightAtStop, stoppedAtNanos / 1e9,
                drainNanos < 0 ? "- (not all did)" : Latencies.millis(drainNanos),
                finalCheckNanos < 0 ? "-" : Latencies.millis(finalCheckNanos)));
        out.println(rule);
        long failed = failures.count();
        if (failed == 0 && opt.noFreeze) {
            out.println("PASS, but --no-freeze: no copy happened to race a write this time");
        } else if (failed == 0 && snapshotsOk == 0) {
            out.println("PASS: final files whole, no missed event, no failed write; but no snapshot was verified "
                    + "(none completed before the end)");
        } else if (failed == 0) {
            out.println("PASS: every snapshot consistent (no torn record, nothing lost), no missed event, "
                    + "no failed write");
        } else {
            for (String f : failures.first()) {
                out.println("  " + f);
            }
            if (failed > failures.first().size()) {
                out.printf(Locale.ROOT, "  ... and %,d more%n", failed - failures.first().size());
            }
            out.printf(Locale.ROOT, "FAIL: %,d broken invariant(s) or error(s)%s%n", failed,
                    opt.noFreeze ? " (--no-freeze: the snapshots were copied without freezing)" : "");
        }
        cleanUp();
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    private void row(String label, String value) {
        out.printf(Locale.ROOT, "  %-16s %s%n", label, value);
    }

    private static String writers(int n) {
        return n == 1 ? "1 writer" : n + " writers";
    }

    private static String seconds(double s) {
        return s == Math.rint(s) ? String.format(Locale.ROOT, "%.0f", s) : String.format(Locale.ROOT, "%.1f", s);
    }

    private static String machine() {
        String load = "";
        try {
            String[] l = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            load = ", load average " + l[0] + " " + l[1] + " " + l[2];
        } catch (IOException | RuntimeException e) {
            // not Linux: no load average
        }
        return "JDK " + System.getProperty("java.vm.vendor") + " " + Runtime.version() + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs" + load
                + (Validator.isEnabled() ? ", validation on (leakStacks="
                        + Validator.leakStacks().name().toLowerCase(Locale.ROOT) + ")" : "");
    }

    /** Whether progress may overwrite its line: a terminal (JDK 22+ answers Console.isTerminal()). */
    private static boolean interactive() {
        Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (NoSuchMethodException e) {
            return true;        // before JDK 22 a console means a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
