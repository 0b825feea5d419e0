package dev.quiesce.nio;

import dev.quiesce.LockClass;
import dev.quiesce.Permit;
import dev.quiesce.ReadSection;
import dev.quiesce.Report;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import dev.quiesce.validate.Validator;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A directory whose modifications are tracked from start to end — what a superblock is to a Linux
 * file system that waits for its writes in flight. Writes through a volume may end on another thread (the completion thread of an
 * {@link AsynchronousFileChannel}); {@link #syncFs()} waits for exactly the writes already in
 * flight without blocking new ones, {@link #freeze()} blocks new writes and drains old ones,
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
 * file system is relative to the root; a path outside the root is refused with a
 * {@link java.nio.file.FileSystemException}.
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
 * <p>A modification never waits while holding its section. When freeze protection or the file's
 * permit is not free (the volume is frozen, or the file is being truncated), it ends its section,
 * waits — a blocking write parks; an async write parks nothing: it is issued later from the volume's
 * executor, and its {@code write} call returns at once — and starts again. A listener registered
 * meanwhile is told on the new start; one already told is not told again, so each listener sees
 * each modification at most once, and exactly once if the modification began after its
 * {@code watch} returned.
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
 * {@link java.io.File} and {@code java.io} streams, paths of any other file system (including the plain paths of the same
 * directory), other processes, and attribute changes (times, permissions, owners) are not tracked:
 * {@code syncFs()} does not wait for them, {@code freeze()} does not block them, listeners do not
 * see them. Copies, moves, deletes and creations are announced and blocked by a freeze, but they do
 * not wait for a file's in-flight async writes (neither does {@code unlink} in the kernel).
 *
 * <h2>Thread safety</h2>
 * Every method may be called from any thread. {@code syncFs()}, {@code watch} and {@code close()}
 * wait for writes in flight, so calling them from a listener (which runs inside a write) is refused
 * with {@link IllegalStateException}.
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
     * The seed (a thread on linux-fsdevel) wraps every write that generates a pre-modify event in a
     * per-superblock SRCU read section whose END runs in the aio completion context, and starts
     * syncfs() and freeze_super() with synchronize_srcu(). The follow-up RFC holds the inode's rwsem
     * shared until aio completes, so truncation waits for in-flight async writes. This class is that
     * design over java.nio:
     *
     *   writes        Srcu; a section per modification, from START to END (Pass).
     *   freeze        RwSemaphore; shared by every modification (sb_start_write), exclusive while
     *                 frozen. Its phase-fair policy blocks new shared permits as soon as a freezer
     *                 waits, so a freeze drains in bounded time.
     *   FileNode      RwSemaphore per file; shared by writes, exclusive by truncation.
     *   listeners     a copy-on-write array of Registrations, read inside the section.
     *   dirty         file key -> FileNode (with every name seen), marked at END inside the section;
     *                 syncFs forces each through a name that still names it (checked by file key).
     *
     * Why no wait happens inside a section: syncFs() and watch() wait for sections. A write that
     * waited for a freeze inside its section would make syncFs() wait for the thaw, and a listener's
     * own write that waited for a pending freeze would hold up every grace period. So begin() takes
     * freeze protection and the file permit with try-forms; on failure it ends the section, waits
     * holding nothing, and starts again. Truncation is the one exception: it waits for the file's
     * exclusive permit inside its section and under freeze protection, because what it waits for
     * (async writes already issued) ends by itself; so a freeze or syncFs() may wait for a
     * truncation, which waits only for I/O.
     *
     * Orders (validator classes): write section -> freeze shared -> file shared|exclusive. Nothing is
     * acquired while a file permit is held, and freeze() holds nothing when it takes the exclusive
     * freeze permit, so there is no cycle. The async retry path acquires nothing while waiting: it
     * registers an acquireSharedAsync() and drops the permit it is granted before starting again.
     *
     * Memory ordering:
     * - closed: close() writes it (volatile) and then waits for a grace period; begin() enters a
     *   section (a volatile getAndAdd) and then reads it. By the total order of volatile accesses either
     *   begin() sees closed, or close()'s grace period waits for that section (the Srcu contract).
     * - listeners: watch() publishes the array (volatile write) and then waits for a grace period;
     *   announce() reads it (volatile) inside the section: either the write sees the new listener, or
     *   watch() waits for it to end. A write that restarts reads the array again in its new section.
     * - dirty: Pass.end() marks the file inside the section; everything a section did happens-before
     *   the end of a grace period that waited for it, so syncFs() sees the mark of every write it
     *   waited for. forceDirty() removes a mark before forcing: a mark made after the removal stays
     *   for the next syncFs(), and a mark removed was made after its data was written.
     */

    /** The validator's classes: one for every volume's write domain, one for freeze protection. */
    private static final LockClass WRITES_CLASS = LockClass.named("quiesce-nio volume writes");
    private static final LockClass FREEZE_CLASS = LockClass.named("quiesce-nio freeze protection");

    private static final Registration[] NO_LISTENERS = new Registration[0];
    private static final System.Logger LOG = System.getLogger("dev.quiesce.nio");

    private final Path root;
    private final String name;
    private final VolumeFileSystem fs;
    private final Srcu writes;
    private final RwSemaphore freezeProtection;
    private final Executor executor;
    private final Consumer<? super Report> reportHandler;
    private final boolean writableMappings;

    /** Read inside write sections; replaced (copy on write) under {@code listenerLock}. */
    private volatile Registration[] listeners = NO_LISTENERS;
    private final Object listenerLock = new Object();
    private long lastListenerId;                      // guarded by listenerLock
    /** Depth of listener calls on this thread: refuses syncFs()/watch()/close() from a listener. */
    private final ThreadLocal<int[]> listenerDepth = ThreadLocal.withInitial(() -> new int[1]);

    private final ConcurrentHashMap<Object, FileNode> nodes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Object, FileNode> dirty = new ConcurrentHashMap<>();
    private final Set<Path> dirtyDirectories = ConcurrentHashMap.newKeySet();
    private final Set<Closeable> channels = ConcurrentHashMap.newKeySet();
    /** Held while marked files are forced (see forceDirty). */
    private final ReentrantLock forceLock = new ReentrantLock();

    private volatile boolean closed;

    private final ReentrantLock freezeLock = new ReentrantLock();
    private final Condition freezeChanged = freezeLock.newCondition();
    private int freezeDepth;                          // guarded by freezeLock
    private boolean freezing;                         // guarded by freezeLock
    private Permit frozen;                            // guarded by freezeLock

    private Volume(Path root, Builder b) {
        this.root = root;
        this.name = b.name != null ? b.name : root.toString();
        this.executor = b.executor;
        this.reportHandler = b.reportHandler;
        this.writableMappings = b.writableMappings;
        this.fs = new VolumeFileSystem(this, root.getFileSystem());
        this.writes = Srcu.builder().name("volume " + name + " writes").lockClass(WRITES_CLASS).build();
        this.freezeProtection = RwSemaphore.builder().name("volume " + name + " freeze protection")
                .lockClass(FREEZE_CLASS).build();
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
        return !closed;
    }

    // ------------------------------------------------------------------------------------------
    // syncFs, freeze, watch, truncate
    // ------------------------------------------------------------------------------------------

    /**
     * Waits for every modification that started before this call to end (not for later ones), then
     * forces to storage every file written since the last {@code syncFs()} — open or closed — and
     * the directories whose entries changed. Modifications that begin meanwhile are not held up.
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
        refuseInListener("syncFs()");
        writes.synchronize();
        forceDirty();
    }

    /**
     * Freezes the volume: from the moment this method is called no new modification proceeds (a
     * blocking one waits, {@link #tryWrite} returns {@code false}, an async write is held and issued
     * on thaw); it waits for the modifications in flight to end, then forces the written files as
     * {@link #syncFs()} does. Listeners are still told of writes that wait: a listener may write.
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
     */
    public void freeze() throws IOException, InterruptedException {
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
            exclusive = freezeProtection.acquireExclusive();
            forceDirty();
            done = true;
        } finally {
            freezeLock.lock();
            try {
                freezing = false;
                if (done) {
                    freezeDepth = 1;
                    // Frozen belongs to no thread (thaw may come from any), as the kernel's
                    // lockdep_sb_freeze_release(): the validator no longer counts it as this thread's.
                    frozen = exclusive.detach();
                }
                freezeChanged.signalAll();
            } finally {
                freezeLock.unlock();
            }
            if (!done && exclusive != null) {
                exclusive.close();
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
            release.close();
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
        refuseInListener("watch()");
        Registration r;
        synchronized (listenerLock) {
            r = new Registration(++lastListenerId, listener);
            Registration[] old = listeners;
            Registration[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = r;
            listeners = grown;      // volatile write before the grace period: see the notes
        }
        try {
            writes.synchronize();
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
        FileNode node = acquireNode(real);
        try {
            Pass pass = begin(node, true, Modification.Kind.TRUNCATE, fs.wrapReal(real), size, 0, null, true, null);
            try {
                setLength(real, size);
            } finally {
                pass.end();
            }
        } finally {
            releaseNode(node);
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
        FileNode node = acquireNode(real);
        try {
            Pass pass = begin(node, false, Modification.Kind.WRITE, fs.wrapReal(real), position, src.remaining(),
                    null, false, null);
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
            releaseNode(node);
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
        refuseInListener("close()");
        freezeLock.lock();
        try {
            if (freezeDepth > 0 || freezing) {
                throw new IllegalStateException("volume " + name + " is " + (freezing ? "freezing" : "frozen")
                        + ": thaw it before closing");
            }
            closed = true;                 // volatile write before the grace period: see the notes
            freezeChanged.signalAll();
        } finally {
            freezeLock.unlock();
        }
        if (!writes.synchronize(timeout, unit)) {
            return false;
        }
        synchronized (listenerLock) {
            for (Registration r : listeners) {
                r.active = false;
            }
            listeners = NO_LISTENERS;
        }
        IOException failure = null;
        try {
            forceDirty();
        } catch (IOException e) {
            failure = e;
        }
        for (Closeable c : new ArrayList<>(channels)) {
            try {
                c.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------
    // The write protocol
    // ------------------------------------------------------------------------------------------

    /**
     * START of a blocking modification: section, announcement, freeze protection, file permit.
     *
     * @param node          the file, or null for a name-space change
     * @param exclusiveFile take the file's permit exclusive (truncation) rather than shared
     * @param mayWait       false for the try form: return null instead of waiting
     * @param channel       the waits of the channel written through, or null for a call on a path
     *                      (which refuses a closed volume with ClosedFileSystemException rather than
     *                      ClosedChannelException)
     * @return the holds, or null if {@code mayWait} is false and something would wait
     */
    Pass begin(FileNode node, boolean exclusiveFile, Modification.Kind kind, Path path, long offset, long length,
            Path target, boolean mayWait, CloseSignal channel) throws IOException {
        long told = 0;
        for (;;) {
            ReadSection section = enter(channel != null, kind, path);
            RwSemaphore blocker;
            boolean keep = false;
            try {
                told = announce(section, kind, path, offset, length, target, told);
                Permit freeze = freezeProtection.tryAcquireShared();
                if (freeze == null) {
                    blocker = freezeProtection;
                } else if (node == null) {
                    keep = true;
                    return new Pass(this, section, freeze, null, null);
                } else {
                    Permit file;
                    try {
                        file = exclusiveFile ? exclusive(node, mayWait) : node.permit.tryAcquireShared();
                    } catch (IOException | RuntimeException | Error e) {
                        freeze.close();         // interrupted while waiting for the file's writes
                        throw e;
                    }
                    if (file != null) {
                        keep = true;
                        return new Pass(this, section, freeze, file, node);
                    }
                    freeze.close();
                    blocker = node.permit;
                }
            } finally {
                if (!keep) {
                    section.close();
                }
            }
            if (!mayWait) {
                return null;
            }
            // Holding nothing: wait until the blocker admits readers again, then start over.
            awaitAdmission(blocker, channel, path);
        }
    }

    /**
     * What a modification of {@code path} waits for at {@code blocker}, in the volume's words (not
     * the semaphore's, which the user never made: issue 11).
     */
    private String awaited(RwSemaphore blocker, Path path) {
        return blocker == freezeProtection ? "volume " + name + " to thaw"
                : "the truncation of " + path + " to end";
    }

    /**
     * Waits, holding nothing, until {@code blocker} would grant a shared permit. A channel's wait is
     * cancelled when the channel is closed (as a blocked channel operation is by an asynchronous close).
     */
    private void awaitAdmission(RwSemaphore blocker, CloseSignal channel, Path path) throws IOException {
        if (channel == null) {
            try {
                blocker.acquireShared().close();
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + awaited(blocker, path));
            }
        }
        CompletableFuture<Permit> wait = blocker.acquireSharedAsync();
        channel.add(wait);
        try {
            wait.get().close();
        } catch (CancellationException closedMeanwhile) {
            throw new AsynchronousCloseException();
        } catch (InterruptedException e) {
            CloseSignal.dispose(wait);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + awaited(blocker, path));
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for " + awaited(blocker, path) + " failed", e.getCause());
        } finally {
            channel.remove(wait);
        }
    }

    /** A truncation's exclusive file permit: waits for the async writes in flight (see the notes). */
    private static Permit exclusive(FileNode node, boolean mayWait) throws InterruptedIOException {
        if (!mayWait) {
            return node.permit.tryAcquireExclusive();
        }
        try {
            return node.permit.acquireExclusive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the async writes to " + node.path);
        }
    }

    /**
     * START of an async write, which never blocks the calling thread: on success {@code issue}
     * receives the holds, already handed off (the caller's completion handler ends them); when the
     * volume is frozen or the file is being truncated, the attempt is repeated from the volume's
     * executor once that ends, and {@code fail} receives any failure that happens there.
     *
     * @throws IOException if the first attempt fails on the calling thread (closed volume)
     */
    void beginAsync(FileNode node, Path path, long offset, long length, CloseSignal channel,
            Consumer<Pass> issue, Consumer<Throwable> fail) throws IOException {
        attemptAsync(node, path, offset, length, channel, issue, fail, 0);
    }

    private void attemptAsync(FileNode node, Path path, long offset, long length, CloseSignal channel,
            Consumer<Pass> issue, Consumer<Throwable> fail, long told) throws IOException {
        ReadSection section = enter(true, Modification.Kind.WRITE, path);
        RwSemaphore blocker;
        long toldNow;
        boolean keep = false;
        try {
            toldNow = announce(section, Modification.Kind.WRITE, path, offset, length, null, told);
            Permit freeze = freezeProtection.tryAcquireShared();
            if (freeze == null) {
                blocker = freezeProtection;
            } else {
                Permit file = node.permit.tryAcquireShared();
                if (file != null) {
                    keep = true;
                    issue.accept(new Pass(this, section, freeze, file, node).handOff());
                    return;
                }
                freeze.close();
                blocker = node.permit;
            }
        } finally {
            if (!keep) {
                section.close();
            }
        }
        // Holding nothing: when the blocker admits readers, drop that permit and start over on the
        // executor. Closing the channel cancels the wait: the write then fails, once.
        CompletableFuture<Permit> wait = blocker.acquireSharedAsync();
        channel.add(wait);
        wait.whenComplete((granted, failure) -> {
            channel.remove(wait);
            if (failure != null) {
                fail.accept(failure instanceof CancellationException ? new AsynchronousCloseException() : failure);
                return;
            }
            granted.close();
            Runnable retry = () -> {
                try {
                    if (channel.isClosed()) {
                        throw new AsynchronousCloseException();
                    }
                    attemptAsync(node, path, offset, length, channel, issue, fail, toldNow);
                } catch (Throwable t) {
                    fail.accept(t);
                }
            };
            try {
                executor.execute(retry);
            } catch (RejectedExecutionException rejected) {
                report(Report.Kind.CALLBACK_FAILED, "the volume's executor rejected a deferred write;"
                        + " it runs on a new thread", rejected);
                Thread t = new Thread(retry, "quiesce-nio deferred write");
                t.setDaemon(true);
                t.start();
            }
        });
    }

    /**
     * Begins a write section and refuses a closed volume (see the notes for the ordering): a
     * channel's operation with the channel's ClosedChannelException, a call on a path with
     * ClosedFileSystemException naming the modification.
     */
    private ReadSection enter(boolean channelOp, Modification.Kind kind, Path path) throws ClosedChannelException {
        ReadSection section = writes.enter();
        if (closed) {
            section.close();
            if (channelOp) {
                throw new ClosedChannelException();
            }
            throw closedError(kind, path);
        }
        return section;
    }

    /**
     * Tells the listeners registered after id {@code told} and returns the newest id told. Runs with
     * the write section held and freeze protection not held (the assertion of the Linux proof of concept in the fsnotify path).
     */
    private long announce(ReadSection section, Modification.Kind kind, Path path, long offset, long length,
            Path target, long told) {
        if (!section.isOpen()) {
            throw new AssertionError("announcing " + kind + " of " + path + " outside its write section");
        }
        Validator.assertHeld(writes);
        Validator.assertNotHeld(freezeProtection);
        Registration[] rs = listeners;          // volatile read inside the section: see the notes
        if (rs.length == 0 || rs[rs.length - 1].id <= told) {
            return told;
        }
        Modification m = new Modification(kind, path, offset, length, target);
        int[] depth = listenerDepth.get();
        depth[0]++;
        try {
            for (Registration r : rs) {
                if (r.id > told && r.active) {
                    try {
                        r.listener.beforeModify(m);
                    } catch (Throwable t) {
                        report(Report.Kind.CALLBACK_FAILED, "listener " + r.listener + " threw on " + m
                                + "; the modification goes ahead", t);
                    }
                }
            }
        } finally {
            depth[0]--;
        }
        return rs[rs.length - 1].id;
    }

    private void refuseInListener(String what) {
        if (listenerDepth.get()[0] > 0) {
            throw new IllegalStateException(what + " of volume " + name
                    + " called from a modification listener: it would wait for the write that called the listener");
        }
    }

    /** A name-space change (create, delete, copy, move): section, announcement, freeze protection. */
    void modifyNames(Modification.Kind kind, Path real, Path realTarget, IoAction action) throws IOException {
        if (closed) {
            throw closedError(kind, real);                 // the refusal's words only when refusing
        }
        Pass pass = begin(null, false, kind, fs.wrapReal(real), 0, 0,
                realTarget == null ? null : fs.wrapReal(realTarget), true, null);
        try {
            action.run();
            dirtyParent(real);
            if (realTarget != null) {
                dirtyParent(realTarget);
                if (kind == Modification.Kind.MOVE) {
                    moved(real, realTarget);
                } else {
                    // The copy's own key: a link copied with NOFOLLOW_LINKS may dangle (fileKey follows).
                    BasicFileAttributes copy = Files.readAttributes(realTarget, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    Object key = copy.fileKey() != null ? copy.fileKey() : realTarget;
                    dirty.compute(key, (k, n) -> {
                        FileNode node = n != null ? n : nodes.getOrDefault(k, new FileNode(k, realTarget));
                        node.names.add(realTarget);
                        return node;
                    });
                }
            }
        } finally {
            pass.end();
        }
    }

    /** An I/O action of a name-space change. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    private void dirtyParent(Path real) {
        Path parent = real.getParent();
        if (parent != null) {
            dirtyDirectories.add(parent);
        }
    }

    /** Keeps the names of open files, unsynced files and dirty directories true after a move. */
    private void moved(Path from, Path to) {
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

    /**
     * Marks a file for the next syncFs(), on every write's END: a read first, so a file written
     * again and again is not re-put each time. A mark seen here is removed (if at all) after this
     * read, and its file forced after the removal — after this write's data landed.
     */
    void markDirty(FileNode node) {
        if (dirty.get(node.key) != node) {
            dirty.put(node.key, node);
        }
    }

    /**
     * Forces every marked file and directory. A mark is removed before its file is forced and put
     * back if forcing fails (see the notes).
     */
    private void forceDirty() throws IOException {
        // One forcer at a time: a mark is removed before its file is forced, so a second syncFs()
        // that found no mark must not return before the first one's force of that file is done.
        forceLock.lock();
        try {
            forceMarked();
        } finally {
            forceLock.unlock();
        }
    }

    private void forceMarked() throws IOException {
        IOException failure = null;
        for (Object key : dirty.keySet()) {
            FileNode node = dirty.remove(key);
            if (node == null) {
                continue;
            }
            try {
                forceFile(node);
            } catch (IOException e) {
                dirty.putIfAbsent(key, node);
                failure = addFailure(failure, e);
            }
        }
        for (Path dir : dirtyDirectories) {
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
        Consumer<Path> observer = forceObserver;
        if (observer != null) {
            observer.accept(p);
        }
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
        Consumer<Path> observer = forceObserver;
        if (observer != null) {
            observer.accept(dir);
        }
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

    /** Tests observe which plain paths were forced. */
    volatile Consumer<Path> forceObserver;

    // ------------------------------------------------------------------------------------------
    // Channels and file nodes
    // ------------------------------------------------------------------------------------------

    /** The file system's key of a file (device and inode on Unix), or its path if it has none. */
    private static Object fileKey(Path real) throws IOException {
        Object key = Files.readAttributes(real, BasicFileAttributes.class).fileKey();
        return key != null ? key : real;
    }

    FileNode acquireNode(Path real) throws IOException {
        Object key = fileKey(real);
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

    void channelClosed(Closeable channel, FileNode node) {
        if (channels.remove(channel) && node != null) {
            releaseNode(node);
        }
    }

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
            Pass pass = begin(null, false, Modification.Kind.CREATE, vpath, 0, 0, null, true, null);
            try {
                plain = opener.open(real, plan.plain);
                dirtyParent(real);
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
                node = acquireNode(real);
                if (plan.truncate && !creates) {       // a file this open created is empty already
                    truncateOpen(node, vpath, plain);
                }
            }
            tracked = wrap.wrap(plain, node, plan.append, vpath);
            channels.add(tracked);
        } catch (IOException | RuntimeException | Error e) {
            if (node != null) {
                releaseNode(node);
            }
            try {
                plain.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        if (closed) {          // raced with close(): it may have missed this channel
            tracked.close();
            throw closedError("open", vpath);
        }
        return tracked;
    }

    private void truncateOpen(FileNode node, Path vpath, Closeable plain) throws IOException {
        Pass pass = begin(node, true, Modification.Kind.TRUNCATE, vpath, 0, 0, null, true, null);
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
                (plain, node, append, p) -> TrackedChannels.fileChannel(this, p, plain, node, append));
    }

    AsynchronousFileChannel openAsyncChannel(Path vpath, Set<? extends OpenOption> options, ExecutorService ex,
            FileAttribute<?>... attrs) throws IOException {
        return open(vpath, options, (real, opts) -> AsynchronousFileChannel.open(real, opts, ex, attrs),
                (plain, node, append, p) -> new TrackedAsyncFileChannel(this, p, plain, node, append));
    }

    /**
     * A truncation through an open channel: refuses what the plain channel would refuse, then runs
     * {@code resize} under the file's exclusive permit.
     *
     * @param node the file, or null when the channel was opened without WRITE or APPEND
     * @param open whether the channel is open
     */
    void truncateChannel(FileNode node, Path vpath, long size, boolean open, CloseSignal channel,
            IoAction resize) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        if (!open) {
            throw new ClosedChannelException();
        }
        if (node == null) {
            throw new NonWritableChannelException();
        }
        Pass pass = begin(node, true, Modification.Kind.TRUNCATE, vpath, size, 0, null, true, channel);
        try {
            resize.run();
        } finally {
            pass.end();
        }
    }

    /**
     * Refuses a closed volume: {@code op} and {@code path} (or null) name what was refused. The
     * message is built only then (closedError()).
     */
    void ensureOpen(String op, Path path) {
        if (closed) {
            throw closedError(op, path);
        }
    }

    /**
     * Refuses a mapping of {@code path} in a mode that could write the file, unless this volume
     * allows writable mappings: {@code READ_ONLY} and {@code PRIVATE} pass, any other mode
     * (READ_WRITE, the JDK's extended modes, a mode this class does not know) is refused.
     *
     * @throws FileSystemException naming the volume, the file, the mode and the opt-in
     */
    void checkMapping(Path path, FileChannel.MapMode mode) throws FileSystemException {
        if (mode != FileChannel.MapMode.READ_ONLY && mode != FileChannel.MapMode.PRIVATE && !writableMappings) {
            throw mappingRefused(path, mode);
        }
    }

    private FileSystemException mappingRefused(Path path, FileChannel.MapMode mode) {
        return new FileSystemException(path.toString(), null, "volume " + name + " (root " + root
                + ") refuses a " + mode + " mapping: writes through it would not be tracked, announced to"
                + " watchers or blocked by freeze(); map READ_ONLY or PRIVATE, or build the volume with"
                + " Volume.builder(root).allowWritableMappings(true)");
    }

    /** The refusal of {@code op} on {@code path} (or null) by this closed volume. */
    ClosedFileSystemException closedError(String op, Path path) {
        return new VolumeClosedException(name, root, path == null ? op : op + " " + path);
    }

    /** The refusal of a modification of {@code kind} on {@code path} by this closed volume. */
    private ClosedFileSystemException closedError(Modification.Kind kind, Path path) {
        return closedError(kind.name().toLowerCase(Locale.ROOT), path);
    }

    void report(Report.Kind kind, String message, Throwable cause) {
        Report r = new Report(kind, "volume " + name, message, cause);
        if (reportHandler == null) {
            LOG.log(System.Logger.Level.WARNING, r.toString(), cause);
            return;
        }
        try {
            reportHandler.accept(r);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "report handler failed on: " + r, e);
        }
    }

    @Override
    public String toString() {
        return "Volume[" + name + (closed ? ", closed" : "") + "]";
    }

    /** A listener's registration. */
    private final class Registration implements Watch {
        final long id;
        final ModificationListener listener;
        volatile boolean active = true;

        Registration(long id, ModificationListener listener) {
            this.id = id;
            this.listener = listener;
        }

        @Override
        public void close() {
            synchronized (listenerLock) {
                if (!active) {
                    return;
                }
                active = false;
                List<Registration> rest = new ArrayList<>(Arrays.asList(listeners));
                rest.remove(this);
                listeners = rest.toArray(NO_LISTENERS);
            }
        }

        @Override
        public boolean isActive() {
            return active;
        }

        @Override
        public String toString() {
            return "Watch[" + listener + (active ? "" : ", closed") + "]";
        }
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
