package dev.quiesce.nio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writers and truncators hammer a volume while another thread freezes and thaws it in a loop, in
 * the spirit of the file-system test suite's freeze group; a syncer calls {@code syncFs()}, and a
 * watcher joins half-way.
 *
 * <p>Checked: nothing deadlocks (every thread ends by a generous deadline; on failure the stacks are
 * printed); every async write is accounted for (its handler ran exactly once, and completed); while
 * frozen nothing changes (every file's size and checksum are the same before and after the snapshot
 * copy) and every snapshot is consistent (each record slot is all zeros or a whole record whose
 * checksum, file and slot match: no torn record); every write that started after {@code watch()}
 * returned was announced to the watcher with its path, offset and length; the files are consistent
 * at the end.
 *
 * <p>Runs for {@code -Dquiesce.torture.seconds} (20 in the unit suite; {@code ./quiesce soak N} runs
 * it longer) and prints a {@code [soak]} status line every 10 seconds.
 */
class VolumeStressTest {

    private static final int FILES = 4;
    private static final int RECORD = 256;
    private static final int SLOTS = 64;
    private static final int OUTSTANDING = 8;
    private static final int MAGIC = 0x51554945;   // "QUIE"

    @TempDir
    Path dir;
    @TempDir
    Path snapshots;

    private final AtomicLong violations = new AtomicLong();
    private final List<String> firstViolations = new CopyOnWriteArrayList<>();
    private final AtomicLong writesIssued = new AtomicLong();
    private final AtomicLong writesCompleted = new AtomicLong();
    private final AtomicLong writesFailed = new AtomicLong();
    private final AtomicLong syncWrites = new AtomicLong();
    private final AtomicLong truncations = new AtomicLong();
    private final AtomicLong freezes = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong snapshotsVerified = new AtomicLong();
    private final AtomicLong writeIds = new AtomicLong();
    /**
     * Per "file:offset:length", how many writes started after watch() returned, and how many events the
     * watcher saw. Every key needs at least as many events as writes (events of writes already in
     * flight when watch() returned may add some: at most the writes in flight then).
     */
    private final Map<String, LongAdder> mustBeSeen = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> seen = new ConcurrentHashMap<>();
    /** A permit per 256 completed async writes: the syncer's pace. */
    private final Semaphore syncPace = new Semaphore(0);
    private volatile boolean watching;
    private volatile boolean stop;

    private void violation(String what) {
        violations.incrementAndGet();
        if (firstViolations.size() < 10) {
            firstViolations.add(what);
        }
    }

