package dev.quiesce.nio;

import dev.quiesce.Report;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.quiesce.nio.VolumeTesting.DEADLINE_S;
import static dev.quiesce.nio.VolumeTesting.bytes;
import static dev.quiesce.nio.VolumeTesting.get;
import static dev.quiesce.nio.VolumeTesting.onThread;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A volume on a real full disk: a 1 MiB tmpfs mounted for the test ({@code mount -t tmpfs -o
 * size=1m}), written through the volume until the kernel answers {@code ENOSPC}. The same checks as
 * {@link VolumeFaultTest}'s, against the JDK's own channels and the kernel's own error: a failed
 * write (blocking channel, {@code Files.write}, async with a handler and with a {@code Future}) ends
 * its section and releases its permits (syncFs, truncate and freeze return after it — inside the
 * handler for the async form), keeps its mark (the next syncFs forces the file), reaches the caller
 * once and the report handler never; afterwards freeze/thaw, syncFs and close work, and close closes
 * the channels opened through the volume.
 *
 * <p>Mounting needs root (or {@code CAP_SYS_ADMIN}); where it is refused the test is skipped with
 * the reason. A user namespace ({@code unshare -Urm}) would not help: its mount is visible only to
 * processes inside it, not to this JVM. The file system is unmounted after the test.
 */
class VolumeFullDiskTest {

    private static final String ENOSPC = "No space left on device";
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;

