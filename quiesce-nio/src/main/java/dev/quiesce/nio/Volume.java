package dev.quiesce.nio;

import dev.quiesce.Permit;
import dev.quiesce.Report;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import dev.quiesce.validate.Validator;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A directory whose modifications are tracked from start to end — what a superblock is to a Linux
 * file system that waits for its writes in flight. Writes through a volume may end on another thread (the completion thread of an
 * {@link AsynchronousFileChannel}); {@link #syncFs()} waits for every write already in flight
 * (one that starts meanwhile may be waited for too) without blocking new ones, {@link #freeze()} blocks new writes and drains old ones,
 * {@link #watch} registers a listener that no later modification escapes, and {@link #truncate}
 * waits for the file's in-flight async writes.
 *
 * <h2>How code writes through a volume</h2>
 * A volume has its own {@link FileSystem} ({@link #fileSystem()}); its paths ({@link #path},
 * {@link #root()}) are ordinary {@link Path}s, so existing code is tracked unchanged:
 * <pre>{@code
 * try (Volume volume = Volume.open(Path.of("/data/journal"))) {
 *     Path log = volume.path("segment-0001.log");
 *     Files.write(log, header);                                  // tracked
 *     try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(log, WRITE)) {
 *         ch.write(record, position, null, handler);              // START here, END on the completion thread
 *     }
 *     volume.syncFs();                                           // waits for the writes in flight, forces them
 * }
 * }</pre>
 * {@code FileChannel.open}, {@code AsynchronousFileChannel.open}, {@code Files.write},
 * {@code Files.newOutputStream}, {@code Files.newByteChannel}, {@code Files.copy/move/delete} and
 * {@code Files.createDirectory} on a volume path all go through it. A relative path of the volume's
 * file system is relative to the root. A path outside the root is refused with a
 * {@link java.nio.file.FileSystemException} naming the root, decided as Linux's {@code openat2(2)}
 * with {@code RESOLVE_BENEATH} decides it: lexically, then through every symbolic link below the
 * root. A link that leaves the root (an absolute target elsewhere, or a relative one that climbs
 * out, even if it comes back) is refused whether it is used as a directory or as the file — for
 * writes, opens (reading too), creations, deletions, moves, copies, truncation and attribute
 * changes; the link itself may still be read ({@code NOFOLLOW_LINKS}), moved and deleted. A link
 * that stays inside works, and a write through it is announced and forced as the file it reaches.
 * Not closed: a directory name replaced by a link between the check and the operation (an open's
 * last name is opened with {@code NOFOLLOW_LINKS}, so a link put there meanwhile fails the open).
 * Each operation on a path pays one {@code lstat} per name below the root; reads and writes on an
 * open channel pay nothing.
 *
 * <h2>The write protocol</h2>
 * Every modification goes: begin a section of the volume's {@link Srcu} → announce it to the
 * listeners (with the section held and freeze protection <em>not</em> held, checked by
 * {@link Validator#assertHeld(Srcu)} and {@link Validator#assertNotHeld(RwSemaphore)} when
 * validation is on) → take freeze protection (a shared permit of the volume's {@link RwSemaphore})
 * and, for a data change, the file's permit (shared for a write, exclusive for a truncation) →
 * modify → END, releasing in reverse. For an async write END runs on the completion thread,
 * strictly before the caller's {@code CompletionHandler} runs or its {@code Future} completes, and
 * never blocks that thread.
 *
 * <p>A write through a channel with no listener registered, validation off and nothing to wait
 * for takes a quiet form of the same protocol: the section and the file's permit as
 * allocation-free tokens, and instead of a freeze-protection permit a check, inside the section,
 * of a flag that {@link #freeze()} raises before it waits for a grace period of the write domain.
 * So a freeze drains such writes as it drains the others, and such a write allocates nothing and
 * adds to the plain write two atomic instructions and their releases (measured in
 * {@code docs/measurements.md}).
 *
 * <p>A modification never waits while holding its section. When freeze protection or the file's
 * permit is not free (the volume is frozen, or the file is being truncated), it ends its section,
 * waits — a blocking write parks; an async write parks nothing: it is issued later from the volume's
 * executor, and its {@code write} call returns at once — and starts again. A listener registered
 * meanwhile is told on the new start; one already told is not told again, so each listener sees
 * each modification at most once, and exactly once if the modification began after its
 * {@code watch} returned.
 *
 * <p>A listener may write to the volume, or to another volume. If its write must wait (that
 * volume is frozen), the writes whose listener it is — of any volume — end their sections while it
 * waits and start over when the listener returns, so {@code syncFs()}, {@code watch} and
 * {@code freeze()} never wait for a thaw, not even for a listener's write.
 *
 * <h2>Memory mapping</h2>
 * {@link FileChannel#map} on a channel opened through a volume maps the file in {@code READ_ONLY} or
 * {@code PRIVATE} (copy-on-write: the file never changes) mode. Any other mode ({@code READ_WRITE},
 * and the JDK's extended modes) could write the file behind the volume's back, so it is refused with
 * a {@link java.nio.file.FileSystemException} that names the volume, the file and the opt-in,
 * unless the volume was built with {@link Builder#allowWritableMappings(boolean)
 * allowWritableMappings(true)}; writes through such a mapping are not tracked. (Earlier 0.1.0
 * snapshots passed every mode through to the plain channel.) A channel opened without {@code WRITE} refuses a writable mapping as
 * before, with {@link NonWritableChannelException}.
 *
 * <p>On JDK 22 and newer the channel also maps with an {@code Arena}
 * ({@code map(MapMode, long, long, Arena)}, the overload Lucene's {@code MMapDirectory} uses on
 * JDK 21 and newer), under the same rules: the jar is a multi-release jar whose
 * {@code META-INF/versions/22} holds the classes that do it. <b>JDK 21</b> does not use them (they
 * are class files of version 66; the overload was a preview API in JDK 21, which code compiled
 * without {@code --enable-preview} cannot name), so on JDK 21 the {@code Arena} overload of a volume's channel throws
 * {@code FileChannel}'s default {@link UnsupportedOperationException}, and Lucene's
 * {@code FSDirectory.open} on a volume path fails as soon as Lucene opens a file of the index for
 * reading (an {@code IndexWriter} does so on its first commit). On JDK 21
 * either run with {@code -Dorg.apache.lucene.store.MMapDirectory.enableMemorySegments=false}
 * (Lucene 9.x then maps with the 3-argument {@code map}, which works) or open the index with
 * {@code new NIOFSDirectory(path)} instead of {@code FSDirectory.open(path)}. JDK 17 and JDK 22+
 * need neither.
 *
 * <h2>What bypasses the volume</h2>
 * Writes through a writable mapping (allowed only by {@link Builder#allowWritableMappings(boolean)}),
 * {@link java.io.File} and {@code java.io} ({@code FileInputStream}, {@code FileOutputStream},
 * {@code RandomAccessFile} and their {@code getChannel()}), paths of any other file system (including
 * the plain paths of the same directory, and paths that reach it by another name: a symbolic link,
 * a bind mount, a hard link from outside), native code, other processes, and attribute changes
 * (times, permissions, owners) are not tracked:
 * {@code syncFs()} does not wait for them, {@code freeze()} does not block them, listeners do not
 * see them. Copies, moves, deletes and creations are announced and blocked by a freeze, but they do
 * not wait for a file's in-flight async writes (neither does {@code unlink} in the kernel).
 *
 * <p>A program that cannot be changed to use {@link #path} gets its NIO writes under chosen
 * directories tracked by {@link TrackingFileSystemProvider}, installed as the JVM's default provider;
 * each such volume is also a {@link VolumeMXBean} for an operator.
 *
 * <h2>Any file system under a volume</h2>
 * The root may be a directory of any {@link java.nio.file.spi.FileSystemProvider}: the default
 * one, an in-memory one such as Jimfs for tests, a user's own (one that injects faults, say). The
 * volume's paths then have that file system's syntax, and every operation goes to its provider:
 * what it does not support is refused as it refuses it (the zip file system, for example, has no
 * {@link AsynchronousFileChannel}, and Jimfs maps no file), and durability is whatever it gives —
 * {@link #syncFs()} calls {@code force} on its channels (Jimfs's does nothing), and a directory that
 * the file system cannot open as a channel (Jimfs; Windows) is not synced. A file system that makes
 * a new file exist only when its channel is closed (the zip file system) is tracked by the path
 * until then. A path of a volume cannot be the root of another volume.
 *
 * <h2>When a write or a force fails</h2>
 * A write that fails (ENOSPC, EIO, any {@code IOException}) ends as one that succeeds: its section
 * ends and its permits are released before the caller sees the failure (for an async write, before
 * {@code failed} runs or its {@code Future} completes), so {@code syncFs()}, {@code freeze()} and
 * {@code truncate} never wait for it. Its file stays marked, since part of it may have been written,
 * and the next {@code syncFs()} forces it. The failure is thrown (or passed to {@code failed}) once
 * and is not sent to the report handler. A failing force makes {@code syncFs()}, {@code freeze()}
 * (which then leaves the volume not frozen) and {@code close()} (which still closes everything)
 * throw the first failure, the others suppressed, and keeps the marks for the next
 * {@code syncFs()}. As with {@code fsync} on Linux, a later force may succeed although the device
 * lost data: treat a failed {@code syncFs()} as the signal.
 *
 * <h2>Thread safety</h2>
 * Every method may be called from any thread. {@code syncFs()}, {@code watch}, {@code freeze()}
 * and {@code close()} wait for writes in flight, so calling them from a listener of the same volume
 * (which runs inside a write) is refused with {@link IllegalStateException}.
 *
 * <p>Once {@code close()} has begun, every operation through the volume or its paths is refused
 * with {@link ClosedFileSystemException} (an operation on an open channel: with
 * {@link ClosedChannelException}); the exception's message names the volume, its root and what was
 * refused.
 *
 * @since 0.1.0
 */
public final class Volume implements Closeable {

    /*
     * Implementation notes.
     *
     * A volume is the superblock of the seed (a thread on linux-fsdevel) and keeps the public API.
     * What it does is split along the kernel's own seams, calls pointing one way:
     *
     *   channels (TrackedFileChannel, TrackedAsyncFileChannel, VolumeProvider)
     *     -> WriteProtocol  sb_start_write with the fsnotify pre-modify hook: the write domain
     *                       (Srcu), the announcement to listeners, freeze protection, the file's
     *                       permit; one try-enter step for blocking and async writes (its notes)
     *     -> FileTable      the inode table and sync_filesystem: file nodes by file key, dirty
     *                       marks, forcing, the channels opened through the volume (its notes)
     *
     * Volume keeps the freeze state machine (freeze_super/thaw_super: nesting, one freezer draining
     * at a time, a thaw from any thread), the open path (create, TRUNCATE_EXISTING) and the calls on
     * paths (truncate, tryWrite).
     *
     * Memory ordering: see WriteProtocol (closed, listeners) and FileTable (dirty marks). syncFs(),
     * watch() and close() wait for a grace period of the write domain after the write their argument
     * depends on (none, the listener array, the closed flag).
     */

    private final Path root;
    private final String name;
    private final VolumeFileSystem fs;
    private final FileTable files = new FileTable();
    private final WriteProtocol protocol;

    private final ReentrantLock freezeLock = new ReentrantLock();
    private final Condition freezeChanged = freezeLock.newCondition();
    private int freezeDepth;                          // guarded by freezeLock
    private boolean freezing;                         // guarded by freezeLock
    private Permit frozen;                            // guarded by freezeLock
    private long freezes;                             // guarded by freezeLock

    /** syncFs() figures, written under syncFigures' lock (a sync takes milliseconds; this costs nothing). */
    private final Object syncFigures = new Object();
    private long syncs;                               // guarded by syncFigures
    private long lastSyncNanos;                       // guarded by syncFigures
    private long longestSyncNanos;                    // guarded by syncFigures
    private long totalSyncNanos;                      // guarded by syncFigures

    private Volume(Path root, Builder b) {
        this.root = root;
        this.name = b.name != null ? b.name : root.toString();
        this.fs = new VolumeFileSystem(this, root.getFileSystem());
        this.protocol = new WriteProtocol(name, root, files, b.executor, b.reportHandler, b.writableMappings);
    }

    /**
     * Opens a volume over an existing directory with the default settings.
     *
     * @param root a directory of any file system (see "Any file system under a volume")
     * @return the volume
     * @throws NoSuchFileException   if {@code root} does not exist
     * @throws NotDirectoryException if it is not a directory
     * @throws IllegalArgumentException if it is a path of a volume (open the volume over that
     *                               volume's {@link #directory()} instead)
     * @throws IOException           if its real path cannot be read
     */
    public static Volume open(Path root) throws IOException {
        return builder(root).open();
    }

    /**
     * Returns a builder for a volume over {@code root}.
     *
     * @param root a directory of any file system
     * @return a builder
     * @throws NullPointerException if {@code root} is null
     */
    public static Builder builder(Path root) {
        return new Builder(Objects.requireNonNull(root, "root"));
    }

    /**
     * Returns the volume's name: the one given to its builder, else its root path. A label for
     * reports, thread dumps and meters, not a key: two volumes may have the same name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the volume's root directory as a path of its file system.
     *
     * @return the root (absolute, real)
     */
    public Path root() {
        return fs.wrapReal(root);
    }

    /**
     * Returns the volume's directory as a plain path of the file system under the volume — for reading, for
     * example to copy a snapshot while the volume is frozen. Writes through plain paths bypass the
     * volume: nothing tracks, blocks or announces them.
     *
     * @return the real path of the root directory
     */
    public Path directory() {
        return root;
    }

    /**
     * Returns a path of the volume, relative to its root.
     *
     * @param first the first name
     * @param more  further names
     * @return the absolute volume path {@code root/first/more...}
     * @throws IllegalArgumentException if the result lies outside the root
     */
    public Path path(String first, String... more) {
        Path p = root.resolve(root.getFileSystem().getPath(first, more)).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException(p + " is outside the volume root " + root);
        }
        return fs.wrapReal(p);
    }

    /**
     * Returns the volume's file system: {@code getPath} there makes volume paths (relative ones are
     * relative to the root), and every {@code Files} call on them goes through the volume.
     *
     * @return the file system
     */
    public FileSystem fileSystem() {
        return fs;
    }

    /**
     * Returns whether the volume is open.
     *
     * @return {@code false} once {@link #close()} began
     */
    public boolean isOpen() {
        return !protocol.isClosed();
    }

    // ------------------------------------------------------------------------------------------
    // syncFs, freeze, watch, truncate
    // ------------------------------------------------------------------------------------------

    /**
     * Waits for every modification that started before this call to end (a later one may be waited
     * for too, but no stream of later ones holds it up for ever), then forces to storage every file
     * written since the last {@code syncFs()} — open or closed — and the directories whose entries
     * changed. Modifications that begin meanwhile are not held up.
     *
     * <p>A file that was deleted, or moved away by something other than this volume, is skipped.
     * A file that could not be forced stays marked, so the next {@code syncFs()} tries it again.
     *
     * @throws IOException           if forcing failed (the first failure; others are suppressed)
     * @throws InterruptedException  if interrupted while waiting; nothing was forced by this call
     * @throws ClosedFileSystemException if the volume is closed
     * @throws IllegalStateException if called from a {@link ModificationListener}
     */
    public void syncFs() throws IOException, InterruptedException {
        ensureOpen("syncFs()", null);
        protocol.refuseInListener("syncFs()");
        long start = System.nanoTime();
        protocol.awaitWritesInFlight();
        files.forceDirty();
        long took = System.nanoTime() - start;
        synchronized (syncFigures) {
            syncs++;
            lastSyncNanos = took;
            longestSyncNanos = Math.max(longestSyncNanos, took);
            totalSyncNanos += took;
        }
    }

    /**
     * Freezes the volume: it blocks new modifications (a blocking one waits, {@link #tryWrite}
     * returns {@code false}, an async write is held and issued on thaw), waits for the
     * modifications in flight to end, then forces the written files as {@link #syncFs()} does.
     * From the moment this method is called, a modification that announces itself to listeners
     * or uses {@code tryWrite} no longer proceeds; one that has nothing to announce may still
     * start until the freeze has taken freeze protection (which waits for a truncation in
     * progress), and is then drained with the rest. Listeners are still told of writes that wait:
     * a listener may write.
     *
     * <p>Freezes nest: a freeze of a frozen volume returns at once and needs one more
     * {@link #thaw()}; a freeze while another thread is freezing waits for that freeze to finish and
     * then nests. The thaw may come from any thread.
     *
     * <p>A thread that writes to a volume it froze waits for its own thaw, as in the kernel.
     *
     * @throws InterruptedException  if interrupted while draining; the volume is then not frozen by
     *                               this call and blocked writes go on
     * @throws IOException           if forcing failed; the volume is then not frozen by this call
     * @throws ClosedFileSystemException if the volume is closed
     * @throws IllegalStateException  if called from a listener of this volume (it would wait for
     *                                the write that called the listener)
     */
    public void freeze() throws IOException, InterruptedException {
        protocol.refuseInListener("freeze()");
        freezeLock.lockInterruptibly();
        try {
            for (;;) {
                ensureOpen("freeze()", null);
                if (freezeDepth > 0) {
                    freezeDepth++;
                    return;
                }
                if (!freezing) {
                    break;
                }
                freezeChanged.await();
            }
            freezing = true;
        } finally {
            freezeLock.unlock();
        }
        Permit exclusive = null;
        boolean done = false;
        try {
            exclusive = protocol.blockWrites();
            files.forceDirty();
            done = true;
        } finally {
            freezeLock.lock();
            try {
                freezing = false;
                if (done) {
                    freezeDepth = 1;
                    freezes++;
                    // Frozen belongs to no thread (thaw may come from any), as the kernel's
                    // lockdep_sb_freeze_release(): the validator no longer counts it as this thread's.
                    frozen = exclusive.detach();
                }
                freezeChanged.signalAll();
            } finally {
                freezeLock.unlock();
            }
            if (!done && exclusive != null) {
                protocol.unblockWrites(exclusive);
            }
        }
    }

    /**
     * Undoes one {@link #freeze()}; the last one lets blocked modifications go on. May be called
     * from any thread.
     *
     * @throws IllegalStateException if the volume is not frozen (nothing changes)
     */
    public void thaw() {
        Permit release = null;
        freezeLock.lock();
        try {
            if (freezeDepth == 0) {
                throw new IllegalStateException("volume " + name + " is not frozen"
                        + (freezing ? " (a freeze is still draining)" : ""));
            }
            if (--freezeDepth == 0) {
                release = frozen;
                frozen = null;
            }
            freezeChanged.signalAll();
        } finally {
            freezeLock.unlock();
        }
        if (release != null) {
            protocol.unblockWrites(release);
        }
    }

    /**
     * Returns the volume's figures since it was opened: modifications started, ended and in flight,
     * waits for a thaw or a truncation, freezes, {@code syncFs()} calls and their times, files
     * waiting for a sync, open channels and watchers. Cheap enough to poll every second; not one
     * consistent snapshot while writes go on (see {@link VolumeStats}).
     *
     * @return the figures; works on a closed volume too
     */
    public VolumeStats stats() {
        // The write domain sums ends before begins: ended <= started, in flight >= 0.
        Srcu.Stats sections = protocol.sections();
        long ended = sections.sectionsEnded();
        long started = sections.sectionsBegun();
        long waits = protocol.waited();
        long freezeCount;
        boolean isFrozen;
        freezeLock.lock();
        try {
            freezeCount = freezes;
            isFrozen = freezeDepth > 0;
        } finally {
            freezeLock.unlock();
        }
        synchronized (syncFigures) {
            return new VolumeStats(started, ended, waits, freezeCount, isFrozen, syncs, Duration.ofNanos(lastSyncNanos),
                    Duration.ofNanos(longestSyncNanos), Duration.ofNanos(totalSyncNanos), files.dirtyFiles(),
                    files.openChannels(), protocol.watchers(), protocol.listenerFailures());
        }
    }

    /**
     * Returns whether the volume is frozen.
     *
     * @return {@code true} between a completed {@link #freeze()} and the matching {@link #thaw()}
     */
    public boolean isFrozen() {
        freezeLock.lock();
        try {
            return freezeDepth > 0;
        } finally {
            freezeLock.unlock();
        }
    }

    /**
     * Registers a listener for pre-modify events and returns once every modification that could
     * have missed it has ended: after this method returns, no modification of the volume happens
     * without the listener being told first. Modifications already in flight may or may not be told.
     *
     * @param listener the listener
     * @return the registration; closing it stops delivery
     * @throws InterruptedException  if interrupted while waiting; the listener is then not registered
     * @throws NullPointerException  if {@code listener} is null
     * @throws ClosedFileSystemException if the volume is closed
     * @throws IllegalStateException if called from a {@link ModificationListener}
     */
    public Watch watch(ModificationListener listener) throws InterruptedException {
        Objects.requireNonNull(listener, "listener");
        ensureOpen("watch()", null);
        protocol.refuseInListener("watch()");
        Watch r = protocol.addListener(listener);      // published before the grace period
        try {
            protocol.awaitWritesInFlight();
        } catch (InterruptedException e) {
            r.close();
            throw e;
        }
        return r;
    }

    /**
     * Sets the size of a file of the volume, as {@link RandomAccessFile#setLength} does (it may grow
     * or shrink), after every async write to that file already in flight has ended. Writes to the
     * file that begin meanwhile wait for it. Announced as {@link Modification.Kind#TRUNCATE}.
     *
     * @param file a file of the volume
     * @param size the new size
     * @throws IllegalArgumentException if {@code size} is negative (nothing changes)
     * @throws NoSuchFileException      if the file does not exist
     * @throws InterruptedIOException   if interrupted while waiting (the size is unchanged)
     * @throws IOException              if the file cannot be resized
     * @throws ClosedFileSystemException if the volume is closed
     */
    public void truncate(Path file, long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        Path real = fs.real(file);
        ensureOpen("truncate", file);
        FileNode node = files.acquireNode(real);
        try {
            Pass pass = protocol.begin(new Modification(Modification.Kind.TRUNCATE, fs.wrapReal(real), size, 0, null),
                    node, true, null);
            try {
                setLength(real, size);
            } finally {
                pass.end();
            }
        } finally {
            files.releaseNode(node);
        }
    }

    /**
     * Writes all of {@code src} to an existing file of the volume at {@code position}, or nothing if
     * the volume is frozen or freezing, or the file is being truncated: the {@code try} form of a
     * write, which never waits for a thaw. Listeners are told before the attempt, whether or not it
     * proceeds.
     *
     * @param file     an existing file of the volume
     * @param src      the bytes; on success its position reaches its limit, otherwise it is unchanged
     * @param position the file position
     * @return {@code true} if everything was written, {@code false} if nothing was
     * @throws IllegalArgumentException if {@code position} is negative
     * @throws NoSuchFileException      if the file does not exist
     * @throws IOException              if the write fails (part may have been written)
     * @throws ClosedFileSystemException if the volume is closed
     */
    public boolean tryWrite(Path file, ByteBuffer src, long position) throws IOException {
        Objects.requireNonNull(src, "src");
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        Path real = fs.real(file);
        ensureOpen("tryWrite", file);
        FileNode node = files.acquireNode(real);
        try {
            Pass pass = protocol.begin(new Modification(Modification.Kind.WRITE, fs.wrapReal(real), position,
                    src.remaining(), null), node, false, null);
            if (pass == null) {
                return false;
            }
            try (FileChannel ch = FileChannel.open(real, StandardOpenOption.WRITE)) {
                long at = position;
                while (src.hasRemaining()) {
                    at += ch.write(src, at);
                }
                return true;
            } finally {
                pass.end();
            }
        } finally {
            files.releaseNode(node);
        }
    }

    // ------------------------------------------------------------------------------------------
    // close
    // ------------------------------------------------------------------------------------------

    /**
     * Closes the volume: new modifications and opens are refused from now on; waits (without a time
     * limit, uninterruptibly) for every modification in flight to end; forces what was written as
     * {@link #syncFs()} does; closes the channels opened through the volume and the watches. A second
     * call waits as the first does and then returns.
     *
     * @throws IllegalStateException if the volume is frozen or freezing (thaw it first; nothing
     *                               changes), or if called from a {@link ModificationListener}
     * @throws IOException           if forcing or closing a channel failed (everything was still closed)
     */
    @Override
    public void close() throws IOException {
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    close(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Closes the volume as {@link #close()} does, waiting at most the given time for modifications in
     * flight. If they have not ended in time, returns {@code false}: the volume stays closed to new
     * modifications and opens, and a later {@code close} finishes the job.
     *
     * @param timeout how long to wait; zero or less means do not wait
     * @param unit    the unit of {@code timeout}
     * @return {@code true} if the volume is closed, {@code false} if writes were still in flight
     * @throws InterruptedException  if interrupted while waiting (the volume stays closed to new writes)
     * @throws IllegalStateException if the volume is frozen or freezing (nothing changes), or if
     *                               called from a {@link ModificationListener}
     * @throws IOException           if forcing or closing a channel failed (everything was still closed)
     */
    public boolean close(long timeout, TimeUnit unit) throws IOException, InterruptedException {
        Objects.requireNonNull(unit, "unit");
        protocol.refuseInListener("close()");
        freezeLock.lock();
        try {
            if (freezeDepth > 0 || freezing) {
                throw new IllegalStateException("volume " + name + " is " + (freezing ? "freezing" : "frozen")
                        + ": thaw it before closing");
            }
            protocol.markClosed();             // before the grace period: see WriteProtocol's notes
            freezeChanged.signalAll();
        } finally {
            freezeLock.unlock();
        }
        if (!protocol.awaitWritesInFlight(timeout, unit)) {
            return false;
        }
        protocol.removeListeners();
        IOException failure = null;
        try {
            files.forceDirty();
        } catch (IOException e) {
            failure = e;
        }
        failure = files.closeChannels(failure);
        if (failure != null) {
            throw failure;
        }
        return true;
    }

    /**
     * Sets a file's size as {@code ftruncate} does, on any file system: a shorter size cuts the
     * file, a longer one extends it with zeros (through a write of its last byte, since
     * {@link FileChannel#truncate} only shrinks).
     */
    private static void setLength(Path real, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(real, StandardOpenOption.WRITE)) {
            long now = ch.size();
            if (size < now) {
                ch.truncate(size);
            } else if (size > now) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Opening channels
    // ------------------------------------------------------------------------------------------

    /** What an open asks for, and the plain options to open with. */
    private static final class OpenPlan {
        final Set<OpenOption> plain;
        final boolean write;
        final boolean append;
        final boolean truncate;
        final boolean mayCreate;

        OpenPlan(Set<? extends OpenOption> options) {
            plain = new HashSet<>(options);
            append = plain.contains(StandardOpenOption.APPEND);
            write = append || plain.contains(StandardOpenOption.WRITE);
            if (append && plain.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
                throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
            }
            truncate = write && plain.remove(StandardOpenOption.TRUNCATE_EXISTING);
            mayCreate = write && (plain.contains(StandardOpenOption.CREATE)
                    || plain.contains(StandardOpenOption.CREATE_NEW));
        }
    }

    /** The open protocol shared by both channel kinds. */
    private <C extends Closeable> C open(Path vpath, Set<? extends OpenOption> options, PlainOpen<C> opener,
            TrackedFactory<C> wrap) throws IOException {
        ensureOpen("open", vpath);
        Path real = fs.unwrap(vpath);
        OpenPlan plan = new OpenPlan(options);
        C plain;
        boolean creates = plan.mayCreate
                && (plan.plain.contains(StandardOpenOption.CREATE_NEW) || !Files.exists(real));
        if (creates) {
            Pass pass = protocol.begin(new Modification(Modification.Kind.CREATE, vpath, 0, 0, null), null, true,
                    null);
            try {
                plain = opener.open(real, plan.plain);
                files.dirtyParent(real);
            } finally {
                pass.end();
            }
        } else {
            plain = opener.open(real, plan.plain);
        }
        FileNode node = null;
        C tracked;
        try {
            if (plan.write) {
                node = files.acquireOpenedNode(real);
                if (plan.truncate && !creates) {       // a file this open created is empty already
                    truncateOpen(node, vpath, plain);
                }
            }
            tracked = wrap.wrap(plain, node, plan.append, vpath);
            files.channelOpened(tracked);
        } catch (IOException | RuntimeException | Error e) {
            if (node != null) {
                files.releaseNode(node);
            }
            try {
                plain.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        if (protocol.isClosed()) {          // raced with close(): it may have missed this channel
            tracked.close();
            throw protocol.closedError("open", vpath);
        }
        return tracked;
    }

    private void truncateOpen(FileNode node, Path vpath, Closeable plain) throws IOException {
        Pass pass = protocol.begin(new Modification(Modification.Kind.TRUNCATE, vpath, 0, 0, null), node, true, null);
        try {
            if (plain instanceof FileChannel) {
                ((FileChannel) plain).truncate(0);
            } else {
                ((AsynchronousFileChannel) plain).truncate(0);
            }
        } finally {
            pass.end();
        }
    }

    @FunctionalInterface
    private interface PlainOpen<C> {
        C open(Path real, Set<OpenOption> options) throws IOException;
    }

    @FunctionalInterface
    private interface TrackedFactory<C> {
        C wrap(C plain, FileNode node, boolean append, Path vpath) throws IOException;
    }

    FileChannel openChannel(Path vpath, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return open(vpath, options, (real, opts) -> FileChannel.open(real, opts, attrs),
                (plain, node, append, p) -> TrackedChannels.fileChannel(protocol, p, plain, node, append));
    }

    AsynchronousFileChannel openAsyncChannel(Path vpath, Set<? extends OpenOption> options, ExecutorService ex,
            FileAttribute<?>... attrs) throws IOException {
        return open(vpath, options, (real, opts) -> AsynchronousFileChannel.open(real, opts, ex, attrs),
                (plain, node, append, p) -> new TrackedAsyncFileChannel(protocol, p, plain, node));
    }

    /** A name-space change (create, delete, copy, move) of plain paths: see WriteProtocol.changeNames. */
    void modifyNames(Modification.Kind kind, Path real, Path realTarget, WriteProtocol.IoAction action)
            throws IOException {
        Modification m = new Modification(kind, fs.wrapReal(real), 0, 0,
                realTarget == null ? null : fs.wrapReal(realTarget));
        protocol.changeNames(m, real, realTarget, action);
    }

    /**
     * Refuses a closed volume: {@code op} and {@code path} (or null) name what was refused. The
     * message is built only then.
     */
    void ensureOpen(String op, Path path) {
        protocol.ensureOpen(op, path);
    }

    /** The write protocol, for the channels. */
    WriteProtocol protocol() {
        return protocol;
    }

    /** The file table, for tests. */
    FileTable files() {
        return files;
    }

    @Override
    public String toString() {
        return "Volume[" + name + (protocol.isClosed() ? ", closed" : "") + "]";
    }

    /**
     * Settings of a {@link Volume}.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private final Path root;
        private String name;
        private Executor executor = ForkJoinPool.commonPool();
        private Consumer<? super Report> reportHandler;
        private boolean writableMappings;

        private Builder(Path root) {
            this.root = root;
        }

        /**
         * Names the volume in reports and thread-dump-visible names of its primitives.
         *
         * @param name the name (default: the root path)
         * @return this builder
         * @throws NullPointerException if {@code name} is null
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the executor that issues async writes that had to wait for a thaw or a truncation
         * (and tells listeners of them).
         *
         * @param executor the executor (default: the common pool)
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Sets where reports go (a listener that threw). By default they are logged to the
         * {@link System.Logger} {@code "dev.quiesce.nio"}.
         *
         * @param handler the handler, or {@code null} for the default
         * @return this builder
         */
        public Builder reportHandler(Consumer<? super Report> handler) {
            this.reportHandler = handler;
            return this;
        }

        /**
         * Allows {@link FileChannel#map memory mappings} that can write a file ({@code READ_WRITE}
         * and the JDK's extended writable modes) on the volume's channels. By default they are
         * refused with a {@link FileSystemException} naming the volume and the file;
         * {@code READ_ONLY} and {@code PRIVATE} mappings are always allowed.
         *
         * <p>Writes through a writable mapping bypass the volume: they are <b>not tracked</b>
         * ({@link Volume#syncFs()} does not wait for them and does not force them), <b>not
         * announced</b> to watchers, and <b>not blocked</b> by {@link Volume#freeze()}, so a copy
         * taken while frozen may see them half done. Allow them only for files whose writers
         * coordinate with freezes and syncs themselves.
         *
         * <p>Earlier 0.1.0 snapshots passed every mode through to the plain channel; the default is
         * now to refuse writable mappings.
         *
         * @param allow whether writable mappings are allowed (default {@code false})
         * @return this builder
         * @since 0.1.0
         */
        public Builder allowWritableMappings(boolean allow) {
            this.writableMappings = allow;
            return this;
        }

        /**
         * Opens the volume.
         *
         * @return the volume
         * @throws NoSuchFileException      if the root does not exist
         * @throws NotDirectoryException    if it is not a directory
         * @throws IllegalArgumentException if it is a path of a volume (open the volume over that
         *                                  volume's {@link Volume#directory()} instead)
         * @throws IOException              if its real path cannot be read
         */
        public Volume open() throws IOException {
            if (root instanceof VolumePath) {
                throw new IllegalArgumentException("a volume's root must not be a path of a volume: " + root
                        + " is of " + root.getFileSystem() + "; open the volume over its directory() instead");
            }
            Path real = root.toRealPath();
            if (!Files.isDirectory(real)) {
                throw new NotDirectoryException(root.toString());
            }
            return new Volume(real, this);
        }
    }
}
