package dev.quiesce.nio;

import dev.quiesce.LockClass;
import dev.quiesce.Permit;
import dev.quiesce.ReadSection;
import dev.quiesce.Report;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import dev.quiesce.internal.Reports;
import dev.quiesce.validate.Validator;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The write protocol of a {@link Volume} — the kernel's {@code sb_start_write} with the fsnotify
 * pre-modify hook: every modification begins a section of the volume's {@link Srcu}, is announced to
 * the listeners, and takes freeze protection and (for data) the file's permit; its END releases them
 * in reverse and marks the file in the {@link FileTable}. One try-enter step serves blocking and
 * async writes; both wait holding nothing. Called by the channels and by {@code Volume}; it calls
 * the file table, never the reverse.
 */
final class WriteProtocol {

    /*
     * Implementation notes.
     *
     * The seed (a thread on linux-fsdevel) wraps every write that generates a pre-modify event in a
     * per-superblock SRCU read section whose END runs in the aio completion context, and starts
     * syncfs() and freeze_super() with synchronize_srcu(). The follow-up RFC holds the inode's rwsem
     * shared until aio completes, so truncation waits for in-flight async writes:
     *
     *   writes      Srcu; a section per modification, from START to END (Pass).
     *   freeze      RwSemaphore; shared by every modification (sb_start_write), exclusive while
     *               frozen. Its phase-fair policy blocks new shared permits as soon as a freezer
     *               waits, so a freeze drains in bounded time.
     *   FileNode    RwSemaphore per file; shared by writes, exclusive by truncation.
     *   listeners   a copy-on-write array of Registrations, read inside the section.
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
     * A listener's own write: a listener runs inside the section of the write that called it. If
     * its write waited there for a thaw, that outer section would stay open and syncFs() and
     * watch() would wait for the thaw too. So a write that must wait first ends the sections of the
     * writes whose listeners this thread is running (the Announcing stack, shared by every volume:
     * a listener of volume A that writes to a frozen volume B must not keep A's section open either,
     * or syncFs() and freeze() of A would wait for B's thaw — and freeze(A) by the thread that will
     * thaw B would never return; the outer writes hold nothing else yet, since announcing comes
     * before freeze protection), and begins them again after the wait, marked renewed. A renewed write finishes its listener loop and then starts over
     * in its fresh section: it reads the listener array again and tells the listeners registered
     * meanwhile (a watch() that returned while it waited), and no listener twice (Frame.told).
     *
     * Orders (validator classes): write section -> freeze shared -> file shared|exclusive. Nothing is
     * acquired while a file permit is held; freeze() holds nothing when it takes the exclusive
     * freeze permit, and holding it waits for a grace period of the write domain (freeze ->
     * writes), which no write section closes a cycle with: a write only tries for freeze
     * protection and waits for it holding nothing. The async retry path acquires nothing while waiting: it
     * registers an acquireSharedAsync() and drops the permit it is granted before starting again.
     *
     * The quiet path. Most writes have no listener to tell and nothing to wait for, and on tmpfs
     * a 4 KiB write takes about a microsecond, so what the general path allocates (a Modification,
     * a Frame, a Pass, a handle per hold), its position() call for the Modification and its
     * atomic instructions cost a measurable share of it. enterQuietly() begins the section with
     * Srcu.downRead and takes the file's permit with RwSemaphore.tryAcquireSharedToken — no
     * allocation — and packs both tokens into one long that END takes back on any thread:
     *
     *   bits 32..63   the write section's Srcu token (downRead: may end on the completion thread)
     *   bits  0..31   the file permit's shared token (at least 1, so holds are never 0)
     *
     * It does not take freeze protection: it reads writesBlocked inside its section instead, as it
     * reads closed (the percpu_rw_semaphore of the kernel's sb_start_write works the same way: a
     * flag read under RCU, then an RCU grace period on the writer's side). blockWrites() raises the
     * flag after its exclusive grant and then waits for a grace period, so a freeze drains both
     * kinds: the general path's writes through the semaphore, the quiet ones through the grace
     * period. A quiet write admitted while a freezer waits for the exclusive grant is drained by
     * that grace period too, so a freeze still ends in bounded time. unblockWrites() lowers the
     * flag before it releases the permit.
     *
     * 0 means "take the general path": when validation is on (tokens are not tracked; the general
     * path's handles are), when a listener is registered, when the volume is closed or writes are
     * blocked, or when the file permit is refused (a truncation) or its token does not fit in 32
     * bits. Each refusal releases what it took before returning 0. No listener runs between the
     * quiet START and END (the only user code there is a transferFrom's source channel, which the
     * general path runs under the same holds), so there is nothing there for the validator to check
     * that the general path would catch.
     *
     * Figures. Every section of the write domain is a modification's: the protocol begins one for
     * each attempt at START, so a modification begins one section, plus one for each time it
     * starts over (it waited for a thaw or a truncation, or a listener's own write waited and
     * renewed it, or the quiet path's second look refused it). The domain's cumulative counts of
     * sections begun and ended are therefore the volume's modifications started and ended, with
     * the starts over among them (VolumeStats says so), and no counter on the write path: two
     * LongAdder increments cost about 30 ns of a 1 µs write here.
     *
     * Memory ordering:
     * - writesBlocked: as closed below, with blockWrites()'s grace period. A quiet write either
     *   sees the flag raised (and takes the general path, which waits for the thaw) or its
     *   downRead precedes the flag's write in the total order of volatile accesses, and then the
     *   grace period that follows the write waits for its section.
     * - closed: markClosed() writes it (volatile) and then the volume waits for a grace period;
     *   enter() begins a section (a volatile read-modify-write) and then reads it. By the total order
     *   of volatile accesses either enter() sees closed, or the grace period waits for that section
     *   (the Srcu contract).
     * - listeners: addListener() publishes the array (volatile write) and then the volume waits for a
     *   grace period; announce() reads it (volatile) inside the section: either the write sees the
     *   new listener, or watch() waits for it to end. A write that restarts reads the array again in
     *   its new section.
     */