    private Path mountPoint;
    private boolean mounted;
    private Volume volume;
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final List<Path> forced = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void mountTmpfs() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"),
                "a tmpfs full disk needs Linux");
        mountPoint = Files.createDirectory(dir.resolve("tmpfs"));
        String refused = run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.toString());
        assumeTrue(refused == null, () -> "skipped: cannot mount a 1 MiB tmpfs at " + mountPoint
                + " for a real full disk (needs root or CAP_SYS_ADMIN): " + refused);
        mounted = true;
        volume = Volume.builder(mountPoint).name("full").reportHandler(reports::add).open();
        volume.files().forceObserver = forced::add;
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            for (AutoCloseable c : toClose) {
                c.close();
            }
            if (volume != null) {
                while (volume.isFrozen()) {
                    volume.thaw();
                }
                volume.close(DEADLINE_S, TimeUnit.SECONDS);
            }
        } finally {
            if (mounted) {
                String failed = run("umount", mountPoint.toString());
                assertEquals(null, failed, "umount " + mountPoint);
            }
        }
    }

    /** Runs a command; null on success, else what went wrong (its exit code and output). */
    private static String run(String... command) throws InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.toString();
        }
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            output = e.toString();
        }
        if (!p.waitFor(DEADLINE_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", command) + " did not finish";
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + output;
    }

    /**
     * After a failed write: syncFs() returns (the failed write's section ended) and forces the file
     * (its mark was kept); truncate() of the file returns (its permit was released) and frees the
     * space; freeze() returns (freeze protection released). Returns whether syncFs forced the file.
     */
    private boolean drainAfterFailure(Path file) throws Exception {
        Path real = volume.directory().resolve(file.getFileName().toString());
        forced.clear();
        volume.syncFs();
        boolean wasForced = forced.contains(real);
        volume.truncate(file, 0);
        volume.freeze();
        volume.thaw();
        return wasForced;
    }

    private void assertFailedWriteLeftNothingBehind(Path file) throws Exception {
        Thread[] t = new Thread[1];
        assertTrue(get(onThread("after ENOSPC", () -> drainAfterFailure(file), t)),
                () -> "the next syncFs() did not force " + file + ": forced " + forced);
        assertEquals(List.of(), reports, "a failed write was also sent to the report handler");
    }

    /** syncFs() on another thread, so that a leaked section fails the test at the deadline instead of hanging it. */
    private void syncFs() throws Exception {
        Thread[] t = new Thread[1];
        get(onThread("syncFs", () -> {
            volume.syncFs();
            return null;
        }, t));
    }

    /** Fills the disk through {@code ch}; returns the kernel's ENOSPC. */
    private static IOException fill(FileChannel ch) {
        ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
        long written = 0;
        while (written <= 2L * SIZE) {
            try {
                written += ch.write(chunk.clear());
            } catch (IOException full) {
                assertTrue(written <= SIZE, "a 1 MiB tmpfs took " + written + " bytes");
                return full;
            }
        }
        throw new AssertionError("no ENOSPC after " + written + " bytes on a 1 MiB tmpfs");
    }

    @Test
    void writesThatFindTheDiskFullFailCleanlyAndLeakNothing() throws Exception {
        Path fill = volume.path("fill.dat");
        FileChannel ch = FileChannel.open(fill, CREATE, WRITE);
        toClose.add(ch);
        IOException full = fill(ch);
        assertTrue(full.getMessage().contains(ENOSPC), () -> "not ENOSPC: " + full);

        // Blocking channel: the disk is full, the next write fails at once.
        syncFs();
        IOException again = assertThrows(IOException.class, () -> ch.write(bytes(4096, (byte) 1)));
        assertTrue(again.getMessage().contains(ENOSPC), () -> "not ENOSPC: " + again);
        assertFailedWriteLeftNothingBehind(fill);                // truncates fill.dat: space again

        // Files.write: fill the disk again, then a new file's write fails.
        assertTrue(fill(ch).getMessage().contains(ENOSPC));
        Path more = volume.path("more.dat");
        IOException viaFiles = assertThrows(IOException.class, () -> Files.write(more, new byte[8192]));
        assertTrue(viaFiles.getMessage().contains(ENOSPC), () -> "not ENOSPC: " + viaFiles);
        assertFailedWriteLeftNothingBehind(more);
        volume.truncate(fill, 0);

        // Async with a handler: the checks run inside the handler, on the completion thread.
        assertTrue(fill(ch).getMessage().contains(ENOSPC));
        AsynchronousFileChannel ach = AsynchronousFileChannel.open(volume.path("async.dat"), CREATE, WRITE);
        toClose.add(ach);
        syncFs();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        CompletableFuture<Boolean> drainedInHandler = new CompletableFuture<>();
        ach.write(bytes(8192, (byte) 2), 0, null, new CompletionHandler<Integer, Object>() {
            @Override
            public void completed(Integer result, Object attachment) {
                completed.incrementAndGet();
                failure.completeExceptionally(new AssertionError("a write to a full disk completed: " + result));
            }

            @Override
            public void failed(Throwable exc, Object attachment) {
                failed.incrementAndGet();
                failure.complete(exc);
                try {
                    drainedInHandler.complete(drainAfterFailure(volume.path("async.dat")));
                } catch (Throwable t) {
                    drainedInHandler.completeExceptionally(t);
                }
            }
        });
        Throwable asyncFull = get(failure);
        assertTrue(String.valueOf(asyncFull.getMessage()).contains(ENOSPC), () -> "not ENOSPC: " + asyncFull);
        assertTrue(get(drainedInHandler), "syncFs() in the handler did not force the failed write's file");

        // Async with a Future.
        volume.truncate(fill, 0);
        assertTrue(fill(ch).getMessage().contains(ENOSPC));
        Future<Integer> w = ach.write(bytes(8192, (byte) 3), 0);
        ExecutionException e = assertThrows(ExecutionException.class, () -> w.get(DEADLINE_S, TimeUnit.SECONDS));
        assertTrue(String.valueOf(e.getCause().getMessage()).contains(ENOSPC), () -> "not ENOSPC: " + e.getCause());
        assertFailedWriteLeftNothingBehind(volume.path("async.dat"));
        assertEquals(1, failed.get(), "failed() calls");
        assertEquals(0, completed.get(), "completed() calls");

        // With space again everything works, and close() closes what was opened through the volume.
        volume.truncate(fill, 0);
        assertEquals(4096, ch.write(bytes(4096, (byte) 4), 0));
        assertEquals(4096, get(ach.write(bytes(4096, (byte) 5), 0)));
        volume.freeze();
        volume.thaw();
        volume.syncFs();
        volume.close();
        assertFalse(ch.isOpen(), "a channel of the closed volume is open");
        assertFalse(ach.isOpen(), "a channel of the closed volume is open");
        assertEquals(List.of(), reports);
    }
}
