package dev.quiesce.examples;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.quiesce.nio.Volume;
import dev.quiesce.nio.Watch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The README's file-system sample: a journal written with async writes through a {@link Volume},
 * synced, frozen for a consistent copy, thawed, and watched.
 */
public final class VolumeSample {

    /** Paths a watcher has seen change (the sample's "index"). */
    final Set<Path> invalidated = ConcurrentHashMap.newKeySet();

    /**
     * Runs the sample in {@code dir}, copying a frozen snapshot into {@code backup}.
     *
     * @param dir     the volume's directory (must exist)
     * @param backup  an existing empty directory outside {@code dir}
     * @param record  the bytes of one record
     * @param handler told when the write completes
     * @throws IOException if a write, sync or copy fails
     * @throws InterruptedException if interrupted while waiting
     */
    @SuppressWarnings("try")   // the watch is held for the block's sake, never read in it
    void run(Path dir, Path backup, ByteBuffer record, CompletionHandler<Integer, Void> handler)
            throws IOException, InterruptedException {
        long position = 0;
        // @sample volume
        try (Volume volume = Volume.open(dir);
             Watch watch = volume.watch(change -> invalidated.add(change.path()))) {  // no later write escapes it
            Path log = volume.path("segment-0001.log");
            try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(log, WRITE, CREATE)) {
                ch.write(record, position, null, handler);  // START here, END on the completion thread

                volume.syncFs();                   // waits for the writes already in flight, then forces them
                volume.freeze();                   // blocks new writes, drains old ones, forces the data
                copy(volume.directory(), backup);  // plain paths: reading is not tracked
                volume.thaw();                     // from any thread
            }
        }
        // @end
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            files.forEach(f -> {
                try {
                    Files.copy(f, to.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** Creates the sample (JDK 18+ doclint asks for a documented constructor). */
    public VolumeSample() {
    }
}