    /** The validator's classes: one for every volume's write domain, one for freeze protection. */
    private static final LockClass WRITES_CLASS = LockClass.named("quiesce-nio volume writes");
    private static final LockClass FREEZE_CLASS = LockClass.named("quiesce-nio freeze protection");

    private static final Registration[] NO_LISTENERS = new Registration[0];

    private final String name;
    private final Path root;
    private final FileTable files;
    private final Srcu writes;
    private final RwSemaphore freezeProtection;
    private final Executor executor;
    private final Consumer<? super Report> reportHandler;
    private final boolean writableMappings;

    /** Read inside write sections; replaced (copy on write) under {@code listenerLock}. */
    private volatile Registration[] listeners = NO_LISTENERS;
    private final Object listenerLock = new Object();
    private long lastListenerId;                      // guarded by listenerLock
    /**
     * The modifications this thread is announcing, of every volume, outermost first (a listener may
     * write, to this volume or another, and so may that write's listener): refuses syncFs(),
     * watch(), freeze() and close() from a listener of the same volume, and lets a listener's write
     * that must wait end the sections of the writes that called it, whichever volumes they write
     * (see the notes).
     */
    private static final ThreadLocal<Announcing> ANNOUNCING = ThreadLocal.withInitial(Announcing::new);

    private volatile boolean closed;
    /** Freeze protection as the quiet path sees it: raised between blockWrites() and unblockWrites(). */
    private volatile boolean writesBlocked;

    /**
     * Figures for Volume.stats() that the write domain does not count (it counts the sections:
     * see started()): counted on the paths that wait or fail, read by anyone.
     */
    private final LongAdder waited = new LongAdder();
    private final LongAdder listenerFailures = new LongAdder();

