package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first sample, run on a real file: the channel's I/O and completion run on an
 * executor whose tasks the test runs one at a time, so a write stays in flight until the test
 * lets it finish. {@code awaitWritesInFlight()} waits for a write begun before it and not for one begun after.
 */
class TrackedWritesTest {

    @Test
    void syncWaitsForTheWriteInFlightAndNotForALaterOne(@TempDir Path dir) throws Exception {
        TrackedWrites tracked = new TrackedWrites();
        HeldTasks io = new HeldTasks();
        Path file = dir.resolve("journal");
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(file,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), io)) {
            byte[] first = "first record\n".getBytes(StandardCharsets.US_ASCII);
            byte[] second = "second record\n".getBytes(StandardCharsets.US_ASCII);
            Into<Integer> w1 = new Into<>();
            tracked.write(ch, ByteBuffer.wrap(first), 0, null, w1);

            Thread sync = Parked.waiting("sync", tracked::awaitWritesInFlight);   // write 1 is in flight
            Into<Integer> w2 = new Into<>();
            tracked.write(ch, ByteBuffer.wrap(second), first.length, null, w2);
            assertTrue(sync.isAlive(), "sync returned while the first write was in flight");

            io.runNext();                                              // the first write runs and completes
            Parked.join(sync);                                         // write 2 still in flight
            assertEquals(first.length, w1.future.get(30, TimeUnit.SECONDS));
            assertFalse(w2.future.isDone(), "the second write had not been run");

            io.runNext();
            assertEquals(second.length, w2.future.get(30, TimeUnit.SECONDS));
            tracked.awaitWritesInFlight();                                            // nothing in flight: returns
        }
        byte[] expected = "first record\nsecond record\n".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(expected, Files.readAllBytes(file));
        tracked.domain().close();                                      // refuses if a section were left open
    }
}
