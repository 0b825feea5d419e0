package dev.quiesce.nio;

import dev.quiesce.LockClass;
import dev.quiesce.RwSemaphore;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One file of a volume while something uses it: its permit (the RFC's per-inode rwsem, held shared
 * by writes until they complete and exclusive by truncation) and its current plain path. Keyed by
 * the file system's file key (device and inode on Unix), so every path that names the file shares it.
 * Reference-counted by {@link Volume}'s node table: open channels and running truncations.
 */
final class FileNode {

    /** One lock class for every file's permit: a million files are one node of the validator's graph. */
    static final LockClass FILE_CLASS = LockClass.named("quiesce-nio file");

    final Object key;
    final RwSemaphore permit;
    /** The plain absolute path it was last opened by; for messages. */
    volatile Path path;
    /**
     * Every plain path the volume has seen name this file (hard links, moves through the volume
     * rewrite them): syncFs() forces it through the first that still names it.
     */
    final Set<Path> names = ConcurrentHashMap.newKeySet();
    /** Guarded by the node table's per-key lock ({@code ConcurrentHashMap.compute}). */
    int refs;
    /**
     * Set before this node is put into the dirty table, cleared after it is taken out: while set,
     * a write's END need not look it up there (see {@link FileTable#markDirty}).
     */
    volatile boolean marked;

    FileNode(Object key, Path path) {
        this.key = key;
        this.path = path;
        this.names.add(path);
        this.permit = RwSemaphore.builder().name("file " + path.getFileName()).lockClass(FILE_CLASS).build();
    }
}
