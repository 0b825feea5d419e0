package dev.quiesce.nio;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static dev.quiesce.nio.VolumeTesting.bytes;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15 item 7: "outside the root" was checked lexically, so a symbolic link inside the root that
 * points outside let a write through the volume land outside it, untracked. A volume now resolves a
 * path beneath its root as {@code openat2(2)}'s {@code RESOLVE_BENEATH} does: a link that leaves the
 * root, used as a directory or as the file itself, is refused with a {@link FileSystemException}
 * naming the root, for writes, opens, creations, deletions, moves, copies, truncations — and reads,
 * which need no tracking but would break the volume's promise that its paths stay in its
 * directory (a snapshot reader copying the volume while it is frozen would read files no freeze
 * holds). Deleting, moving or reading a link itself (not following it) is allowed: that changes
 * only an entry of the root, as {@code unlink(2)} and {@code rename(2)} do, and is how such a link
 * is removed. Links that stay inside keep working, and writes through them are tracked under the
 * file they reach.
 */
class VolumeLinkTest {

    @TempDir
    Path base;

    private Path outside;
    private Volume volume;

    @BeforeEach
    void open() throws IOException {
        Path rootDir = Files.createDirectory(base.resolve("root"));
        outside = Files.createDirectory(base.resolve("outside")).toRealPath();
        Files.write(outside.resolve("x"), new byte[] {1, 2, 3});
        Files.createDirectory(outside.resolve("d"));
        volume = Volume.builder(rootDir).name("links").open();
        Files.createDirectory(volume.path("sub"));
        Files.write(volume.path("sub", "t.dat"), new byte[] {7});
        Files.write(volume.path("inside.dat"), new byte[] {8});
        // Links to outside, created through the volume: absolute and relative, to a directory and a file.
        link("out", outside.toString());
        link("up", "../outside");
        link("outFile", outside.resolve("x").toString());
        link("dangling", outside.resolve("new").toString());
        link("sub/back", "../../outside/x");
        // Leaves the root and comes back: refused too, as RESOLVE_BENEATH refuses it.
        link("roundTrip", "../root/sub");
    }

    @AfterEach
    void close() throws IOException {
        volume.close();
    }

    private void link(String name, String target) throws IOException {
        Files.createSymbolicLink(volume.path(name), volume.fileSystem().getPath(target));
    }