    WriteProtocol(String name, Path root, FileTable files, Executor executor, Consumer<? super Report> reportHandler,
            boolean writableMappings) {
        this.name = name;
        this.root = root;
        this.files = files;
        this.executor = executor;
        this.reportHandler = reportHandler != null ? reportHandler : WriteProtocol::log;
        this.writableMappings = writableMappings;
        this.writes = Srcu.builder().name("volume " + name + " writes").lockClass(WRITES_CLASS).build();
        this.freezeProtection = RwSemaphore.builder().name("volume " + name + " freeze protection")
                .lockClass(FREEZE_CLASS).build();
    }

    FileTable files() {
        return files;
    }

    // ------------------------------------------------------------------------------------------
    // What the volume waits for
    // ------------------------------------------------------------------------------------------

    /** Waits for every modification in flight (a grace period of the write domain). */
    void awaitWritesInFlight() throws InterruptedException {
        writes.synchronize();
    }

    /** As {@link #awaitWritesInFlight()}, for at most the given time: false if they are still in flight. */
    boolean awaitWritesInFlight(long timeout, TimeUnit unit) throws InterruptedException {
        return writes.synchronize(timeout, unit);
    }

    /**
     * Blocks new modifications and waits for those in flight: takes freeze protection exclusively
     * (the general path's writes hold it shared), then raises {@code writesBlocked} and waits for a
     * grace period (the quiet path's writes check the flag inside their section instead). Returns
     * the freeze's permit; {@link #unblockWrites} gives it back.
     *
     * @throws InterruptedException if interrupted while waiting; nothing is then blocked
     */
    Permit blockWrites() throws InterruptedException {
        Permit exclusive = freezeProtection.acquireExclusive();
        writesBlocked = true;          // volatile write before the grace period: see "Memory ordering"
        boolean drained = false;
        try {
            writes.synchronize();
            drained = true;
            return exclusive;
        } finally {
            if (!drained) {
                unblockWrites(exclusive);
            }
        }
    }

    /** Ends what {@link #blockWrites} began: lowers the flag, then releases the freeze's permit. */
    void unblockWrites(Permit exclusive) {
        writesBlocked = false;         // before the release: a write the release admits sees it lowered
        exclusive.close();
    }

    /** From now on every modification and open is refused; the caller then waits for a grace period. */
    void markClosed() {
        closed = true;                 // volatile write before the grace period: see the notes
    }

    boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------------------------------
    // START and END
    // ------------------------------------------------------------------------------------------

    /**
     * START of a blocking modification: section, announcement, freeze protection and, when
     * {@code node} is not null, the file's permit — exclusive for a {@link Modification.Kind#TRUNCATE},
     * shared otherwise.
     *
     * @param m       what is about to change (announced to the listeners)
     * @param node    the file, or null for a name-space change
     * @param mayWait false for the try form: return null instead of waiting
     * @param channel the waits of the channel written through, or null for a call on a path
     *                (which refuses a closed volume with ClosedFileSystemException rather than
     *                ClosedChannelException)
     * @return the holds, or null if {@code mayWait} is false and something would wait
     */
    Pass begin(Modification m, FileNode node, boolean mayWait, CloseSignal channel) throws IOException {
        Frame f = new Frame(this);
        for (;;) {
            Pass pass = tryEnter(m, node, f, channel != null, mayWait);
            if (pass != null || !mayWait) {
                return pass;
            }
            // Holding nothing — and neither do the writes whose listener this may be: wait until
            // the blocker admits readers again, then start over.
            waited.increment();
            awaitHoldingNothing(f.blocker, channel, m.path());
        }
    }

    /** Whether the quiet path may be taken at all: not when validation is on (see the notes). */
    private static final boolean QUIET = !Validator.isEnabled();
    private static final long TOKEN_MASK = 0xFFFF_FFFFL;

    /**
     * The quiet START of a write to {@code node}'s data: the holds of {@link #begin} without
     * allocating, packed into a long (see "The quiet path" in the notes), or 0 when the write
     * must take the general path — something to announce, to wait for or to refuse.
     *
     * @param node the file written
     * @return the packed holds, or 0, holding nothing
     */
    long enterQuietly(FileNode node) {
        if (!QUIET || closed || writesBlocked || listeners.length != 0) {
            return 0L;              // a first look, so that the common refusals begin no section
        }
        int section = writes.downRead();
        // The reads that count come after the section began: see "Memory ordering" in the notes.
        if (closed || writesBlocked || listeners.length != 0) {
            writes.upRead(section);
            return 0L;
        }
        long file = node.permit.tryAcquireSharedToken();
        if (file == 0L || file > TOKEN_MASK) {
            if (file != 0L) {
                node.permit.releaseShared(file);
            }
            writes.upRead(section);
            return 0L;
        }
        return (long) section << 32 | file;
    }

