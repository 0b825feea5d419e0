package dev.quiesce.nio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code Arena} overload of {@code map} on a volume's channel (JDK 22+, the classes of the
 * jar's {@code META-INF/versions/22}), under the same rules as the 3-argument form
 * ({@link VolumeMappingTest}).
 *
 * <p>Regression (issue 15, item 1): {@code FileChannel.open(volume.path("f")).map(READ_ONLY, 0,
 * 4096, Arena.ofConfined())} threw {@code FileChannel}'s default
 * {@link UnsupportedOperationException}, so Lucene's {@code MMapDirectory} could not read an index
 * on a volume on JDK 21+.
 */
class VolumeArenaMappingTest {

    static final byte[] CONTENT = new byte[4096];

    static {
        for (int i = 0; i < CONTENT.length; i++) {
            CONTENT[i] = (byte) i;
        }
    }

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

    /** The minimal case. */
    @Test
    void readOnlySegmentSeesTheFile() throws IOException {
        Path file = file(Volume.builder(dir));
        try (FileChannel ch = FileChannel.open(file); Arena arena = Arena.ofConfined()) {
            MemorySegment s = ch.map(MapMode.READ_ONLY, 0, 4096, arena);
            assertArrayEquals(CONTENT, s.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void privateSegmentIsAllowedAndNeverChangesTheFile() throws IOException {
        Path file = file(Volume.builder(dir));
        try (FileChannel ch = FileChannel.open(file, READ, WRITE); Arena arena = Arena.ofConfined()) {
            MemorySegment s = ch.map(MapMode.PRIVATE, 0, 4096, arena);
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) 'X');
            assertEquals('X', s.get(ValueLayout.JAVA_BYTE, 0));
        }
        assertArrayEquals(CONTENT, Files.readAllBytes(volume.directory().resolve("f")));
    }

    @Test
    void readWriteSegmentIsRefusedNamingTheVolumeTheFileAndTheOptIn() throws IOException {
        Path file = file(Volume.builder(dir));
        try (FileChannel ch = FileChannel.open(file, READ, WRITE); Arena arena = Arena.ofConfined()) {
            FileSystemException e = assertThrows(FileSystemException.class,
                    () -> ch.map(MapMode.READ_WRITE, 0, 4096, arena));
            assertEquals(file.toString(), e.getFile());
            String m = e.getMessage();
            assertTrue(m.contains("volume mapped") && m.contains("READ_WRITE")
                    && m.contains("allowWritableMappings(true)"), m);
        }
    }

    @Test
    void readWriteSegmentOfAReadOnlyChannelIsTheChannelsOwnRefusal() throws IOException {
        Path file = file(Volume.builder(dir));
        try (FileChannel ch = FileChannel.open(file, READ); Arena arena = Arena.ofConfined()) {
            assertThrows(NonWritableChannelException.class, () -> ch.map(MapMode.READ_WRITE, 0, 4096, arena));
        }
    }

    @Test
    void segmentOfAClosedChannelIsRefused() throws IOException {
        Path file = file(Volume.builder(dir));
        FileChannel ch = FileChannel.open(file, READ);
        ch.close();
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(ClosedChannelException.class, () -> ch.map(MapMode.READ_ONLY, 0, 4096, arena));
        }
    }

    @Test
    void readWriteSegmentWithTheOptInWritesTheFile() throws IOException {
        Path file = file(Volume.builder(dir).allowWritableMappings(true));
        try (FileChannel ch = FileChannel.open(file, READ, WRITE); Arena arena = Arena.ofConfined()) {
            MemorySegment s = ch.map(MapMode.READ_WRITE, 0, 4096, arena);
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) 'X');
            s.force();
        }
        assertEquals('X', Files.readAllBytes(volume.directory().resolve("f"))[0]);
    }
}