    /** Every file and directory under {@code outside}, with its bytes: to show nothing changed there. */
    private Map<String, String> outsideTree() throws IOException {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> all = Files.walk(outside)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                tree.put(outside.relativize(p).toString(),
                        Files.isDirectory(p) ? "dir" : Arrays.toString(Files.readAllBytes(p)));
            }
        }
        return tree;
    }

    private void assertRefused(Map<String, Executable> ops) throws IOException {
        Map<String, String> before = outsideTree();
        String root = volume.directory().toString();
        List<String> notRefused = new ArrayList<>();
        for (Map.Entry<String, Executable> op : ops.entrySet()) {
            try {
                op.getValue().execute();
                notRefused.add(op.getKey() + ": done");
            } catch (FileSystemException e) {
                if (e.getReason() == null || !e.getReason().contains("outside the volume root " + root)) {
                    notRefused.add(op.getKey() + ": " + e);
                }
            } catch (Throwable t) {
                notRefused.add(op.getKey() + ": " + t);
            }
        }
        assertEquals(List.of(), notRefused, "operations through a link to outside that were not refused naming the root");
        assertEquals(before, outsideTree(), "something outside the root changed");
    }

    /** A link to outside used as a directory: every operation through it is refused, nothing outside changes. */
    @Test
    void aLinkToOutsideUsedAsADirectoryIsRefused() throws Exception {
        Map<String, Executable> ops = new LinkedHashMap<>();
        for (String dirLink : List.of("out", "up", "roundTrip")) {
            String x = dirLink + "/x";
            ops.put("Files.write " + x, () -> Files.write(volume.path(x), new byte[] {9}));
            ops.put("FileChannel.open WRITE " + x, () -> FileChannel.open(volume.path(x), WRITE).close());
            ops.put("AsynchronousFileChannel.open " + x, () -> AsynchronousFileChannel.open(volume.path(x), WRITE).close());
            ops.put("createFile " + dirLink + "/new", () -> Files.createFile(volume.path(dirLink, "new")));
            ops.put("createDirectory " + dirLink + "/newdir", () -> Files.createDirectory(volume.path(dirLink, "newdir")));
            ops.put("createSymbolicLink " + dirLink + "/l", () -> Files.createSymbolicLink(volume.path(dirLink, "l"),
                    volume.fileSystem().getPath("x")));
            ops.put("delete " + x, () -> Files.delete(volume.path(x)));
            ops.put("delete " + dirLink + "/d", () -> Files.delete(volume.path(dirLink, "d")));
            ops.put("move out of " + x, () -> Files.move(volume.path(x), volume.path("moved")));
            ops.put("move into " + dirLink, () -> Files.move(volume.path("inside.dat"), volume.path(dirLink, "in")));
            ops.put("copy into " + dirLink, () -> Files.copy(volume.path("inside.dat"), volume.path(dirLink, "c")));
            ops.put("copy from " + x, () -> Files.copy(volume.path(x), volume.path("copied")));
            ops.put("truncate " + x, () -> volume.truncate(volume.path(x), 0));
            ops.put("tryWrite " + x, () -> volume.tryWrite(volume.path(x), bytes(1, (byte) 9), 0));
            ops.put("read " + x, () -> Files.readAllBytes(volume.path(x)));
            ops.put("list " + dirLink, () -> Files.newDirectoryStream(volume.path(dirLink)).close());
            ops.put("size " + x, () -> Files.size(volume.path(x)));
        }
        assertRefused(ops);
        assertTrue(Files.exists(volume.path("inside.dat")), "a refused move moved the file");
        assertFalse(Files.exists(volume.path("moved")) || Files.exists(volume.path("copied")));
    }

    /** A link to outside used as the file itself: opened, written, truncated, created through, read: refused. */
    @Test
    void aLinkToOutsideUsedAsTheFileIsRefused() throws Exception {
        Map<String, Executable> ops = new LinkedHashMap<>();
        for (String fileLink : List.of("outFile", "sub/back", "dangling")) {
            ops.put("Files.write " + fileLink, () -> Files.write(volume.path(fileLink), new byte[] {9}));
            ops.put("FileChannel.open WRITE " + fileLink, () -> FileChannel.open(volume.path(fileLink), WRITE, CREATE).close());
            ops.put("AsynchronousFileChannel.open " + fileLink,
                    () -> AsynchronousFileChannel.open(volume.path(fileLink), WRITE, CREATE).close());
            ops.put("truncate " + fileLink, () -> volume.truncate(volume.path(fileLink), 0));
            ops.put("tryWrite " + fileLink, () -> volume.tryWrite(volume.path(fileLink), bytes(1, (byte) 9), 0));
            ops.put("copy from " + fileLink, () -> Files.copy(volume.path(fileLink), volume.path("copied")));
            ops.put("read " + fileLink, () -> FileChannel.open(volume.path(fileLink), READ).close());
            ops.put("readAttributes " + fileLink, () -> Files.readAttributes(volume.path(fileLink), "size"));
            ops.put("setAttribute " + fileLink, () -> Files.setAttribute(volume.path(fileLink), "lastModifiedTime",
                    FileTime.fromMillis(0)));
            // Through a view (these threw NullPointerException on the null view of a refused path).
            ops.put("setLastModifiedTime " + fileLink, () -> Files.setLastModifiedTime(volume.path(fileLink),
                    FileTime.fromMillis(0)));
            ops.put("setPosixFilePermissions " + fileLink, () -> Files.setPosixFilePermissions(volume.path(fileLink),
                    PosixFilePermissions.fromString("rwxrwxrwx")));
            ops.put("view readAttributes " + fileLink, () -> Files.getFileAttributeView(volume.path(fileLink),
                    BasicFileAttributeView.class).readAttributes());
        }
        assertRefused(ops);
        assertEquals("posix", Files.getFileAttributeView(volume.path("outFile"), PosixFileAttributeView.class).name());
        assertFalse(Files.exists(outside.resolve("new"), LinkOption.NOFOLLOW_LINKS), "created through a dangling link");
        assertFalse(Files.exists(volume.path("outFile")), "a link to outside exists as far as the volume goes");
    }

    /**
     * The link itself is an entry of the root: reading it, copying it as a link, moving and deleting it
     * are allowed (none follows it), and nothing outside changes.
     */
    @Test
    void theLinkItselfMayBeReadMovedCopiedAndDeleted() throws Exception {
        Map<String, String> before = outsideTree();
        assertTrue(Files.isSymbolicLink(volume.path("outFile")));
        assertEquals(outside.resolve("x").toString(), Files.readSymbolicLink(volume.path("outFile")).toString());
        Files.copy(volume.path("outFile"), volume.path("copyOfLink"), LinkOption.NOFOLLOW_LINKS);
        assertTrue(Files.isSymbolicLink(volume.path("copyOfLink")));
        Files.move(volume.path("outFile"), volume.path("renamed"));
        Files.copy(volume.path("inside.dat"), volume.path("renamed"), StandardCopyOption.REPLACE_EXISTING);
        assertFalse(Files.isSymbolicLink(volume.path("renamed")), "the copy replaced the link, not its target");
        Files.delete(volume.path("copyOfLink"));
        Files.delete(volume.path("out"));
        assertEquals(before, outsideTree(), "something outside the root changed");
    }

    /**
     * Regression — a dangling link copied as a link ({@code NOFOLLOW_LINKS}) through the volume was
     * copied, and then the copy threw {@link java.nio.file.NoSuchFileException}: the volume read the
     * new name's file key (to mark it for syncFs) following the link. It now reads the key of the
     * name itself, as the copy made it.
     */
    @Test
    void aDanglingLinkCopiedAsALinkIsCopiedWithoutAnError() throws Exception {
        Files.copy(volume.path("dangling"), volume.path("danglingCopy"), LinkOption.NOFOLLOW_LINKS);
        assertTrue(Files.isSymbolicLink(volume.path("danglingCopy")));
        assertEquals(outside.resolve("new").toString(), Files.readSymbolicLink(volume.path("danglingCopy")).toString());
        volume.syncFs();
        assertFalse(Files.exists(outside.resolve("new"), LinkOption.NOFOLLOW_LINKS));
    }

    /** A loop of links is refused after Linux's 40 links (ELOOP), naming the root. */
    @Test
    void aLoopOfLinksIsRefused() throws Exception {
        link("loop1", "loop2");
        link("loop2", "loop1");
        FileSystemException e = assertThrows(FileSystemException.class,
                () -> Files.write(volume.path("loop1"), new byte[] {1}));
        assertTrue(e.getReason().contains("symbolic links below the volume root " + volume.directory()), e::toString);
    }

    /**
     * Links that stay inside keep working, and what is written through them is tracked under the
     * file they reach: a watcher sees the write (and its path is the file's), syncFs() forces the file.
     */
    @Test
    void linksThatStayInsideWorkAndAreTracked() throws Exception {
        link("in", "sub");
        link("inFile", "sub/t.dat");
        link("inAbs", volume.directory().resolve("sub/t.dat").toString());
        link("sub/self", "../sub/t.dat");
        volume.syncFs();
        List<Modification> seen = new CopyOnWriteArrayList<>();
        List<Path> forced = new CopyOnWriteArrayList<>();
        volume.files().forceObserver = forced::add;
        Path target = volume.path("sub", "t.dat");
        Path realTarget = volume.directory().resolve("sub").resolve("t.dat");
        Watch watch = volume.watch(seen::add);
        try {
            byte value = 1;
            for (String via : List.of("in/t.dat", "inFile", "inAbs", "sub/self")) {
                seen.clear();
                forced.clear();
                Files.write(volume.path(via), new byte[] {value});
                try (FileChannel ch = FileChannel.open(volume.path(via), WRITE)) {
                    ch.write(bytes(1, value), 1);
                }
                assertEquals(2, seen.stream().filter(m -> m.kind() == Modification.Kind.WRITE).count(),
                        () -> via + ": " + seen);
                for (Modification m : seen) {
                    assertEquals(target, m.path(), () -> via + ": announced under another name: " + m);
                }
                volume.syncFs();
                assertTrue(forced.contains(realTarget), () -> via + ": the target was not forced: " + forced);
                assertArrayEquals(new byte[] {value, value}, Files.readAllBytes(realTarget), via);
                assertArrayEquals(new byte[] {value, value}, Files.readAllBytes(volume.path(via)), via);
                value++;
            }
        } finally {
            watch.close();
        }
        Files.createDirectory(volume.path("in", "deeper"));
        assertTrue(Files.isDirectory(volume.directory().resolve("sub/deeper")));
        volume.truncate(volume.path("inFile"), 0);
        assertEquals(0, Files.size(realTarget));
    }

    /** The same resolution on Jimfs: a link to outside is refused naming the root, one inside works. */
    @Test
    void onJimfsALinkToOutsideIsRefusedAndOneInsideWorks() throws Exception {
        try (FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix())) {
            Path root = Files.createDirectories(jimfs.getPath("/vol"));
            Path out = Files.createDirectories(jimfs.getPath("/out"));
            try (Volume v = Volume.open(root)) {
                Files.createDirectory(v.path("sub"));
                Files.createSymbolicLink(v.path("out"), v.fileSystem().getPath(out.toString()));
                Files.createSymbolicLink(v.path("up"), v.fileSystem().getPath("../out"));
                Files.createSymbolicLink(v.path("in"), v.fileSystem().getPath("sub"));
                for (String via : List.of("out", "up")) {
                    FileSystemException e = assertThrows(FileSystemException.class,
                            () -> Files.write(v.path(via, "x"), new byte[] {1}), via);
                    assertTrue(e.getReason().contains("outside the volume root " + v.directory()), e::toString);
                }
                List<Modification> seen = new CopyOnWriteArrayList<>();
                Watch watch = v.watch(seen::add);
                try {
                    Files.write(v.path("in", "y"), new byte[] {2});
                } finally {
                    watch.close();
                }
                assertTrue(seen.stream().anyMatch(m -> m.kind() == Modification.Kind.WRITE
                        && m.path().equals(v.path("sub", "y"))), seen::toString);
                assertArrayEquals(new byte[] {2}, Files.readAllBytes(root.resolve("sub/y")));
            }
            try (Stream<Path> left = Files.list(out)) {
                assertEquals(0, left.count(), "written outside the Jimfs root");
            }
        }
    }
}
