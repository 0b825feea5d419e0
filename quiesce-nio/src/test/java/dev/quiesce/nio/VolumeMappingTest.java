package dev.quiesce.nio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mapping rules of a volume's {@link FileChannel} (the 3-argument {@code map}; the
 * {@code Arena} form is tested in {@code src/test/java22}, compiled on JDK 22+ only):
 * {@code READ_ONLY} and {@code PRIVATE} are allowed, {@code READ_WRITE} is refused with a message
 * naming the volume, the file and the opt-in, unless the builder opted in.
 */
class VolumeMappingTest {

    static final byte[] CONTENT = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;
    private Volume volume;

    @AfterEach
    void close() throws IOException {
        if (volume != null) {
            volume.close();
        }
    }

    private Path file(Volume.Builder builder) throws IOException {
        volume = builder.name("mapped").open();
        Path file = volume.path("f");
        Files.write(file, CONTENT);
        return file;
    }

    @Test
    void readOnlyMappingSeesTheFile() throws IOException {
        Path file = file(Volume.builder(dir));
        try (FileChannel ch = FileChannel.open(file, READ)) {
            MappedByteBuffer m = ch.map(MapMode.READ_ONLY, 0, CONTENT.length);
            byte[] read = new byte[CONTENT.length];
            m.get(read);
            assertArrayEquals(CONTENT, read);
        }
    }

    @Test
    void privateMappingIsAllowedAndNeverChangesTheFile() throws IOException {
        Path file = file(Volume.builder(dir));
        try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
            MappedByteBuffer m = ch.map(MapMode.PRIVATE, 0, CONTENT.length);
            m.put(0, (byte) 'X');
            assertEquals('X', m.get(0));
        }
        assertArrayEquals(CONTENT, Files.readAllBytes(volume.directory().resolve("f")));
    }

    @Test
    void readWriteMappingIsRefusedNamingTheVolumeTheFileAndTheOptIn() throws IOException {
        Path file = file(Volume.builder(dir));
        try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
            FileSystemException e = assertThrows(FileSystemException.class,
                    () -> ch.map(MapMode.READ_WRITE, 0, CONTENT.length));
            assertEquals(file.toString(), e.getFile());
            String m = e.getMessage();
            assertTrue(m.contains("volume mapped") && m.contains(volume.directory().toString())
                    && m.contains("READ_WRITE") && m.contains("allowWritableMappings(true)"), m);
            assertTrue(ch.isOpen(), "the refusal leaves the channel open");
        }
    }

    /** A channel opened without WRITE refuses a writable mapping as the plain channel does. */
    @Test
    void readWriteMappingOfAReadOnlyChannelIsTheChannelsOwnRefusal() throws IOException {
        Path file = file(Volume.builder(dir));
        try (FileChannel ch = FileChannel.open(file, READ)) {
            assertThrows(NonWritableChannelException.class, () -> ch.map(MapMode.READ_WRITE, 0, CONTENT.length));
        }
    }

    @Test
    void mapOnAClosedChannelIsRefused() throws IOException {
        Path file = file(Volume.builder(dir));
        FileChannel ch = FileChannel.open(file, READ);
        ch.close();
        assertThrows(ClosedChannelException.class, () -> ch.map(MapMode.READ_ONLY, 0, CONTENT.length));
    }

    /**
     * With the opt-in a READ_WRITE mapping writes the file, and (as documented) the write bypasses
     * the volume: no watcher is told.
     */
    @Test
    void readWriteMappingWithTheOptInWritesTheFileUntracked() throws Exception {
        Path file = file(Volume.builder(dir).allowWritableMappings(true));
        List<Modification> seen = new CopyOnWriteArrayList<>();
        Watch watch = volume.watch(seen::add);
        try (FileChannel ch = FileChannel.open(file, READ, WRITE)) {
            MappedByteBuffer m = ch.map(MapMode.READ_WRITE, 0, CONTENT.length);
            m.put(0, (byte) 'X');
            m.force();
        } finally {
            watch.close();
        }
        assertEquals('X', Files.readAllBytes(volume.directory().resolve("f"))[0]);
        assertEquals(List.of(), seen);
    }
}
