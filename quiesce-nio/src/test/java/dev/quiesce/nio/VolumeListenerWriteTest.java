package dev.quiesce.nio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.quiesce.nio.VolumeTesting.awaitParkedOrDone;
import static dev.quiesce.nio.VolumeTesting.get;
import static dev.quiesce.nio.VolumeTesting.onThread;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener's own write while the volume is frozen (issue 15, item 6). The listener runs inside the
 * section of the write that called it; before the fix its write waited for the thaw there, so that
 * section stayed open and every grace period — {@code syncFs()}, {@code watch()} — waited for the
 * thaw too (seen: both still blocked 2 s into a freeze). Now the waiting write ends the sections of
 * the writes whose listener it is, and those start over after it: {@code syncFs()} and
 * {@code watch()} return while frozen, and a listener registered meanwhile still sees the outer write.
 */
class VolumeListenerWriteTest {

    @TempDir
    Path dir;

    private Volume volume;

    @BeforeEach
    void open() throws Exception {
        volume = Volume.builder(dir).name("listener-writes").open();
    }

    @AfterEach
    void close() throws Exception {
        while (volume.isFrozen()) {
            volume.thaw();
        }
        volume.close();
    }

    @Test
    void syncFsAndWatchDoNotWaitForAThawThatAListenersWriteWaitsFor() throws Exception {
        Path source = Files.createFile(volume.path("source.log"));
        Path audit = Files.createFile(volume.path("audit.log"));
        List<Modification> auditor = new CopyOnWriteArrayList<>();
        volume.watch(m -> {
            auditor.add(m);
            if (m.path().equals(source)) {
                try {
                    writeAt(audit, ("saw " + m.kind()).getBytes(StandardCharsets.UTF_8));  // waits for the thaw
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        });
        volume.freeze();

        Thread[] writer = new Thread[1];
        CompletableFuture<Object> w = onThread("writer", () -> {
            writeAt(source, new byte[] {42});
            return null;
        }, writer);
        awaitParkedOrDone(writer[0]);                 // parked in the listener's write, behind the freeze
        assertFalse(w.isDone(), "a write went through a freeze");

        // Neither waits for the thaw (a hang here fails at the deadline of get()).
        get(onThread("syncFs", () -> {
            volume.syncFs();
            return null;
        }, new Thread[1]));
        List<Modification> late = new CopyOnWriteArrayList<>();
        get(onThread("watch", () -> volume.watch(late::add), new Thread[1]));
        assertTrue(volume.isFrozen());
        assertFalse(w.isDone());
        assertArrayEquals(new byte[0], Files.readAllBytes(dir.resolve("source.log")));

        volume.thaw();
        get(w);
        assertArrayEquals(new byte[] {42}, Files.readAllBytes(dir.resolve("source.log")));
        assertEquals("saw WRITE", Files.readString(dir.resolve("audit.log")));
        // The first listener saw the source write once (not again when it started over) and its own
        // write to the audit log; the listener registered while both waited saw both when they
        // started over, the listener's write first.
        assertEquals(List.of(source, audit), auditor.stream().map(Modification::path).toList());
        assertEquals(List.of(audit, source), late.stream().map(Modification::path).toList(),
                "the late listener missed a write that started over: " + late);
        volume.syncFs();
    }

    @Test
    void aListenersWriteUnderANestedListenerRenewsEveryCallersSection() throws Exception {
        Path a = Files.createFile(volume.path("a"));
        Path b = Files.createFile(volume.path("b"));
        Path c = Files.createFile(volume.path("c"));
        volume.watch(m -> {
            try {
                if (m.path().equals(a)) {
                    writeAt(b, new byte[] {2});             // its listener writes c, which waits
                } else if (m.path().equals(b)) {
                    writeAt(c, new byte[] {3});
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        volume.freeze();
        Thread[] writer = new Thread[1];
        CompletableFuture<Object> w = onThread("writer", () -> {
            writeAt(a, new byte[] {1});
            return null;
        }, writer);
        awaitParkedOrDone(writer[0]);
        get(onThread("syncFs", () -> {
            volume.syncFs();
            return null;
        }, new Thread[1]));
        assertFalse(w.isDone());
        volume.thaw();
        get(w);
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("a")));
        assertArrayEquals(new byte[] {2}, Files.readAllBytes(dir.resolve("b")));
        assertArrayEquals(new byte[] {3}, Files.readAllBytes(dir.resolve("c")));
        assertEquals(0, volume.stats().modificationsInFlight());
    }

    /**
     * A listener of volume A writes to volume B, which is frozen. Its write waits for B's thaw; it
     * must not keep A's section open meanwhile, or {@code syncFs()} of A would wait for B's thaw
     * and {@code freeze()} of A — which waits for A's writes in flight — would never return to the
     * thread that is going to thaw B: the "freeze two volumes for one snapshot" pattern. (Found in
     * review: the Announcing stack was per volume, so only A-to-A listener writes were handled.)
     */
    @Test
    void aListenersWriteToAnotherFrozenVolumeDoesNotHoldUpThisOne(@TempDir Path otherDir) throws Exception {
        try (Volume other = Volume.builder(otherDir).name("listener-writes-other").open()) {
            Path source = Files.createFile(volume.path("source"));
            Path elsewhere = Files.createFile(other.path("elsewhere"));
            volume.watch(m -> {
                if (m.path().equals(source)) {
                    try {
                        writeAt(elsewhere, new byte[] {7});         // waits for the other volume's thaw
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            });
            other.freeze();
            Thread[] writer = new Thread[1];
            CompletableFuture<Object> w = onThread("writer", () -> {
                writeAt(source, new byte[] {1});
                return null;
            }, writer);
            awaitParkedOrDone(writer[0]);
            assertFalse(w.isDone(), "a write went through the other volume's freeze");
            // Neither waits for the other volume's thaw (a hang fails at the deadline of get()).
            get(onThread("syncFs", () -> {
                volume.syncFs();
                return null;
            }, new Thread[1]));
            get(onThread("freeze", () -> {
                volume.freeze();
                return null;
            }, new Thread[1]));
            other.thaw();                                    // the listener's write goes through ...
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (Files.size(otherDir.resolve("elsewhere")) == 0) {     // a deadlock guard, not a timer
                assertTrue(System.nanoTime() - deadline < 0, "the listener's write never went through");
                Thread.onSpinWait();
            }
            assertArrayEquals(new byte[] {7}, Files.readAllBytes(otherDir.resolve("elsewhere")));
            // ... and the outer write cannot end before this volume's thaw.
            assertFalse(w.isDone(), "a write went through this volume's freeze");
            volume.thaw();
            get(w);
            assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("source")));
        }
    }

    /**
     * freeze() from a listener of the same volume is refused, as syncFs() and watch() are: it waits
     * for the writes in flight, among them the one that called the listener. (Found in review: once
     * freeze() waited for a grace period, such a call hung for ever.)
     */
    @Test
    void freezeFromAListenerIsRefused() throws Exception {
        Path source = Files.createFile(volume.path("source"));
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        volume.watch(m -> {
            try {
                volume.freeze();
                refused.add(new AssertionError("freeze() from a listener returned"));
            } catch (Throwable t) {
                refused.add(t);
            }
        });
        get(onThread("writer", () -> {
            writeAt(source, new byte[] {1});
            return null;
        }, new Thread[1]));
        assertEquals(1, refused.size(), refused::toString);
        assertTrue(refused.get(0) instanceof IllegalStateException
                && refused.get(0).getMessage().contains("freeze()"), refused.get(0)::toString);
        assertFalse(volume.isFrozen());
    }

    /** One write call at position 0, without the truncation {@code Files.write} announces first. */
    private static void writeAt(Path p, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), 0);
        }
    }
}
