package dev.quiesce.nio;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.spi.FileSystemProvider;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.quiesce.nio.VolumeTesting.DEADLINE_S;
import static dev.quiesce.nio.VolumeTesting.get;
import static dev.quiesce.nio.VolumeTesting.parkedOn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tracking provider in this JVM, not installed: its file system's plain paths ({@code getPath},
 * as {@code Path.of} would make them if it were the default) route modifications under a root to
 * the root's volume, and everything else to the platform provider, unchanged.
 */
class TrackingFileSystemProviderTest {

    static final FileSystemProvider PLATFORM = FileSystems.getDefault().provider();

    @TempDir
    Path tmp;

    Path rootDir;
    Path outsideDir;
    TrackingFileSystemProvider provider;
    FileSystem fs;

    @BeforeEach
    void setUp() throws IOException {
        rootDir = Files.createDirectory(tmp.resolve("root"));
        outsideDir = Files.createDirectory(tmp.resolve("outside"));
        provider = new TrackingFileSystemProvider(PLATFORM, rootDir.toString(), null, null);
        fs = provider.getFileSystem(URI.create("file:///"));
    }

    /** A path of the tracking file system, made from text as {@code Path.of} makes one. */
    Path p(Path platformPath, String... more) {
        return fs.getPath(platformPath.toString(), more);
    }

    Volume volume() throws IOException {
        return provider.volumeOf(p(rootDir)).orElseThrow();
    }

    /** Registers a listener that records "KIND relative-path" for every modification. */
    List<String> watch(Volume volume) throws InterruptedException {
        List<String> seen = new CopyOnWriteArrayList<>();
        volume.watch(m -> seen.add(m.kind() + " " + rootDir.relativize(Path.of(m.path().toString()))));
        return seen;
    }

    @Test
    void itIsTheFileProviderAndItsPathsAreItsOwn() {
        assertEquals("file", provider.getScheme());
        Path a = p(rootDir, "a");
        assertSame(fs, a.getFileSystem());
        assertSame(provider, a.getFileSystem().provider());
        assertSame(fs, a.getParent().getFileSystem());
        assertSame(fs, a.resolve("b").getFileSystem());
        assertSame(fs, provider.getPath(a.toUri()).getFileSystem());
        assertEquals(a, provider.getPath(a.toUri()));
        assertEquals(rootDir.resolve("a").toString(), a.toString());
        assertThrows(ProviderMismatchException.class, () -> a.resolve(rootDir));
        assertThrows(UnsupportedOperationException.class, fs::close);
        assertTrue(fs.getPathMatcher("glob:**/a").matches(a));
    }

    @Test
    void everyKindOfModificationUnderARootGoesThroughItsVolume() throws Exception {
        Volume volume = volume();
        List<String> seen = watch(volume);

        Files.write(p(rootDir, "a"), new byte[] {1, 2, 3});
        try (FileChannel ch = FileChannel.open(p(rootDir, "a"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {4}), 3);
        }
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(p(rootDir, "a"), StandardOpenOption.WRITE)) {
            get(ch.write(ByteBuffer.wrap(new byte[] {5}), 4));
        }
        try (OutputStream out = Files.newOutputStream(p(rootDir, "a"), StandardOpenOption.APPEND)) {
            out.write(6);
        }
        Files.createDirectory(p(rootDir, "d"));
        Files.copy(p(rootDir, "a"), p(rootDir, "d", "b"));
        Files.move(p(rootDir, "d", "b"), p(rootDir, "d", "c"), StandardCopyOption.ATOMIC_MOVE);
        Files.delete(p(rootDir, "d", "c"));
        assertTrue(Files.deleteIfExists(p(rootDir, "d")));
        Files.createSymbolicLink(p(rootDir, "link"), fs.getPath("a"));

