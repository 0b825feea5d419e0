package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's file-system sample on a real directory: the async write started before
 * {@code syncFs()} is complete in the copy taken while frozen, its handler ran, and the watcher
 * opened before it was told of it.
 */
class VolumeSampleTest {

    @Test
    void theFrozenCopyHoldsTheWriteThatWasInFlightAtTheSync(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("journal"));
        Path backup = Files.createDirectory(tmp.resolve("backup"));
        byte[] record = "a checksummed record\n".getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Integer> completed = new CompletableFuture<>();
        CompletionHandler<Integer, Void> handler = new CompletionHandler<>() {
            @Override public void completed(Integer n, Void a) { completed.complete(n); }
            @Override public void failed(Throwable e, Void a) { completed.completeExceptionally(e); }
        };

        VolumeSample sample = new VolumeSample();
        sample.run(dir, backup, ByteBuffer.wrap(record), handler);

        assertEquals(record.length, completed.get(30, TimeUnit.SECONDS));
        assertArrayEquals(record, Files.readAllBytes(backup.resolve("segment-0001.log")),
                "the copy taken while frozen holds the write started before syncFs()");
        assertArrayEquals(record, Files.readAllBytes(dir.resolve("segment-0001.log")));
        assertEquals(1, sample.invalidated.size(), "the watcher saw the write: " + sample.invalidated);
        assertTrue(sample.invalidated.iterator().next().endsWith("segment-0001.log"), sample.invalidated.toString());
    }
}
