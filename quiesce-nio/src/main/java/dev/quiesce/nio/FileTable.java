package dev.quiesce.nio;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The files of a {@link Volume}: the nodes of files in use (the kernel's inode table), the marks of
 * files and directories written since the last sync, forcing them ({@code sync_filesystem}), and the
 * channels opened through the volume. It knows nothing of sections, permits or listeners: the write
 * protocol calls it, never the reverse.
 */
final class FileTable {

    /*
     * Implementation notes.
     *
     *   nodes    file key -> FileNode, reference-counted: open writable channels and running
     *            truncations. Keyed by the file system's file key (device and inode on Unix), so
     *            every name of a file shares one node and one permit.
     *   dirty    file key -> FileNode (with every name seen), marked at a write's END, inside its
     *            section; forceDirty() forces each through a name that still names it (checked by
     *            file key), so a file deleted or replaced since is skipped.
     *   dirtyDirectories  parents of created, deleted, moved and copied entries.
     *
     * Memory ordering of the marks: a mark is made inside the write's section; everything a section
     * did happens-before the end of a grace period that waited for it, so a syncFs() that waited for
     * a write sees its mark. forceMarked() removes a mark before forcing its file: a mark made after
     * the removal stays for the next syncFs(), and a mark that is removed was made after its data was
     * written.
     *
     * Marks: a node's volatile flag 'marked' spares a write's END the table lookup. markDirty()
     * sets it before putting the node; forceMarked() clears it after removing the node and before
     * forcing. A write that reads it set skips the put: its data landed before that read, and the
     * read precedes the clear in the total order of volatile accesses, so the force that follows
     * the clear (or a later one, if no forcer has taken the node yet) covers it — the argument the
     * table lookup had. A flag cleared while the node is in the table (a put that raced with the
     * removal) costs only a redundant put. What must not last is a flag set with no node of its
     * key in the table: it lasts only from the removal to the clear, or from the set to the put —
     * and a put that replaces another node of the same key (a file closed and reopened while a
     * write through the old channel was still before its END: two nodes, one key) clears the
     * flag of the node it replaced, which would otherwise stay set while later writes through it
     * skipped the table. (Found in review; regression: VolumeQuietPathTest.) One forcer at a time (forceLock): a second syncFs() that finds no mark must not return
     * before the first one's force of that file is done.
     */

    private final ConcurrentHashMap<Object, FileNode> nodes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Object, FileNode> dirty = new ConcurrentHashMap<>();
    private final Set<Path> dirtyDirectories = ConcurrentHashMap.newKeySet();
    private final Set<Closeable> channels = ConcurrentHashMap.newKeySet();
    private final ReentrantLock forceLock = new ReentrantLock();

    /** Tests observe which plain paths were forced. */
    volatile Consumer<Path> forceObserver;

    // ------------------------------------------------------------------------------------------
    // File nodes and channels
    // ------------------------------------------------------------------------------------------

    /** The file system's key of a file (device and inode on Unix), or its path if it has none. */
    private static Object fileKey(Path real) throws IOException {
        Object key = Files.readAttributes(real, BasicFileAttributes.class).fileKey();
        return key != null ? key : real;
    }

    /**
     * The node of an existing file, its reference count raised.
     *
     * @throws NoSuchFileException if the file does not exist
     */
    FileNode acquireNode(Path real) throws IOException {
        return acquire(fileKey(real), real);
    }

    /**
     * The node of a file a channel has just been opened on. A file system that makes a new file
     * exist only when its channel is closed (the zip file system) has no key for it yet: its path
     * is the key.
     */
    FileNode acquireOpenedNode(Path real) throws IOException {
        Object key;
        try {
            key = fileKey(real);
        } catch (NoSuchFileException notYetWritten) {
            key = real;
        }
        return acquire(key, real);
    }

    private FileNode acquire(Object key, Path real) {
        return nodes.compute(key, (k, n) -> {
            FileNode node = n;
            if (node == null) {
                node = new FileNode(k, real);
                FileNode unsynced = dirty.get(k);      // keep the names an unsynced mark knows
                if (unsynced != null) {
                    node.names.addAll(unsynced.names);
                }
            }
            node.refs++;
            node.path = real;
            node.names.add(real);
            return node;
        });
    }

    void releaseNode(FileNode node) {
        nodes.computeIfPresent(node.key, (k, n) -> {
            if (n != node) {
                throw new AssertionError("file node of " + node.path + " replaced while referenced");
            }
            return --n.refs == 0 ? null : n;
        });
    }

    void channelOpened(Closeable channel) {
        channels.add(channel);
    }

    /** A channel closed: forgets it and releases its node (null for a read-only channel). */
    void channelClosed(Closeable channel, FileNode node) {
        if (channels.remove(channel) && node != null) {
            releaseNode(node);
        }
    }

    /**
     * Closes every channel still open, adding failures to {@code failure}.
     *
     * @return the first failure, with later ones suppressed, or null
     */
    IOException closeChannels(IOException failure) {
        for (Closeable c : new ArrayList<>(channels)) {
            try {
                c.close();
            } catch (IOException e) {
                failure = addFailure(failure, e);
            }
        }
        return failure;
    }

    int openChannels() {
        return channels.size();
    }

    // ------------------------------------------------------------------------------------------
    // Marks
    // ------------------------------------------------------------------------------------------

    /**
     * Marks a file for the next sync, on every write's END: a read of the node's flag first, so a
     * file written again and again is neither looked up nor re-put each time (see "Marks" in the
     * notes).
     */
    void markDirty(FileNode node) {
        if (!node.marked) {
            node.marked = true;
            FileNode replaced = dirty.put(node.key, node);
            if (replaced != null && replaced != node) {
                replaced.marked = false;               // no longer in the table: see "Marks"
            }
        }
    }

    int dirtyFiles() {
        return dirty.size();
    }

    /** Marks the directory holding {@code real}: its entries changed. */
    void dirtyParent(Path real) {
        Path parent = real.getParent();
        if (parent != null) {
            dirtyDirectories.add(parent);
        }
    }

    /** A copy made {@code realTarget}: marks the new file for the next sync. */
    void copied(Path realTarget) throws IOException {
        // The copy's own key: a link copied with NOFOLLOW_LINKS may dangle (fileKey follows links).
        BasicFileAttributes copy = Files.readAttributes(realTarget, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        Object key = copy.fileKey() != null ? copy.fileKey() : realTarget;
        dirty.compute(key, (k, n) -> {
            FileNode node = n != null ? n : nodes.getOrDefault(k, new FileNode(k, realTarget));
            node.names.add(realTarget);
            return node;
        });
    }

    /** Keeps the names of open files, unsynced files and dirty directories true after a move. */
    void moved(Path from, Path to) {
        for (Map<Object, FileNode> table : List.of(nodes, dirty)) {
            for (FileNode n : table.values()) {
                for (Path p : n.names) {
                    if (p.startsWith(from)) {
                        n.names.add(to.resolve(from.relativize(p)));
                        n.names.remove(p);
                    }
                }
                Path p = n.path;
                if (p.startsWith(from)) {
                    n.path = to.resolve(from.relativize(p));
                }
            }
        }
        for (Path dir : dirtyDirectories) {
            if (dir.startsWith(from) && dirtyDirectories.remove(dir)) {
                dirtyDirectories.add(to.resolve(from.relativize(dir)));
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Forcing
    // ------------------------------------------------------------------------------------------

    /**
     * Forces every marked file and directory. A mark is removed before its file is forced and put
     * back if forcing fails (see the notes).
     *
     * @throws IOException the first failure, later ones suppressed
     */
    void forceDirty() throws IOException {
        forceLock.lock();
        try {
            forceMarked();
        } finally {
            forceLock.unlock();
        }
    }

    private void forceMarked() throws IOException {
        // Over copies of the keys: a mark put back after a failed force must wait for the next
        // sync. A live iterator may meet it again (ConcurrentHashMap's iterators may see later
        // insertions), and then force it again and again while the device fails.
        IOException failure = null;
        for (Object key : new ArrayList<>(dirty.keySet())) {
            FileNode node = dirty.remove(key);
            if (node == null) {
                continue;
            }
            node.marked = false;                       // after the removal, before the force
            try {
                forceFile(node);
            } catch (IOException e) {
                if (dirty.putIfAbsent(key, node) == null) {
                    node.marked = true;                // a flag set only with the node in the table
                }
                failure = addFailure(failure, e);
            }
        }
        for (Path dir : new ArrayList<>(dirtyDirectories)) {
            if (!dirtyDirectories.remove(dir)) {
                continue;
            }
            try {
                forceDirectory(dir);
            } catch (IOException e) {
                dirtyDirectories.add(dir);
                failure = addFailure(failure, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static IOException addFailure(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /**
     * Forces a file through the first of its names that still names it (same file key): a name may
     * have been deleted or reused since. A file none of whose names is left was deleted: skipped.
     */
    private void forceFile(FileNode node) throws IOException {
        for (Path name : node.names) {
            Object key;
            try {
                key = fileKey(name);
            } catch (NoSuchFileException gone) {
                continue;
            }
            if (key.equals(node.key)) {
                force(name);
                return;
            }
        }
    }

    /** fsync through a fresh descriptor: any descriptor of the file flushes its data. */
    private void force(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (NoSuchFileException gone) {
            return;     // deleted, or moved by something else than the volume: nothing to force here
        }
        observeForced(p);
    }

    /**
     * fsync of a directory, so that its new, removed and renamed entries last. A file system that
     * cannot open a directory as a channel (Jimfs; Windows' file system) has no such sync: its entries
     * are as durable as it makes them, and the directory is skipped. A force that fails is a failure.
     */
    private void forceDirectory(Path dir) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (NoSuchFileException gone) {
            return;
        } catch (IOException | UnsupportedOperationException cannotOpen) {
            if (Files.isDirectory(dir)) {
                return;         // no directory sync on this file system (see above)
            }
            throw cannotOpen;
        }
        try (ch) {
            ch.force(true);
        }
        observeForced(dir);
    }

    private void observeForced(Path p) {
        Consumer<Path> observer = forceObserver;
        if (observer != null) {
            observer.accept(p);
        }
    }
}
