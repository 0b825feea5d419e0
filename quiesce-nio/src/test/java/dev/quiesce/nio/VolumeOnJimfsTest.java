package dev.quiesce.nio;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.quiesce.nio.VolumeTesting.Waiting;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.quiesce.nio.VolumeTesting.bytes;
import static dev.quiesce.nio.VolumeTesting.get;
import static dev.quiesce.nio.VolumeTesting.parkedOn;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A {@link Volume} over Jimfs (an in-memory file system from another provider): the write protocol,
 * freezes, watchers, truncation and name-space changes work through it as on the default file
 * system, the data lands in Jimfs, and what Jimfs lacks (directory sync, memory mapping) is handled
 * as the notes of {@link Volume} say. The zip file system (no async channel) is refused as it
 * refuses it.
 */
class VolumeOnJimfsTest {

    private FileSystem jimfs;
    private Path dir;
    private Volume volume;
    private final List<Modification> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws Exception {
        jimfs = Jimfs.newFileSystem(Configuration.unix());
        dir = Files.createDirectories(jimfs.getPath("/data/volume"));
        volume = Volume.builder(dir).name("jimfs").open();
        volume.watch(seen::add);
    }

    @AfterEach
    void close() throws IOException {
        if (volume.isFrozen()) {
            volume.thaw();
        }
        volume.close();
        jimfs.close();
    }

    @Test
    void theVolumeSitsOnTheRootsFileSystem() {
        assertSame(jimfs, volume.directory().getFileSystem());
        assertEquals("/", volume.fileSystem().getSeparator());
        assertEquals(jimfs.getPath("/data/volume/a/b"), volume.directory().resolve("a/b"));
        assertEquals("/data/volume/a/b", volume.path("a", "b").toString());
        assertThrows(IllegalArgumentException.class, () -> volume.path("..", "escape"));
    }

    @Test
    void writesThroughEveryKindOfChannelLandInJimfsAndAreAnnounced() throws Exception {
        Path f = volume.path("log");
        Files.write(f, "hello ".getBytes(StandardCharsets.UTF_8));
        try (OutputStream out = Files.newOutputStream(f, java.nio.file.StandardOpenOption.APPEND)) {
            out.write("jimfs".getBytes(StandardCharsets.UTF_8));
        }
        ExecutorService io = Executors.newSingleThreadExecutor();
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(f, java.util.Set.of(WRITE), io)) {
            assertEquals(1, (int) get(ch.write(ByteBuffer.wrap("H".getBytes(StandardCharsets.UTF_8)), 0)));
        } finally {
            io.shutdown();
        }
        assertEquals("Hello jimfs", Files.readString(dir.resolve("log")));
        volume.syncFs();                                 // forces the file; skips the directory (no sync on Jimfs)