    @Test
    void writersTruncatorsAndAFreezeLoop() throws Exception {
        long seconds = Long.getLong("quiesce.torture.seconds", 20);
        Volume volume = Volume.builder(dir).name("stress").reportHandler(r -> violation("report: " + r)).open();
        Path[] files = new Path[FILES];
        for (int f = 0; f < FILES; f++) {
            files[f] = Files.createFile(volume.path("file-" + f + ".dat"));
        }
        List<Thread> threads = new ArrayList<>();
        List<Throwable> crashes = new CopyOnWriteArrayList<>();
        CountDownLatch halfway = new CountDownLatch(1);
        for (int w = 0; w < 2; w++) {
            int writer = w;
            threads.add(thread("async-writer-" + w, crashes, () -> asyncWriter(volume, files, writer)));
        }
        threads.add(thread("sync-writer", crashes, () -> syncWriter(volume, files)));
        threads.add(thread("truncator", crashes, () -> truncator(volume, files)));
        threads.add(thread("freezer", crashes, () -> freezer(volume)));
        threads.add(thread("syncer", crashes, () -> syncer(volume)));
        threads.add(thread("watcher", crashes, () -> {
            halfway.await();
            volume.watch(m -> {
                if (m.kind() == Modification.Kind.WRITE) {
                    count(seen, m.path().getFileName() + ":" + m.offset() + ":" + m.length());
                }
            });
            watching = true;
        }));
        threads.forEach(Thread::start);

        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long half = start + (end - start) / 2;
        long nextStatus = start + TimeUnit.SECONDS.toNanos(10);
        CountDownLatch never = new CountDownLatch(1);
        for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
            // Wakes at the half-way point and every 10 s to print the status line; nothing else waits on it.
            long wake = Math.min(end, halfway.getCount() > 0 ? Math.min(half, nextStatus) : nextStatus);
            never.await(Math.max(1, wake - now), TimeUnit.NANOSECONDS);
            now = System.nanoTime();
            if (now >= half) {
                halfway.countDown();
            }
            if (now >= nextStatus) {
                status("t=" + TimeUnit.NANOSECONDS.toSeconds(now - start) + "s");
                nextStatus += TimeUnit.SECONDS.toNanos(10);
            }
        }
        halfway.countDown();
        stop = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                dumpThreads();
                throw new AssertionError(t.getName() + " did not finish: deadlock? (stacks above)");
            }
        }
        volume.syncFs();
        for (Path f : files) {
            checkRecords(dir.resolve(f.getFileName().toString()), "final " + f.getFileName());
        }
        volume.close();

        boolean pass = crashes.isEmpty() && violations.get() == 0
                && writesIssued.get() == writesCompleted.get() && writesFailed.get() == 0;
        System.out.println("[soak] VolumeStressTest " + (pass ? "PASS" : "FAIL") + " after "
                + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + "s: " + counts());
        assertEquals(List.of(), crashes, "threads that crashed");
        assertEquals(List.of(), firstViolations, "violations");
        assertEquals(writesIssued.get(), writesCompleted.get(), "every async write completed exactly once");
        assertEquals(0, writesFailed.get(), "failed async writes");
        assertTrue(snapshotsVerified.get() > 0, "no snapshot was taken");
        assertTrue(truncations.get() > 0 && syncWrites.get() > 0 && syncs.get() > 0, counts());
        for (Map.Entry<String, LongAdder> e : mustBeSeen.entrySet()) {
            long events = seen.getOrDefault(e.getKey(), new LongAdder()).sum();
            if (events < e.getValue().sum()) {
                throw new AssertionError(e.getValue().sum() + " writes " + e.getKey()
                        + " started after watch() returned, but only " + events + " were announced");
            }
        }
    }

    private static void count(Map<String, LongAdder> counts, String key) {
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    private String counts() {
        return "ops=" + (writesCompleted.get() + syncWrites.get() + truncations.get())
                + " gracePeriods=" + (syncs.get() + freezes.get()) + " violations=" + violations.get()
                + " (async writes " + writesCompleted.get() + "/" + writesIssued.get() + ", sync writes "
                + syncWrites.get() + ", truncations " + truncations.get() + ", syncFs " + syncs.get()
                + ", freezes " + freezes.get() + ", snapshots " + snapshotsVerified.get()
                + ", writes after watch " + mustBeSeen.values().stream().mapToLong(LongAdder::sum).sum() + ")";
    }

    private void status(String when) {
        System.out.println("[soak] VolumeStressTest " + when + " " + counts());
    }

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    private Thread thread(String name, List<Throwable> crashes, Body body) {
        return new Thread(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                crashes.add(t);
                stop = true;
            }
        }, name);
    }

    /** A record: magic, file, slot, write id, payload, CRC32 of everything before it. */
    private static ByteBuffer record(int file, int slot, long id) {
        ByteBuffer b = ByteBuffer.allocate(RECORD);
        b.putInt(MAGIC).putInt(file).putLong(slot).putLong(id);
        SplittableRandom payload = new SplittableRandom(id);
        while (b.position() < RECORD - Integer.BYTES) {
            b.put((byte) payload.nextInt());
        }
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, RECORD - Integer.BYTES);
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    /** Every slot of the file is zeros or a whole record of this file and slot; the size is whole slots. */
    private void checkRecords(Path plain, String where) throws IOException {
        byte[] content = Files.readAllBytes(plain);
        int file = Integer.parseInt(plain.getFileName().toString().replaceAll("\\D", ""));
        if (content.length % RECORD != 0) {
            violation(where + ": size " + content.length + " is not whole records");
        }
        for (int slot = 0; slot * RECORD + RECORD <= content.length; slot++) {
            ByteBuffer b = ByteBuffer.wrap(content, slot * RECORD, RECORD).slice();
            boolean zero = true;
            for (int i = 0; i < RECORD && zero; i++) {
                zero = b.get(i) == 0;
            }
            if (zero) {
                continue;
            }
            CRC32 crc = new CRC32();
            crc.update(content, slot * RECORD, RECORD - Integer.BYTES);
            if (b.getInt(0) != MAGIC || b.getInt(4) != file || b.getLong(8) != slot
                    || b.getInt(RECORD - Integer.BYTES) != (int) crc.getValue()) {
                violation(where + ": torn or misplaced record in slot " + slot);
            }
        }
    }

    private void asyncWriter(Volume volume, Path[] files, int writer) throws Exception {
        SplittableRandom rnd = new SplittableRandom(writer);
        Semaphore outstanding = new Semaphore(OUTSTANDING);
        AsynchronousFileChannel[] channels = new AsynchronousFileChannel[FILES];
        for (int f = 0; f < FILES; f++) {
            channels[f] = AsynchronousFileChannel.open(files[f], WRITE, READ);
        }
        try {
            while (!stop) {
                if (!outstanding.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;       // re-check stop: writes may be held by a freeze
                }
                int f = rnd.nextInt(FILES);
                int slot = rnd.nextInt(SLOTS);
                long offset = (long) slot * RECORD;
                if (watching) {
                    count(mustBeSeen, files[f].getFileName() + ":" + offset + ":" + RECORD);
                }
                writesIssued.incrementAndGet();
                AtomicLong calls = new AtomicLong();
                channels[f].write(record(f, slot, writeIds.incrementAndGet()), offset, null,
                        new CompletionHandler<Integer, Object>() {
                            @Override
                            public void completed(Integer n, Object a) {
                                if (calls.incrementAndGet() != 1) {
                                    violation("a handler ran twice");
                                }
                                if (n != RECORD) {
                                    violation("short write " + n);
                                }
                                if (writesCompleted.incrementAndGet() % 256 == 0) {
                                    syncPace.release();
                                }
                                outstanding.release();
                            }

                            @Override
                            public void failed(Throwable exc, Object a) {
                                if (calls.incrementAndGet() != 1) {
                                    violation("a handler ran twice");
                                }
                                violation("async write failed: " + exc);
                                writesFailed.incrementAndGet();
                                outstanding.release();
                            }
                        });
            }
            // Every write's handler runs once: wait for the outstanding ones (a deadlock guard).
            if (!outstanding.tryAcquire(OUTSTANDING, 60, TimeUnit.SECONDS)) {
                violation("async writes still outstanding 60 s after the end");
            }
        } finally {
            for (AsynchronousFileChannel ch : channels) {
                ch.close();
            }
        }
    }

    private void syncWriter(Volume volume, Path[] files) throws Exception {
        SplittableRandom rnd = new SplittableRandom(99);
        try (FileChannel ch = FileChannel.open(files[0], WRITE)) {
            while (!stop) {
                int slot = rnd.nextInt(SLOTS);
                long offset = (long) slot * RECORD;
                if (watching) {
                    count(mustBeSeen, files[0].getFileName() + ":" + offset + ":" + RECORD);
                }
                ByteBuffer r = record(0, slot, writeIds.incrementAndGet());
                while (r.hasRemaining()) {
                    ch.write(r, offset + r.position());
                }
                syncWrites.incrementAndGet();
            }
        }
    }

    private void truncator(Volume volume, Path[] files) throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        try (FileChannel ch = FileChannel.open(files[1], WRITE)) {
            while (!stop) {
                if (rnd.nextBoolean()) {
                    volume.truncate(files[rnd.nextInt(FILES)], (long) rnd.nextInt(SLOTS) * RECORD);
                } else {
                    ch.truncate((long) rnd.nextInt(SLOTS) * RECORD);
                }
                truncations.incrementAndGet();
            }
        }
    }

    private void freezer(Volume volume) throws Exception {
        int cycle = 0;
        while (!stop) {
            volume.freeze();
            boolean nested = cycle % 4 == 1;
            if (nested) {
                volume.freeze();
            }
            freezes.incrementAndGet();
            Map<String, Long> before = fingerprints();
            Path snap = snapshots.resolve("snap-" + cycle);
            Files.createDirectory(snap);
            try (var list = Files.list(dir)) {
                for (Path p : (Iterable<Path>) list::iterator) {
                    Files.copy(p, snap.resolve(p.getFileName()));
                }
            }
            Map<String, Long> after = fingerprints();
            if (!before.equals(after)) {
                violation("the volume changed while frozen: " + before + " -> " + after);
            }
            try (var list = Files.list(snap)) {
                for (Path p : (Iterable<Path>) list::iterator) {
                    checkRecords(p, "snapshot " + cycle + " " + p.getFileName());
                    Files.delete(p);
                }
            }
            Files.delete(snap);
            snapshotsVerified.incrementAndGet();
            if (nested) {
                volume.thaw();
                if (!volume.isFrozen()) {
                    violation("one thaw of a nested freeze thawed the volume");
                }
            }
            if (cycle % 2 == 0) {
                volume.thaw();
            } else {                                   // thaw from another thread
                Thread thawer = new Thread(volume::thaw, "thawer");
                thawer.start();
                thawer.join();
            }
            cycle++;
            Thread.yield();
        }
    }

    private void syncer(Volume volume) throws Exception {
        while (!stop) {
            if (syncPace.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                volume.syncFs();
                syncs.incrementAndGet();
            }
        }
    }

    /** Size and CRC32 of every plain file of the volume. */
    private Map<String, Long> fingerprints() throws IOException {
        Map<String, Long> prints = new HashMap<>();
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                byte[] content = Files.readAllBytes(p);
                CRC32 crc = new CRC32();
                crc.update(content);
                prints.put(p.getFileName().toString(), ((long) content.length << 32) ^ crc.getValue());
            }
        }
        return prints;
    }

    private static void dumpThreads() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            System.err.println("\"" + e.getKey().getName() + "\" " + e.getKey().getState());
            for (StackTraceElement frame : e.getValue()) {
                System.err.println("\tat " + frame);
            }
        }
    }
}
