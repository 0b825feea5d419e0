package dev.quiesce.nio;

import dev.quiesce.Report;
import dev.quiesce.nio.VolumeTesting.Waiting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;

import static dev.quiesce.nio.VolumeTesting.bytes;
import static dev.quiesce.nio.VolumeTesting.get;
import static dev.quiesce.nio.VolumeTesting.parkedOn;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Volume#stats()} after known work: each figure counts exactly what it says. */
class VolumeStatsTest {

    @TempDir
    Path dir;

    private Volume volume;
    private final List<Report> reports = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws Exception {
        volume = Volume.builder(dir).name("stats").reportHandler(reports::add).open();
    }

    @AfterEach
    void close() throws Exception {
        if (volume.isFrozen()) {
            volume.thaw();
        }
        volume.close();
    }

    @Test
    void aNewVolumeHasCountedNothing() {
        assertEquals(new VolumeStats(0, 0, 0, 0, false, 0, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0, 0, 0, 0),
                volume.stats());
    }

    @Test
    void modificationsInFlightAreThoseStartedAndNotEnded() throws Exception {
        Path f = Files.write(volume.path("a"), new byte[8]);            // CREATE + WRITE, both ended
        VolumeStats s = volume.stats();
        assertEquals(2, s.modificationsStarted());
        assertEquals(2, s.modificationsEnded());
        assertEquals(1, s.dirtyFiles());

        HeldBackExecutor held = new HeldBackExecutor();
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(f, Set.of(WRITE), held)) {
            Future<Integer> w = ch.write(bytes(8, (byte) 1), 0);
            s = volume.stats();
            assertEquals(1, s.modificationsInFlight(), "an async write held before its completion");
            assertEquals(1, s.openChannels());
            held.awaitHeld(1);
            held.releaseAllAndJoin();
            assertEquals(8, (int) get(w));
            assertEquals(0, volume.stats().modificationsInFlight());
        } finally {
            held.shutdown();
        }
        assertEquals(0, volume.stats().openChannels());
        volume.syncFs();
        s = volume.stats();
        assertEquals(0, s.dirtyFiles(), "forced by syncFs()");
        assertEquals(1, s.syncs());
        assertTrue(s.lastSync().compareTo(s.longestSync()) <= 0 && s.longestSync().equals(s.totalSync()), s.toString());
    }

    @Test
    void freezesWaitsWatchersAndListenerFailuresAreCounted() throws Exception {
        Path f = Files.write(volume.path("b"), new byte[4]);
        volume.watch(m -> {
            throw new IllegalStateException("listener failure for the test");
        });
        volume.freeze();
        volume.freeze();                                               // nested: not a second freeze
        VolumeStats s = volume.stats();
        assertTrue(s.frozen());
        assertEquals(1, s.freezes());
        assertEquals(1, s.watchers());

        Waiting writer = parkedOn("writer", () -> {
            try (FileChannel ch = FileChannel.open(f, WRITE)) {
                ch.write(bytes(4, (byte) 2), 0);
            }
        });
        assertFalse(writer.result().isDone());
        volume.thaw();
        volume.thaw();
        get(writer.result());
        s = volume.stats();
        assertFalse(s.frozen());
        assertEquals(1, s.waits(), "the write parked once behind the freeze");
        // Files.write: CREATE and WRITE; then the parked write's attempt and its start over.
        assertEquals(4, s.modificationsStarted(), s::toString);
        assertEquals(4, s.modificationsEnded(), s::toString);
        // Told once before it waited, not again when it started over (each listener sees it once).
        assertEquals(1, s.listenerFailures());
        assertEquals(1, reports.size());
    }
}