        assertEquals(List.of(Modification.Kind.CREATE, Modification.Kind.WRITE, Modification.Kind.WRITE,
                Modification.Kind.WRITE), seen.stream().map(Modification::kind).toList());
        assertEquals(0, seen.get(3).offset());
    }

    @Test
    void aFreezeBlocksAWriteUntilTheThaw() throws Exception {
        Path f = volume.path("frozen");
        Files.write(f, bytes(4, (byte) 1).array());
        volume.freeze();
        Waiting writer = parkedOn("writer", () -> Files.write(f, bytes(4, (byte) 2).array()));
        assertFalse(writer.result().isDone(), "a write went through a freeze");
        assertArrayEquals(bytes(4, (byte) 1).array(), Files.readAllBytes(dir.resolve("frozen")));
        volume.thaw();
        get(writer.result());
        assertArrayEquals(bytes(4, (byte) 2).array(), Files.readAllBytes(dir.resolve("frozen")));
    }

    @Test
    void truncateGrowsAndShrinksWithZeros() throws Exception {
        Path f = volume.path("sized");
        Files.write(f, bytes(8, (byte) 7).array());
        volume.truncate(f, 3);
        assertArrayEquals(bytes(3, (byte) 7).array(), Files.readAllBytes(dir.resolve("sized")));
        volume.truncate(f, 6);
        assertArrayEquals(new byte[] {7, 7, 7, 0, 0, 0}, Files.readAllBytes(dir.resolve("sized")));
        assertEquals(List.of(3L, 6L), seen.stream().filter(m -> m.kind() == Modification.Kind.TRUNCATE)
                .map(Modification::offset).toList());
    }

    @Test
    void nameSpaceChangesGoThroughTheVolume() throws Exception {
        Path sub = Files.createDirectory(volume.path("sub"));
        Path a = Files.write(sub.resolve("a"), new byte[] {1});
        Files.copy(a, sub.resolve("b"));
        Files.move(sub.resolve("b"), volume.path("c"));
        Files.delete(a);
        assertFalse(Files.exists(dir.resolve("sub/a")));
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("c")));
        assertEquals(List.of(Modification.Kind.CREATE, Modification.Kind.CREATE, Modification.Kind.WRITE,
                Modification.Kind.COPY, Modification.Kind.MOVE, Modification.Kind.DELETE),
                seen.stream().map(Modification::kind).toList());
        volume.syncFs();
    }

    @Test
    void whatJimfsCannotDoIsRefusedAsJimfsRefusesIt() throws Exception {
        Path f = Files.write(volume.path("m"), new byte[16]);
        try (FileChannel ch = FileChannel.open(f, READ)) {
            assertThrows(UnsupportedOperationException.class, () -> ch.map(FileChannel.MapMode.READ_ONLY, 0, 16));
        }
        // The volume refuses a writable mapping itself, before asking Jimfs.
        try (FileChannel ch = FileChannel.open(f, READ, WRITE)) {
            assertThrows(FileSystemException.class, () -> ch.map(FileChannel.MapMode.READ_WRITE, 0, 16));
        }
    }

    @Test
    void syncFsWaitsForAnAsyncWriteInFlightOnJimfs() throws Exception {
        Path f = Files.write(volume.path("async"), new byte[4]);
        HeldBackExecutor held = new HeldBackExecutor();
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(f, java.util.Set.of(WRITE), held)) {
            Future<Integer> write = ch.write(bytes(4, (byte) 9), 0);
            Waiting sync = parkedOn("syncFs", volume::syncFs);
            assertFalse(sync.result().isDone(), "syncFs() returned while a write was in flight");
            while (!write.isDone()) {       // Jimfs runs the write, then its completion, as two tasks
                held.awaitHeld(1);
                held.releaseAllAndJoin();
            }
            assertEquals(4, (int) get(write));
            get(sync.result());
        } finally {
            held.shutdown();
        }
        assertArrayEquals(bytes(4, (byte) 9).array(), Files.readAllBytes(dir.resolve("async")));
    }

    /** The zip file system has no async channel: the volume passes its refusal on, and blocking writes work. */
    @Test
    void aZipFileSystemUnderAVolumeRefusesAsyncChannelsAsItDoes() throws Exception {
        Path zip = Files.createTempFile("quiesce-volume", ".zip");
        Files.delete(zip);
        try (FileSystem zfs = FileSystems.newFileSystem(URI.create("jar:" + zip.toUri()), Map.of("create", "true"))) {
            Path root = Files.createDirectory(zfs.getPath("/v"));
            try (Volume z = Volume.open(root)) {
                Path f = Files.write(z.path("entry"), new byte[] {5});
                assertThrows(UnsupportedOperationException.class,
                        () -> AsynchronousFileChannel.open(f, WRITE, CREATE));
                z.syncFs();
                assertArrayEquals(new byte[] {5}, Files.readAllBytes(root.resolve("entry")));
            }
        } finally {
            Files.deleteIfExists(zip);
        }
    }
}