        assertEquals(List.of("CREATE a", "WRITE a", "WRITE a", "WRITE a", "WRITE a", "CREATE d", "COPY a",
                "MOVE d/b", "DELETE d/c", "DELETE d", "CREATE link"), seen.stream()
                        .map(s -> s.startsWith("TRUNCATE") ? null : s).filter(s -> s != null).collect(Collectors.toList()),
                "every modification told to the volume's watcher, in order (truncations left out)");
        assertEquals("a", Files.readSymbolicLink(p(rootDir, "link")).toString(), "a relative link stays relative");
        assertEquals(List.of(1, 2, 3, 4, 5, 6), toList(Files.readAllBytes(rootDir.resolve("a"))));
    }

    @Test
    void aFreezeBlocksAWriteThroughAPlainPathUntilTheThaw() throws Exception {
        Files.write(rootDir.resolve("f"), "old".getBytes(StandardCharsets.UTF_8));
        Volume volume = volume();
        volume.freeze();
        VolumeTesting.Waiting writer;
        try {
            writer = parkedOn("writer", () -> Files.writeString(p(rootDir, "f"), "new"));
            assertFalse(writer.result().isDone(), "the write waits for the thaw");
            assertEquals("old", Files.readString(rootDir.resolve("f")));
            // Reads under the frozen root and writes outside it do not wait.
            assertEquals("old", Files.readString(p(rootDir, "f")));
            Files.writeString(p(outsideDir, "g"), "free");
            assertEquals("free", Files.readString(outsideDir.resolve("g")));
        } finally {
            volume.thaw();
        }
        get(writer.result());
        assertEquals("new", Files.readString(rootDir.resolve("f")));
    }

    @Test
    void syncFsForcesWhatAPlainPathWrote() throws Exception {
        Volume volume = volume();
        Files.write(p(rootDir, "s"), new byte[] {1});
        volume.syncFs();        // no failure; the forcing itself is VolumeTest's
        assertEquals(List.of(1), toList(Files.readAllBytes(rootDir.resolve("s"))));
    }

    @Test
    void outsideTheRootsEverythingIsThePlatforms() throws Exception {
        Volume volume = volume();
        List<String> seen = watch(volume);
        Path out = p(outsideDir, "x");
        Files.write(out, new byte[] {1});
        try (FileChannel mine = FileChannel.open(out, StandardOpenOption.WRITE);
             FileChannel plain = FileChannel.open(outsideDir.resolve("x"), StandardOpenOption.WRITE)) {
            assertSame(plain.getClass(), mine.getClass(), "the platform's own channel");
        }
        Files.move(out, p(outsideDir, "y"), StandardCopyOption.ATOMIC_MOVE);
        Files.delete(p(outsideDir, "y"));
        // A sibling whose name starts with the root's name is outside it.
        Path sibling = Files.createDirectory(tmp.resolve("root-sibling"));
        Files.write(p(sibling, "z"), new byte[] {1});
        // So is a path that climbs out of the root.
        Files.write(fs.getPath(rootDir.toString(), "..", "outside", "up"), new byte[] {1});
        assertEquals(List.of(), seen, "nothing outside the root reaches its volume");
        assertTrue(Files.exists(outsideDir.resolve("up")));
    }

    @Test
    void readsUnderARootAreThePlatformsAndFailAsThePlatformFails() throws Exception {
        Files.write(rootDir.resolve("r"), new byte[] {7});
        try (SeekableByteChannel mine = Files.newByteChannel(p(rootDir, "r"));
             SeekableByteChannel plain = Files.newByteChannel(rootDir.resolve("r"))) {
            assertSame(plain.getClass(), mine.getClass(), "a read-only channel is the platform's");
        }
        assertEquals(Files.readAttributes(rootDir.resolve("r"), "*"), Files.readAttributes(p(rootDir, "r"), "*"));
        assertTrue(Files.isSameFile(p(rootDir, "r"), p(rootDir, ".", "r")));
        assertEquals(p(rootDir, "r"), p(rootDir, "r").toRealPath());

        NoSuchFileException plainMissing = assertThrows(NoSuchFileException.class,
                () -> Files.readAllBytes(rootDir.resolve("missing")));
        NoSuchFileException mineMissing = assertThrows(NoSuchFileException.class,
                () -> Files.readAllBytes(p(rootDir, "missing")));
        assertEquals(plainMissing.getMessage(), mineMissing.getMessage());
        FileAlreadyExistsException plainExists = assertThrows(FileAlreadyExistsException.class,
                () -> Files.createDirectory(outsideDir));
        FileAlreadyExistsException mineExists = assertThrows(FileAlreadyExistsException.class,
                () -> Files.createDirectory(p(outsideDir)));
        assertEquals(plainExists.getMessage(), mineExists.getMessage());
    }

    @Test
    void listingsHandOutItsOwnPathsAndAreNotSecureStreams() throws Exception {
        Files.write(rootDir.resolve("one"), new byte[0]);
        Files.createDirectory(rootDir.resolve("sub"));
        Files.write(rootDir.resolve("sub").resolve("two"), new byte[0]);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p(rootDir), e -> e.getFileSystem() == fs)) {
            assertFalse(ds instanceof SecureDirectoryStream, "deletes through it would bypass the provider");
            int n = 0;
            for (Path e : ds) {
                assertSame(fs, e.getFileSystem());
                n++;
            }
            assertEquals(2, n, "the filter saw tracking paths");
        }
        try (Stream<Path> all = Files.walk(p(rootDir))) {
            List<Path> paths = all.collect(Collectors.toList());
            assertEquals(4, paths.size());
            assertTrue(paths.stream().allMatch(e -> e.getFileSystem() == fs));
        }
    }

    @Test
    void watchServiceEventsResolveToTrackedPaths() throws Exception {
        try (WatchService ws = fs.newWatchService()) {
            Path dir = p(rootDir);
            WatchKey key = dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE);
            Files.write(rootDir.resolve("w"), new byte[0]);
            WatchKey fired = ws.poll(DEADLINE_S, TimeUnit.SECONDS);
            assertNotNull(fired, "the platform's watch service saw the creation");
            assertEquals(key, fired);
            Path watched = (Path) fired.watchable();
            assertSame(fs, watched.getFileSystem());
            WatchEvent<?> event = fired.pollEvents().get(0);
            Path created = watched.resolve((Path) event.context());
            assertSame(fs, created.getFileSystem(), "a write to it would be routed");
            assertThrows(ProviderMismatchException.class,
                    () -> rootDir.register(ws, StandardWatchEventKinds.ENTRY_CREATE));
        }
    }

    @Test
    void aCopyOrMoveAcrossTheBoundaryIsACopyThroughTheVolume() throws Exception {
        Volume volume = volume();
        List<String> seen = watch(volume);
        Files.writeString(outsideDir.resolve("in"), "in");
        Files.move(p(outsideDir, "in"), p(rootDir, "in"));
        assertFalse(Files.exists(outsideDir.resolve("in")));
        assertEquals("in", Files.readString(rootDir.resolve("in")));
        Files.writeString(outsideDir.resolve("atomic"), "a");
        assertThrows(AtomicMoveNotSupportedException.class,
                () -> Files.move(p(outsideDir, "atomic"), p(rootDir, "atomic"), StandardCopyOption.ATOMIC_MOVE));
        Files.copy(p(rootDir, "in"), p(outsideDir, "copied"));
        Files.move(p(rootDir, "in"), p(outsideDir, "out"));
        assertEquals("in", Files.readString(outsideDir.resolve("out")));
        assertEquals(List.of("CREATE in", "WRITE in", "DELETE in"), seen.stream()
                .filter(s -> !s.startsWith("TRUNCATE")).collect(Collectors.toList()),
                "moved in: created and written through the volume; moved out: deleted through it");
    }

    @Test
    void aRootThatDoesNotExistYetIsThePlatformsUntilItIsMade() throws Exception {
        Path later = tmp.resolve("later");
        TrackingFileSystemProvider p2 = new TrackingFileSystemProvider(PLATFORM, later.toString(), null, null);
        FileSystem fs2 = p2.getFileSystem(URI.create("file:///"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> Files.write(fs2.getPath(later.toString(), "f"), new byte[0]));
        assertEquals(later.resolve("f").toString(), e.getFile(), "the platform's own failure");
        assertEquals(Optional.empty(), p2.volumeOf(fs2.getPath(later.toString())));

        Files.createDirectories(fs2.getPath(later.toString(), "sub"));
        Volume v = p2.volumeOf(fs2.getPath(later.toString())).orElseThrow();
        List<String> seen = new CopyOnWriteArrayList<>();
        v.watch(m -> seen.add(m.kind().toString()));
        Files.write(fs2.getPath(later.toString(), "sub", "f"), new byte[0]);
        assertEquals(List.of("CREATE"), seen, "the file's creation, told to the volume opened late");
    }

    @Test
    void aRootReachedThroughASymbolicLinkInItsConfiguredNameMatchesByItsRealPath() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        TrackingFileSystemProvider p2 = new TrackingFileSystemProvider(PLATFORM, link.toString(), null, null);
        FileSystem fs2 = p2.getFileSystem(URI.create("file:///"));
        Volume v = p2.volumeOf(fs2.getPath(link.toString())).orElseThrow();
        List<String> seen = new CopyOnWriteArrayList<>();
        v.watch(m -> seen.add(m.kind() + " " + m.path().getFileName()));
        Files.write(fs2.getPath(real.toString(), "byRealName"), new byte[0]);
        Files.write(fs2.getPath(link.toString(), "byConfiguredName"), new byte[0]);
        assertTrue(seen.contains("CREATE byRealName"), seen.toString());
        assertTrue(seen.contains("CREATE byConfiguredName"), seen.toString());
    }

    @Test
    void badRootsAreRefusedWithTheirNames() {
        IllegalArgumentException relative = assertThrows(IllegalArgumentException.class,
                () -> new TrackingFileSystemProvider(PLATFORM, "data/index", null, null));
        assertEquals("dev.quiesce.nio.volumes: root data/index is not an absolute path", relative.getMessage());
        String overlapping = rootDir + ":" + rootDir.resolve("inner");
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
                () -> new TrackingFileSystemProvider(PLATFORM, overlapping, null, null));
        assertEquals("dev.quiesce.nio.volumes: roots " + rootDir + " and " + rootDir.resolve("inner") + " overlap",
                overlap.getMessage());
        // Empty entries (a trailing separator) are skipped.
        new TrackingFileSystemProvider(PLATFORM, ":" + rootDir + ":", null, null);
        assertThrows(NullPointerException.class, () -> new TrackingFileSystemProvider(null));
    }

    @Test
    void volumeOfIsEmptyOutsideTheRootsAndWhenNotInstalled() throws Exception {
        assertEquals(Optional.empty(), provider.volumeOf(p(outsideDir)));
        assertEquals(Optional.empty(), provider.volumeOf(rootDir), "a path of another file system");
        assertEquals(Optional.empty(), TrackingFileSystemProvider.volume(rootDir), "not the default provider here");
        assertInstanceOf(Volume.class, provider.volumeOf(p(rootDir, "deep", "er")).orElseThrow());
    }

    private static List<Integer> toList(byte[] bytes) {
        return java.util.stream.IntStream.range(0, bytes.length).mapToObj(i -> (int) bytes[i])
                .collect(Collectors.toList());
    }
}