    /**
     * END of a write begun by {@link #enterQuietly} (on any thread): marks the file, then releases
     * in reverse, as {@link Pass#end()} does.
     *
     * @param node  the file written
     * @param holds what {@code enterQuietly} returned (not 0)
     */
    void endQuietly(FileNode node, long holds) {
        try {
            ended(node);
        } finally {
            try {
                node.permit.releaseShared(holds & TOKEN_MASK);
            } finally {
                writes.upRead((int) (holds >>> 32));
            }
        }
    }

    /**
     * END of a write begun either way: {@code pass} when {@link #begin} took it, else the quiet
     * {@code holds}.
     */
    void end(FileNode node, long holds, Pass pass) {
        if (pass != null) {
            pass.end();
        } else {
            endQuietly(node, holds);
        }
    }

    /**
     * One attempt at START, shared by blocking and async modifications: section, announcement
     * (started over while a listener's write renewed the section), freeze protection, the file's
     * permit. Waits only for a truncation's exclusive permit when {@code mayWait} (see the notes).
     *
     * @return the holds, or null — holding nothing — with {@code f.blocker} set to what must admit
     *         readers before the next attempt
     */
    private Pass tryEnter(Modification m, FileNode node, Frame f, boolean channelOp, boolean mayWait)
            throws IOException {
        for (;;) {
            f.section = enter(channelOp, m);
            boolean keep = false;
            try {
                announce(f, m);
                if (f.renewed) {
                    continue;           // a listener's write waited: start over (see the notes)
                }
                Permit freeze = freezeProtection.tryAcquireShared();
                if (freeze == null) {
                    f.blocker = freezeProtection;
                    return null;
                }
                Permit file = null;
                if (node != null) {
                    try {
                        file = m.kind() == Modification.Kind.TRUNCATE ? exclusive(node, mayWait)
                                : node.permit.tryAcquireShared();
                    } catch (IOException | RuntimeException | Error e) {
                        freeze.close();         // interrupted while waiting for the file's writes
                        throw e;
                    }
                    if (file == null) {
                        freeze.close();
                        f.blocker = node.permit;
                        return null;
                    }
                }
                keep = true;
                return new Pass(this, f.section, freeze, file, node);
            } finally {
                if (!keep) {
                    f.section.close();
                }
            }
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
    void beginAsync(Modification m, FileNode node, CloseSignal channel, Consumer<Pass> issue,
            Consumer<Throwable> fail) throws IOException {
        attemptAsync(m, node, channel, issue, fail, new Frame(this));
    }

    private void attemptAsync(Modification m, FileNode node, CloseSignal channel, Consumer<Pass> issue,
            Consumer<Throwable> fail, Frame f) throws IOException {
        Pass pass = tryEnter(m, node, f, true, false);
        if (pass != null) {
            issue.accept(pass.handOff());
            return;
        }
        RwSemaphore blocker = f.blocker;
        // Holding nothing: when the blocker admits readers, drop that permit and start over on the
        // executor. Closing the channel cancels the wait: the write then fails, once.
        waited.increment();
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
                    attemptAsync(m, node, channel, issue, fail, f);
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
     * END's bookkeeping, inside the section (see {@link Pass#end()}): marks the file written (null
     * for a name-space change) for the next sync.
     */
    void ended(FileNode node) {
        if (node != null) {
            files.markDirty(node);
        }
    }

    /**
     * The write domain's figures. Its sections are the modifications' (see "Figures" in the
     * notes): begun and ended are the volume's modifications started and ended, counted without
     * a counter of the volume's own on the write path.
     */
    Srcu.Stats sections() {
        return writes.stats();
    }

    long waited() {
        return waited.sum();
    }

    long listenerFailures() {
        return listenerFailures.sum();
    }

    int watchers() {
        return listeners.length;
    }

    /**
     * A truncation through an open channel: refuses what the plain channel would refuse, then runs
     * {@code resize} under the file's exclusive permit.
     *
     * @param m    the truncation (its offset is the new size)
     * @param node the file, or null when the channel was opened without WRITE or APPEND
     * @param open whether the channel is open
     */
    void truncate(Modification m, FileNode node, boolean open, CloseSignal channel, IoAction resize)
            throws IOException {
        if (m.offset() < 0) {
            throw new IllegalArgumentException("negative size " + m.offset());
        }
        if (!open) {
            throw new ClosedChannelException();
        }
        if (node == null) {
            throw new NonWritableChannelException();
        }
        Pass pass = begin(m, node, true, channel);
        try {
            resize.run();
        } finally {
            pass.end();
        }
    }

    /**
     * A name-space change (create, delete, copy, move) of plain paths {@code real} and
     * {@code realTarget} (null unless a copy or move), announced as {@code m}: section,
     * announcement, freeze protection; the directories and a copy's new file are marked.
     */
    void changeNames(Modification m, Path real, Path realTarget, IoAction action) throws IOException {
        if (closed) {
            throw closedError(m.kind(), m.path());            // the refusal's words only when refusing
        }
        Pass pass = begin(m, null, true, null);
        try {
            action.run();
            files.dirtyParent(real);
            if (realTarget != null) {
                files.dirtyParent(realTarget);
                if (m.kind() == Modification.Kind.MOVE) {
                    files.moved(real, realTarget);
                } else {
                    files.copied(realTarget);
                }
            }
        } finally {
            pass.end();
        }
    }

    /** An I/O action run under the protocol. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
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
     * Begins a write section and refuses a closed volume (see the notes for the ordering): a
     * channel's operation with the channel's ClosedChannelException, a call on a path with
     * ClosedFileSystemException naming the modification.
     */
    private ReadSection enter(boolean channelOp, Modification m) throws ClosedChannelException {
        ReadSection section = writes.enter();
        if (closed) {
            section.close();
            if (channelOp) {
                throw new ClosedChannelException();
            }
            throw closedError(m.kind(), m.path());
        }
        return section;
    }

    /**
     * Tells the listeners registered after id {@code f.told} and advances it to the newest id told.
     * Runs with the write section held and freeze protection not held (the assertion of the Linux
     * proof of concept in the fsnotify path). A listener's own write that waits renews
     * {@code f.section} and sets {@code f.renewed}: the caller then starts over.
     */
    private void announce(Frame f, Modification m) {
        f.renewed = false;
        if (!f.section.isOpen()) {
            throw new AssertionError("announcing " + m + " outside its write section");
        }
        Validator.assertHeld(writes);
        Validator.assertNotHeld(freezeProtection);
        Registration[] rs = listeners;          // volatile read inside the section: see the notes
        long told = f.told;
        if (rs.length == 0 || rs[rs.length - 1].id <= told) {
            return;
        }
        Announcing a = ANNOUNCING.get();
        a.push(f);
        try {
            for (Registration r : rs) {
                if (r.id > told && r.active) {
                    try {
                        r.listener.beforeModify(m);
                    } catch (Throwable t) {
                        listenerFailures.increment();
                        report(Report.Kind.CALLBACK_FAILED, "listener " + r.listener + " threw on " + m
                                + "; the modification goes ahead", t);
                    }
                }
            }
        } finally {
            a.pop();
        }
        f.told = rs[rs.length - 1].id;
    }

    /**
     * Waits for {@code blocker} to admit readers as {@link #awaitAdmission} does, first ending the
     * sections of the modifications this thread is announcing (this wait is a listener's write) and
     * beginning them again afterwards, marked renewed, whether the wait succeeded or not.
     */
    private void awaitHoldingNothing(RwSemaphore blocker, CloseSignal channel, Path path) throws IOException {
        Announcing a = ANNOUNCING.get();
        int n = a.depth;
        for (int i = n - 1; i >= 0; i--) {
            a.frames[i].section.close();        // innermost first
        }
        try {
            awaitAdmission(blocker, channel, path);
        } finally {
            for (int i = 0; i < n; i++) {
                Frame outer = a.frames[i];
                outer.section = outer.owner.writes.enter();  // its enter() checks closed when it starts over
                outer.renewed = true;
            }
        }
    }

    /** One modification's START on its way: its current section and the newest listener it told. */
    private static final class Frame {
        /** The volume's protocol it writes through. */
        final WriteProtocol owner;
        ReadSection section;
        long told;
        boolean renewed;
        /** What the last failed attempt must wait for. */
        RwSemaphore blocker;

        Frame(WriteProtocol owner) {
            this.owner = owner;
        }
    }

    /** A thread's stack of modifications whose listeners it is running. */
    private static final class Announcing {
        Frame[] frames = new Frame[2];
        int depth;

        void push(Frame f) {
            if (depth == frames.length) {
                frames = Arrays.copyOf(frames, depth * 2);
            }
            frames[depth++] = f;
        }

        void pop() {
            frames[--depth] = null;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Listeners
    // ------------------------------------------------------------------------------------------

    /**
     * Publishes a listener; the caller then waits for a grace period (see the notes).
     *
     * @return its registration
     */
    Watch addListener(ModificationListener listener) {
        synchronized (listenerLock) {
            Registration r = new Registration(++lastListenerId, listener);
            Registration[] old = listeners;
            Registration[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = r;
            listeners = grown;      // volatile write before the grace period: see the notes
            return r;
        }
    }

    /** Deactivates every registration (on close). */
    void removeListeners() {
        synchronized (listenerLock) {
            for (Registration r : listeners) {
                r.active = false;
            }
            listeners = NO_LISTENERS;
        }
    }

    /**
     * Refuses {@code what} on a thread that is inside a listener of this volume: it would wait for
     * the write that called the listener.
     */
    void refuseInListener(String what) {
        Announcing a = ANNOUNCING.get();
        boolean inListener = false;
        for (int i = 0; i < a.depth; i++) {
            inListener |= a.frames[i].owner == this;
        }
        if (inListener) {
            throw new IllegalStateException(what + " of volume " + name
                    + " called from a modification listener: it would wait for the write that called the listener");
        }
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

    // ------------------------------------------------------------------------------------------
    // Refusals and reports
    // ------------------------------------------------------------------------------------------

    /**
     * Refuses a closed volume: {@code op} and {@code path} (or null) name what was refused. The
     * message is built only then (closedError()).
     */
    void ensureOpen(String op, Path path) {
        if (closed) {
            throw closedError(op, path);
        }
    }

    /** The refusal of {@code op} on {@code path} (or null) by this closed volume. */
    ClosedFileSystemException closedError(String op, Path path) {
        return new VolumeClosedException(name, root, path == null ? op : op + " " + path);
    }

    /** The refusal of a modification of {@code kind} on {@code path} by this closed volume. */
    private ClosedFileSystemException closedError(Modification.Kind kind, Path path) {
        return closedError(kind.name().toLowerCase(Locale.ROOT), path);
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

    /**
     * Reports as the core's primitives do (a JFR event, then the handler; a handler that throws is
     * logged): the volume's builder's handler, or the logger {@code dev.quiesce.nio}.
     */
    void report(Report.Kind kind, String message, Throwable cause) {
        Reports.deliver(new Report(kind, "volume " + name, message, cause), reportHandler);
    }

    private static void log(Report r) {
        Log.LOG.log(System.Logger.Level.WARNING, r.toString(), r.cause());
    }

    /**
     * The logger, looked up at the first report rather than when the first volume opens: a volume
     * of TrackingFileSystemProvider may open inside the logging framework's own start-up (a log
     * file under a root), where a logger lookup could re-enter it.
     */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.quiesce.nio");
    }
}
