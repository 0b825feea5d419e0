package dev.quiesce;

import dev.quiesce.internal.Reports;
import dev.quiesce.internal.Stripes;
import dev.quiesce.internal.Tracker;

import java.lang.invoke.MethodHandles;
import java.lang.ref.WeakReference;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A reader–writer semaphore whose shared permits may be released on any thread, whose exclusive
 * side fences every shared permit wherever it is, with a writer-favouring, phase-fair policy and
 * a dead state: the primitive for destroying an object that asynchronous operations still use.
 *
 * <pre>{@code
 * // Every operation on a connection holds a shared permit until it completes, on any thread:
 * Permit p = conn.lifecycle.tryAcquireShared();
 * if (p == null) throw new ClosedChannelException();      // closing, or closed
 * Permit inFlight = p.detach();
 * conn.sendAsync(msg).whenComplete((r, e) -> inFlight.close());
 *
 * // close(): no new operation starts; wait for those in flight; then free for good.
 * conn.lifecycle.kill();
 * conn.freeBuffers();
 * }</pre>
 *
 * <h2>Permits</h2>
 * A shared permit ({@link #acquireShared()} and its forms) may be held by any number of holders
 * at once; an exclusive permit ({@link #acquireExclusive()} and its forms) by one, and never
 * together with a shared one. Permits are not owned by threads: {@link Permit#close()} releases a
 * permit on any thread, and {@link Permit#detach()} hands it over inside a try-with-resources
 * block. Permits are not reentrant: a thread that holds a shared permit and asks for the
 * exclusive one waits for itself for ever. Each permit's {@code close()} happens-before the
 * return of the next exclusive acquire and of {@link #kill()}; an exclusive permit's
 * {@code close()} happens-before the return of every later acquire.
 *
 * <h2>Fairness: writer-favouring and phase-fair</h2>
 * Once a writer waits, no new shared permit is granted: {@link #tryAcquireShared()} returns null
 * and blocking readers queue behind it ({@link #isWriterWaiting()} tells a long reader to finish
 * early). Readers and writers then alternate in <em>phases</em> (Brandenburg and Anderson's
 * phase-fair reader–writer locks): when the shared holders of the current phase have all released,
 * the first queued writer enters; when it releases, <em>every</em> reader queued meanwhile enters
 * at once, even if more writers wait; then the next writer, and so on. Writers are served first
 * come, first served. So a reader waits for at most one writer phase after the read phase it
 * arrived in, and a writer waits for at most one read phase per writer ahead of it: no stream of
 * readers starves a writer and no stream of writers starves readers. A shared permit only fails
 * for a reason it can name: {@code tryAcquireShared()} returns null only if a writer holds or waits
 * or the semaphore is killed — a failed {@link #tryAcquireExclusive()} never makes it fail. The
 * untimed {@code try} forms never wait and never join a queue, so they may overtake queued
 * acquirers; timed and blocking forms queue.
 *
 * <h2>Killing</h2>
 * {@link #kill()} is Jason Gunthorpe's "abandon writer": from the moment it begins no acquire
 * succeeds and {@link #isKilled()} is true; acquirers already queued are woken and fail; it
 * returns once every shared permit, on any thread, and any exclusive permit has been released.
 * Then the semaphore is dead, for ever: {@code try} forms (timed ones included) return null,
 * blocking acquires throw {@link IllegalStateException}, async acquires complete exceptionally
 * with it. {@code kill()} is uninterruptible, like {@code close()}; a second call returns once the
 * semaphore is dead; {@link #kill(long, TimeUnit)} returning false leaves it killing (a later
 * {@code kill()} returns once the last permit is released). {@link Permit#kill()} kills it while holding the exclusive
 * permit, so that it dies without its writer ever releasing.
 *
 * <h2>Footprint and inflation</h2>
 * One instance per object is normal use. An idle instance made by {@link #create()} is one
 * object of 32 bytes on a 64-bit JVM with compressed references (a state word and three
 * references, all null until needed); a name adds the string, settings from the
 * {@linkplain #builder() builder} add one small object. The first time a thread has to queue,
 * readers contend, {@code kill()} is called or the {@linkplain #asReadWriteLock() lock view} is
 * asked for, the semaphore allocates an auxiliary object (a lock
 * and wait queues, a few hundred bytes) that it keeps for the rest of its life. Shared
 * permits are first counted in the state word. When two readers' updates of that word collide,
 * the semaphore <em>inflates</em>: from then on a shared permit owns one of a few padded reader
 * slots, chosen by thread, or, when the slots it tries are all owned (a thread that holds many
 * permits), is counted in a striped, padded reader cell (as
 * {@link java.util.concurrent.atomic.LongAdder} does), so that readers on different cores stop
 * writing one cache line; writers sum slots and cells. When two readers race for one slot, or a
 * reader sees another thread update its cell, the semaphore maps its readers to slots and cells
 * anew (at most once a millisecond), as {@code LongAdder} moves a thread whose update failed.
 * Claiming a slot is one atomic instruction and releasing it a plain store, so an inflated read
 * section costs one atomic instruction instead of two. The price is paid by writers: a release does not fence, so a writer (or
 * {@code kill()}) that starts waiting at the very moment the last reader leaves may not be told,
 * and an inflated semaphore's waiting writers look again by themselves at intervals growing
 * from 50 µs to 1 ms (async writers by a timer on
 * {@link CompletableFuture#delayedExecutor(long, TimeUnit) the common pool}); every other wait
 * is ended by the release that allows it. Permits taken before inflation release correctly after
 * it (a permit remembers where it was counted). An inflated semaphore <b>never deflates</b>:
 * slots and cells (a few hundred bytes) stay for its life.
 *
 * <h2>Allocation-free sections</h2>
 * Each {@code Permit} is an object. For a section acquired and released in one method where that
 * allocation matters, {@link #tryAcquireSharedToken()} with {@link #releaseShared(long)} and
 * {@link #tryAcquireExclusiveToken()} with {@link #releaseExclusive(long)} give the semantics of
 * the untimed {@code try} forms with a {@code long} token, as
 * {@link java.util.concurrent.locks.StampedLock}'s stamps: no allocation, any thread may release
 * it, exactly once. A shared token released twice is detected only when the count it undoes is
 * zero; an exclusive token carries a stamp of its grant, so releasing it twice is detected. Tokens
 * are not tracked by lock-dependency validation, and an exclusive token cannot be downgraded or
 * used to kill: use permits for those.
 *
 * <pre>{@code
 * long t = sem.tryAcquireSharedToken();
 * if (t != 0L) {
 *     try {
 *         return readState();
 *     } finally {
 *         sem.releaseShared(t);
 *     }
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 * A blocking method that must wait spins for up to 10 µs (the
 * release it needs is usually that close on a multiprocessor), then parks; it works on virtual
 * threads without pinning. Async
 * forms never block: their futures are completed by the thread whose release grants the permit
 * (or by {@code kill()}, or by the re-check above); use the {@code …Async} methods of {@link CompletableFuture} to run
 * dependent work elsewhere. Cancelling such a future withdraws the request; a permit granted to a
 * cancelled future is released at once. A waiter that times out, is interrupted or is cancelled
 * leaves no one parked: if it was the writer holding readers back, they enter at once. An
 * interruptible acquire whose permit was granted at the moment the interrupt arrived returns the
 * permit with the thread's interrupt status set, rather than losing it. A writer or
 * killer that waits longer than the {@linkplain Builder#stallThreshold(Duration) stall threshold}
 * is {@linkplain Report.Kind#STALL reported} once.
 *
 * @since 0.1.0
 */
public final class RwSemaphore {

    /*
     * Implementation notes.
     *
     * State word (`state`, a long):
     *
     *   bits  0..31  READERS         shared permits counted in the word
     *   bit   32     EXCLUSIVE       the exclusive permit is held (or granted to a waiter)
     *   bit   33     WRITER_WAITING  a writer is queued: new shared acquires fail (writer bias)
     *   bit   34     READER_QUEUED   a reader is queued: an exclusive release must take the slow path
     *   bit   35     TENTATIVE       a tryAcquireExclusive() of an inflated semaphore is scanning
     *   bit   36     INFLATED        new shared permits count in the reader cells
     *   bit   37     KILLING         kill() has begun: nothing is acquired any more
     *   bit   38     DEAD            killing, and every permit has been released
     *   bit   39     FENCED          never changes: inflated readers count, never own a slot
     *   bits 40..63  STAMP           how many times the exclusive permit was granted, mod 2^24
     *
     * Shared permits are counted either in READERS or, after inflation, in `aux.cells`: cell c
     * is a stride of 128 bytes at index (c + 1) * STRIDE (one stride of padding at each end)
     * holding a slot (its first long) and a counter (half a stride later, on another cache
     * line). A slot is 0 or 1: owned by one permit. A counter counts permits. A permit records
     * where it counted (Permit.where, drawn below) and its release undoes exactly that, so slots
     * and counters are >= 0 at all times and the number of shared holders is READERS + sum(slots
     * and counters) minus the transient claims of readers that are backing out.
     *
     * Where a permit counted — Permit.where, an int — and the long tokens that carry the same
     * fact (the token forms keep no Permit object):
     *
     *   Permit.where          meaning                                    token
     *   MIN_VALUE | s         the exclusive permit, granted with STAMP s  EXCLUSIVE | s << 40
     *                         (s < 2^24; isExclusiveWhere(): below WORD)
     *   -4  KILLED            returned by tryShared() only: killing or dead; never stored
     *   -3  BLOCKED           returned by tryShared() only: a writer holds or waits; never stored
     *   -2                    unused
     *   -1  WORD              a shared permit counted in READERS          1
     *   c, 0 <= c < CELL_COUNT
     *                         a shared permit counted in counter c        2 + c
     *   CELL_COUNT + c        a shared permit that owns slot c            2 + CELL_COUNT + c
     *
     * A shared token is where + 2, so it lies in [1, 2 * CELL_COUNT + 1]; every exclusive token
     * has bit 32 (EXCLUSIVE) set, which no shared token has, so neither kind passes for the other.
     *
     * A thread's slot and cell c is its Stripes cell: its id times the table's multiplier, kept
     * in the leading padding stride. The table gets a new multiplier (at most one a millisecond)
     * when a reader's CAS on a slot it had read as free fails (another reader claimed it in
     * between), or when the add to its counter returned another value than the counter read just
     * before it (another thread counted or released there in between). A slot found owned is no
     * such sign: its owner may be this thread's own permit. Two readers whose ids hashed to
     * one slot otherwise took turns on one cache line for life (issue 12, target 6). A permit's
     * release uses the slot or counter recorded in Permit.where, never the thread's cell, so a
     * new mapping is safe at any time.
     *
     * Fast paths (no lock): a word-mode shared acquire CASes READERS + 1 while no bit that blocks
     * readers is set; an exclusive acquire CASes an idle word (nothing but STAMP, INFLATED and
     * FENCED) to EXCLUSIVE and the next STAMP; releases CAS the count or the bit away while no waiter bit is set. Everything else — queueing, granting, cancelling,
     * killing — happens under `aux.lock`, in dispatch(), which grants what the state and the
     * queues allow. Waiter bits are set only under the lock and by CAS, so a fast-path release
     * either fails its CAS or sees them and takes the lock too: no wake-up is lost. Waiters are
     * granted their permit by the granting thread (a direct hand-off: the state already counts
     * them when they wake), then unparked (or their future completed) after the lock is dropped.
     *
     * Inflated readers (after SRCU's and BRAVO's reader side, BRAVO: USENIX ATC 2019): a reader
     * claims a free slot by CAS 0 -> 1 (its own, c by thread, else up to SLOT_PROBES - 1 next
     * ones) or, if all it tries are owned, adds 1 to counter c; then it reads the state; if a
     * blocking bit is set it gives the slot or count back and fails. A writer sets
     * WRITER_WAITING (or a killer KILLING) and then sums slots and counters. The claim is an
     * atomic read-modify-write and the state read, the bit and the sum are volatile, so in their
     * total order either the reader's claim precedes the writer's sum (the writer sees the reader)
     * or the writer's bit precedes the reader's state read (the reader backs out): Dekker's
     * argument. A reader that leaves (release or back-out) and then sees WRITER_WAITING or KILLING
     * takes the lock and re-runs dispatch(), so the writer parked on a non-zero sum is granted by
     * whichever release or back-out is last.
     *
     * Reader slots: the release of a slot is a plain store of 0 (release mode; no other thread
     * writes an owned slot), so an inflated read section costs one atomic instruction where a
     * counter costs two. The price: with no StoreLoad fence between that store and the state read
     * that follows it, the releaser may read the state before a writer's bit reaches it while the
     * writer's sum runs before the store reaches the writer (the store-buffer litmus). Then
     * neither signals the other. A back-out cannot be caught so (it already read the bit), only a
     * release. So whoever waits for readers of an inflated semaphore with slots looks again by
     * itself: a blocked writer or killer re-runs dispatch() at intervals from POLL_MIN_NANOS
     * doubling to POLL_MAX_NANOS (await()), an async writer has a timer do it (pollLater()). In the
     * common case the releaser does see the bit and the writer is signalled at once. A kill whose
     * timed wait gave up has no one looking: its semaphore then becomes DEAD at the next release
     * that sees KILLING or the next kill(); nothing but kill() can tell KILLING from DEAD, and
     * kill() looks again. Revocable needs the last close() itself to see the death, so its gate
     * has no slots (createFenced(): the FENCED bit, read with the state word the reader reads
     * anyway; a bit rather than a settings object keeps its idle footprint at one object).
     *
     * TENTATIVE exists for one case: tryAcquireExclusive() of an inflated semaphore must claim the
     * word before it sums the cells, but a claim that then fails must not make a concurrent
     * tryAcquireShared() fail (an EXCLUSIVE that is backed out would). So it sets TENTATIVE, sums,
     * and then either turns TENTATIVE into EXCLUSIVE or clears it. A reader that added to its cell
     * and sees TENTATIVE waits (a few instructions of the other thread) for the outcome instead of
     * failing; the Dekker argument above shows that the scan sees every reader that did not see
     * TENTATIVE.
     *
     * Stamps and tokens: every grant of the exclusive permit (to a Permit or a token) adds
     * STAMP_UNIT to the word in the same CAS that sets EXCLUSIVE; the count wraps within STAMP. An
     * exclusive token is EXCLUSIVE | the STAMP of its grant, and releaseExclusive(token) clears
     * EXCLUSIVE only by a CAS from a word with that STAMP: a stale token (released twice, or
     * released after another writer got the permit) is refused and changes nothing, unless 2^24
     * grants came in between (as StampedLock's stamps, the check is only as wide as the stamp).
     * Shared tokens are drawn with Permit.where above. A token given to the release of the
     * other kind is refused, changing nothing, with a message that says which kind it is
     * (badTokenMessage()). Tokens are not tracked by the validator (as the kernel leaves down_read_non_owner
     * untracked): the token forms are for hot paths that take and release in one method.
     *
     * Phase-fair policy (Brandenburg & Anderson, "Spin-based reader-writer synchronization for
     * multiprocessor real-time systems", 2010, PF-RW): readers queue while EXCLUSIVE or
     * WRITER_WAITING is set. An exclusive release (or downgrade) admits every queued reader at
     * once, even with writers queued (their READERS are added to the word in the same CAS that
     * clears EXCLUSIVE); dispatch() with neither EXCLUSIVE nor TENTATIVE set grants the first
     * queued writer once READERS and the cells are zero, and admits queued readers only when no
     * writer is queued. So phases alternate, writers FIFO.
     *
     * Killing: KILLING is set under the lock; dispatch() then fails every queued acquirer and sets
     * DEAD once READERS, EXCLUSIVE, TENTATIVE and the cells are all zero, waking the killers.
     * Releases that see KILLING take the lock, so the last one makes the semaphore dead even when
     * no killer waits any more (kill with a timeout that expired) — except a slot release that
     * missed the bit: see "Reader slots".
     *
     * Happens-before: a release is a volatile write (CAS) of the word or of a counter, or a
     * release-mode store to a slot, that the granting path reads (volatile) before the next
     * exclusive acquire returns; DEAD is written after those reads, and kill() returns after
     * reading DEAD.
     *
     * Figures (stats(), dump()) add no field (an idle semaphore stays 32 bytes): the holders are
     * READERS plus cellSum() (reads only), the queues are counted or copied under aux.lock, which
     * the fast paths never take; a dump takes each queued thread's stack after dropping the lock.
     */

    private static final long READERS = 0xFFFF_FFFFL;
    private static final long EXCLUSIVE = 1L << 32;
    private static final long WRITER_WAITING = 1L << 33;
    private static final long READER_QUEUED = 1L << 34;
    private static final long TENTATIVE = 1L << 35;
    private static final long INFLATED = 1L << 36;
    private static final long KILLING = 1L << 37;
    private static final long DEAD = 1L << 38;
    private static final long FENCED = 1L << 39;
    private static final long STAMP_UNIT = 1L << 40;
    /** Bits 40..63: the exclusive grant count (see "Stamps and tokens"). */
    private static final long STAMP = -STAMP_UNIT;

    /** Bits under which no new shared permit is granted. */
    private static final long BLOCKS_READERS = EXCLUSIVE | WRITER_WAITING | KILLING;
    /** Bits telling a leaving reader that someone may wait for the readers to drain. */
    private static final long DRAIN_WAITED = WRITER_WAITING | KILLING;

    /** Permit.where of a shared permit counted in the state word; below it, exclusive permits. */
    static final int WORD = -1;
    // Results of tryShared() besides a location (>= WORD).
    private static final int BLOCKED = -3;
    private static final int KILLED = -4;

    private static final int STRIDE = 16;          // longs per cell: 128 bytes (>= Stripes.PADDING)
    private static final int CELL_COUNT = cellCount();
    /** Maps a thread's id times the table's multiplier to its slot and cell (see Stripes). */
    private static final int CELL_SHIFT = Stripes.shift(CELL_COUNT);
    /** How many slots a reader tries (its own, then the next ones) before it counts instead. */
    private static final int SLOT_PROBES = Math.min(CELL_COUNT, 4);

    // Wait modes.
    private static final int UNINTERRUPTIBLE = 0;
    private static final int INTERRUPTIBLE = 1;
    private static final int TIMED = 2;

    private static final long MAX_WAIT_NANOS = Long.MAX_VALUE / 4;
    /** Whether a waiter spins before it parks: only with another processor to grant it. */
    private static final boolean SPIN = Runtime.getRuntime().availableProcessors() > 1;
    /** How long a waiter spins before it parks (see spinWhileWaiting()). */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    /** First and longest interval at which a waiting writer looks at an inflated semaphore's slots. */
    private static final long POLL_MIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long POLL_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Settings DEFAULT_SETTINGS =
            new Settings(TimeUnit.SECONDS.toNanos(10), System::nanoTime, Reports::log);

    private volatile long state;
    /** Null for a generated name; see name(). */
    private final String name;
    /** Null for the defaults, so that an idle default instance owns nothing else. */
    private final Settings settings;
    /** Created on first need: wait queues, the lock, the reader cells. Never removed. */
    private volatile Aux aux;

    private RwSemaphore(String name, Settings settings, LockClass lockClass) {
        this(name, settings, lockClass, 0L);
    }

    /** {@code initial}: the state word, 0 or FENCED, set before the semaphore is published. */
    private RwSemaphore(String name, Settings settings, LockClass lockClass, long initial) {
        this.name = name;
        this.settings = settings;
        if (initial != 0L) {
            this.state = initial;                          // before publication: no permit exists yet
        }
        if (Tracker.ENABLED) {                             // no field: an idle instance stays 32 bytes
            Tracker.INSTANCE.register(this, Tracker.INSTANCE.lockClass(lockClass,
                    (initial & FENCED) != 0 ? "Revocable" : "RwSemaphore", name()));
        }
    }

    /**
     * Creates a semaphore with default settings and a generated name.
     *
     * @return a new semaphore
     */
    public static RwSemaphore create() {
        return new RwSemaphore(null, null, null);
    }

    /**
     * Creates a semaphore with default settings.
     *
     * @param name a label for diagnostics; not a key
     * @return a new semaphore
     * @throws NullPointerException if {@code name} is null
     */
    public static RwSemaphore create(String name) {
        return new RwSemaphore(Objects.requireNonNull(name, "name"), null, null);
    }

    /**
     * Returns a builder for a semaphore with non-default settings.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns this semaphore's name (a label, not a key): the one it was given, or
     * {@code "rwsem@"} and its identity hash code in hexadecimal.
     *
     * @return the name
     */
    public String name() {
        return name != null ? name
                : (isRevocableGate() ? "revocable@" : "rwsem@") + Integer.toHexString(System.identityHashCode(this));
    }

    // ------------------------------------------------------------------------------------------
    // Shared side

    /**
     * Acquires a shared permit if one is available now: no writer holds or waits and the
     * semaphore is not killed. Never blocks and never joins a queue. Never fails for any other
     * reason: a concurrent {@code tryAcquireExclusive()} that fails does not make it fail.
     *
     * @return an open shared permit, or null if a writer holds or waits, or the semaphore is
     *         killing or dead (null does not say which)
     */
    public Permit tryAcquireShared() {
        return owned(trySharedPermit());                   // a try never waits: no order to check
    }

    private Permit trySharedPermit() {
        int w = tryShared();
        return w >= WORD ? new Permit(this, w) : null;
    }

    /**
     * As {@link #tryAcquireShared()}, without allocating: returns a token for
     * {@link #releaseShared(long)} instead of a {@link Permit}, as
     * {@link java.util.concurrent.locks.StampedLock#tryReadLock()} does. The token may be released
     * on any thread, exactly once; a second release of a valid token is detected only when the
     * count it undoes is already zero.
     *
     * @return a non-zero token, or 0 if a writer holds or waits, or the semaphore is killed
     */
    public long tryAcquireSharedToken() {
        int w = tryShared();
        return w >= WORD ? w + 2L : 0L;
    }

    /**
     * Releases a shared permit taken by {@link #tryAcquireSharedToken()}, on any thread.
     *
     * @param token what {@code tryAcquireSharedToken()} returned
     * @throws IllegalArgumentException if this semaphore cannot have returned {@code token} as a
     *         shared token (an exclusive token, 0, another semaphore's token, or not a token); no
     *         count changes
     * @throws IllegalStateException if the count it would undo is zero (a token released twice);
     *         no count changes
     */
    public void releaseShared(long token) {
        if (token == WORD + 2L) {
            releaseWord();
            return;
        }
        // A cell token (2 + c): valid only once the cells exist, read once here.
        Aux a = aux;
        long[] cells;
        if (token < 2L || token > 2L * CELL_COUNT + 1L || a == null || (cells = a.cells) == null) {
            throw new IllegalArgumentException(badTokenMessage("releaseShared", token));
        }
        releaseCell(a, cells, (int) token - 2);
    }

    /**
     * Acquires a shared permit, waiting while a writer holds or waits (phase-fair: see the class
     * documentation).
     *
     * @return an open shared permit
     * @throws InterruptedException if interrupted before or while waiting; nothing is acquired
     * @throws IllegalStateException if the semaphore is killed, or is killed while waiting
     */
    public Permit acquireShared() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        checkOrder(Tracker.READ);
        return owned(acquire(false, INTERRUPTIBLE, 0L));
    }

    /**
     * As {@link #acquireShared()}, ignoring interrupts; the interrupt status is set again on
     * return if the thread was interrupted while waiting.
     *
     * @return an open shared permit
     * @throws IllegalStateException if the semaphore is killed, or is killed while waiting
     */
    public Permit acquireSharedUninterruptibly() {
        checkOrder(Tracker.READ);
        try {
            return owned(acquire(false, UNINTERRUPTIBLE, 0L));
        } catch (InterruptedException e) {
            throw new AssertionError("uninterruptible wait threw", e);
        }
    }

    /**
     * As {@link #acquireShared()}, waiting at most the given time; a non-positive timeout does
     * not wait ({@link #tryAcquireShared()}).
     *
     * @param timeout how long to wait
     * @param unit the unit of {@code timeout}
     * @return an open shared permit, or null on timeout or if the semaphore is killed
     * @throws InterruptedException if interrupted before or while waiting; nothing is acquired
     * @throws NullPointerException if {@code unit} is null
     */
    public Permit tryAcquireShared(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = deadline(timeout, unit);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (timeout <= 0) {
            return tryAcquireShared();
        }
        checkOrder(Tracker.READ);
        return owned(acquire(false, TIMED, deadline));
    }

    /**
     * Requests a shared permit without blocking. The future completes with the permit when it is
     * granted — at once if available — on the thread that grants it, or exceptionally with
     * {@link IllegalStateException} if the semaphore is or gets killed first. Cancelling the
     * future withdraws the request (a permit granted concurrently is released).
     *
     * @return a future of an open shared permit
     */
    public CompletableFuture<Permit> acquireSharedAsync() {
        return acquireAsync(false);
    }

    // ------------------------------------------------------------------------------------------
    // Exclusive side

    /**
     * Acquires the exclusive permit if it is free now: no permit is held and no one is queued.
     * Never blocks and never joins a queue; a failed call leaves no trace (readers are not held
     * back by it).
     *
     * @return the open exclusive permit, or null if it is held, shared permits are held,
     *         acquirers are queued, or the semaphore is killed
     */
    public Permit tryAcquireExclusive() {
        return owned(tryExclusivePermit());                // a try never waits: no order to check
    }

    /**
     * As {@link #tryAcquireExclusive()}, without allocating: returns a token for
     * {@link #releaseExclusive(long)} instead of a {@link Permit}, as
     * {@link java.util.concurrent.locks.StampedLock#tryWriteLock()} does. The token may be
     * released on any thread, exactly once. It carries a stamp of this grant of the exclusive
     * permit, so a token released twice, released after another writer got the permit, or given
     * to another semaphore is refused — unless the stamps happen to match, which takes
     * 2<sup>24</sup> exclusive grants in between (or chance, for another semaphore's token). The
     * token form is not tracked by lock-dependency validation, and offers no downgrade or kill:
     * use the {@code Permit} form for those.
     *
     * @return a non-zero token, or 0 if the exclusive permit is held, shared permits are held,
     *         acquirers are queued, or the semaphore is killed (0 does not say which)
     */
    public long tryAcquireExclusiveToken() {
        long n = tryExclusive();
        return n == 0L ? 0L : (n & STAMP) | EXCLUSIVE;
    }

    /**
     * Releases the exclusive permit taken by {@link #tryAcquireExclusiveToken()}, on any thread.
     * As {@link Permit#close()} on an exclusive permit, it happens-before the return of every
     * later acquire, and lets in what waits: every reader queued meanwhile, else the next writer.
     *
     * @param token what {@code tryAcquireExclusiveToken()} returned
     * @throws IllegalArgumentException if {@code token} is not an exclusive token (0, a shared
     *         token, or not a token); nothing changes
     * @throws IllegalStateException if the permit of this token is not held: the token was
     *         already released, or it is another semaphore's; nothing changes
     */
    public void releaseExclusive(long token) {
        if ((token & ~STAMP) != EXCLUSIVE) {
            throw new IllegalArgumentException(badTokenMessage("releaseExclusive", token));
        }
        releaseExclusive(token & STAMP, true);
    }

    private Permit tryExclusivePermit() {
        long n = tryExclusive();
        return n == 0L ? null : new Permit(this, exclusiveWhere(n));
    }

    /** Permit.where of the exclusive permit granted by word {@code n}: its stamp, below WORD. */
    private static int exclusiveWhere(long n) {
        return (int) (n >>> 40) | Integer.MIN_VALUE;
    }

    /** Whether Permit.where denotes the exclusive permit. */
    static boolean isExclusiveWhere(int where) {
        return where < WORD;
    }

    /**
     * Tries to take the exclusive permit without queueing; returns the word that granted it
     * (EXCLUSIVE set, its STAMP the grant's), or 0 if it is not free.
     */
    private long tryExclusive() {
        for (;;) {
            long s = state;
            if ((s & ~(INFLATED | STAMP | FENCED)) != 0) {
                return 0L;
            }
            if ((s & INFLATED) == 0) {
                long n = (s + STAMP_UNIT) | EXCLUSIVE;
                if (STATE.compareAndSet(this, s, n)) {
                    return n;
                }
                continue;
            }
            // Inflated and the word is idle: claim tentatively, then sum the cells. A reader
            // whose add precedes our claim is seen by the sum; one whose state read follows the
            // claim sees TENTATIVE and waits for the outcome instead of failing.
            Aux a = aux;
            if (cellSum(a) != 0) {
                return 0L;
            }
            if (!STATE.compareAndSet(this, s, s | TENTATIVE)) {
                continue;
            }
            boolean free = cellSum(a) == 0;
            long t;
            long n;
            do {
                t = state;
                n = t & ~TENTATIVE;
                if (free && (t & KILLING) == 0) {
                    n = (n + STAMP_UNIT) | EXCLUSIVE;
                }
            } while (!STATE.compareAndSet(this, t, n));
            if ((n & EXCLUSIVE) != 0) {
                return n;
            }
            // Backed out: whoever queued or began killing while we scanned was not served.
            if ((n & (DRAIN_WAITED | READER_QUEUED)) != 0) {
                signal(a);
            }
            return 0L;
        }
    }

    /**
     * Acquires the exclusive permit, waiting until every shared permit, wherever it is, and any
     * exclusive permit has been released. From the moment it waits, new shared acquires fail or
     * queue behind it.
     *
     * @return the open exclusive permit
     * @throws InterruptedException if interrupted before or while waiting; nothing is acquired,
     *         and the readers it held back proceed
     * @throws IllegalStateException if the semaphore is killed, or is killed while waiting
     */
    public Permit acquireExclusive() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        checkOrder(Tracker.WRITE);
        return owned(acquire(true, INTERRUPTIBLE, 0L));
    }

    /**
     * As {@link #acquireExclusive()}, ignoring interrupts; the interrupt status is set again on
     * return if the thread was interrupted while waiting.
     *
     * @return the open exclusive permit
     * @throws IllegalStateException if the semaphore is killed, or is killed while waiting
     */
    public Permit acquireExclusiveUninterruptibly() {
        checkOrder(Tracker.WRITE);
        try {
            return owned(acquire(true, UNINTERRUPTIBLE, 0L));
        } catch (InterruptedException e) {
            throw new AssertionError("uninterruptible wait threw", e);
        }
    }

    /**
     * As {@link #acquireExclusive()}, waiting at most the given time; a non-positive timeout does
     * not wait ({@link #tryAcquireExclusive()}). On timeout the readers it held back proceed.
     *
     * @param timeout how long to wait
     * @param unit the unit of {@code timeout}
     * @return the open exclusive permit, or null on timeout or if the semaphore is killed
     * @throws InterruptedException if interrupted before or while waiting; nothing is acquired
     * @throws NullPointerException if {@code unit} is null
     */
    public Permit tryAcquireExclusive(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = deadline(timeout, unit);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (timeout <= 0) {
            return tryAcquireExclusive();
        }
        checkOrder(Tracker.WRITE);
        return owned(acquire(true, TIMED, deadline));
    }

    /**
     * Requests the exclusive permit without blocking; see {@link #acquireSharedAsync()} for how
     * the future completes. While the request is queued, new shared acquires fail or queue.
     *
     * @return a future of the open exclusive permit
     */
    public CompletableFuture<Permit> acquireExclusiveAsync() {
        return acquireAsync(true);
    }

    /**
     * Returns whether a writer is queued for the exclusive permit — a long reader's cue to finish
     * early. A snapshot; false while a writer holds the permit with no other writer queued.
     *
     * @return whether a writer waits
     */
    public boolean isWriterWaiting() {
        return (state & WRITER_WAITING) != 0;
    }

    // ------------------------------------------------------------------------------------------
    // The java.util.concurrent.locks view

    /**
     * Returns this semaphore as a {@link ReadWriteLock}, for code that takes one: its read lock
     * takes a shared permit and its write lock the exclusive permit, with this semaphore's
     * writer-favouring, phase-fair policy, its {@link #kill()} and lock-dependency validation.
     * Every call returns the same view.
     *
     * <p>Unlike permits, the view's locks <b>belong to the thread that took them</b>, as
     * {@link ReentrantReadWriteLock}'s do: {@code unlock()} on a thread that does not hold the
     * lock throws {@link IllegalMonitorStateException} (to release on another thread, use
     * permits). The view is <b>not reentrant</b>, and says so at once instead of waiting for
     * itself: {@code lock()} or {@code tryLock()} of a lock the thread already holds, and the
     * write lock while the thread holds the read lock (there is no upgrade), throw
     * {@link IllegalStateException} and change nothing. One form of nesting is supported: the
     * downgrade of {@code ReentrantReadWriteLock}'s documentation — holding the write lock, take
     * the read lock, then unlock the write lock: the write permit is {@linkplain Permit#downgrade()
     * downgraded} atomically, so no writer gets in between, and the thread then holds the read
     * lock.
     *
     * <table class="striped">
     * <caption>The view's methods on this semaphore</caption>
     * <tr><th>method</th><th>read lock</th><th>write lock</th></tr>
     * <tr><td>{@code lock()}</td><td>{@link #acquireSharedUninterruptibly()}</td>
     *     <td>{@link #acquireExclusiveUninterruptibly()}</td></tr>
     * <tr><td>{@code lockInterruptibly()}</td><td>{@link #acquireShared()}</td><td>{@link #acquireExclusive()}</td></tr>
     * <tr><td>{@code tryLock()}</td><td>{@link #tryAcquireShared()}: false while a writer holds
     *     or waits</td><td>{@link #tryAcquireExclusive()}</td></tr>
     * <tr><td>{@code tryLock(time, unit)}</td><td>{@link #tryAcquireShared(long, TimeUnit)}</td>
     *     <td>{@link #tryAcquireExclusive(long, TimeUnit)}</td></tr>
     * <tr><td>{@code unlock()}</td><td colspan="2">{@link Permit#close()} of the permit the
     *     thread took</td></tr>
     * <tr><td>{@code newCondition()}</td><td>{@link UnsupportedOperationException}</td>
     *     <td>a {@link Condition}: {@code await} releases the write lock and takes it again
     *     before it returns</td></tr>
     * </table>
     *
     * <p>Killed: every lock method of a killed semaphore throws {@link IllegalStateException} —
     * {@code tryLock} too, rather than returning false for ever, and the read lock taken under
     * the write lock too — and {@code kill()} waits for the locks held through the view as for
     * any permit. {@code kill()} also ends every condition wait: an {@code await}, signalled or
     * not, that cannot take the write lock again because the semaphore was killed throws
     * {@link IllegalStateException}; the thread then does not hold the write lock, and its next
     * write-lock {@code unlock()} does nothing, so that in
     * {@code lock(); try { c.await(); } finally { unlock(); }} the caller sees the kill.
     *
     * <p>Each lock held is a {@link Permit} (one small allocation, as the {@code Permit} forms);
     * the view keeps it per thread in a {@link ThreadLocal} of its own, only while the thread
     * holds something through the view: a thread that has used the views of a million
     * semaphores keeps no entry for them.
     *
     * @return the read-write lock view of this semaphore
     * @since 0.1.0
     */
    public ReadWriteLock asReadWriteLock() {
        Aux a = aux();
        RwSemaphoreLock v = a.view;
        if (v == null) {
            a.lock.lock();
            try {
                v = a.view;
                if (v == null) {
                    v = new RwSemaphoreLock(this);
                    a.view = v;
                }
            } finally {
                a.lock.unlock();
            }
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------
    // Killing

    /**
     * Kills the semaphore: from the moment this method begins nothing is acquired any more and
     * {@link #isKilled()} is true; queued acquirers are woken and fail; then it waits until every
     * shared permit, on any thread, and any exclusive permit has been released, and returns with
     * the semaphore dead for ever. Uninterruptible, like {@code close()}: the interrupt status is
     * set again on return if the thread was interrupted while waiting. Idempotent: a later or
     * concurrent call returns once the semaphore is dead.
     *
     * <p>Do not call it while holding a permit of this semaphore on the same path: it would wait
     * for itself. To kill while holding the exclusive permit, use {@link Permit#kill()}.
     */
    public void kill() {
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.waitFor(lockClass(), this, Tracker.WRITE, isRevocableGate() ? "revoke()" : "kill()");
        }
        try {
            killAndWait(UNINTERRUPTIBLE, 0L);
        } catch (InterruptedException e) {
            throw new AssertionError("uninterruptible wait threw", e);
        }
    }

    /**
     * As {@link #kill()}, waiting at most the given time for the permits to be released. On
     * timeout the semaphore stays killing: nothing is acquired any more, and it dies when the
     * last permit is released. A non-positive timeout does not wait.
     *
     * @param timeout how long to wait
     * @param unit the unit of {@code timeout}
     * @return true if the semaphore is dead, false on timeout
     * @throws InterruptedException if interrupted before or while waiting; it stays killing
     * @throws NullPointerException if {@code unit} is null
     */
    public boolean kill(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = deadline(timeout, unit);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.waitFor(lockClass(), this, Tracker.WRITE,
                    isRevocableGate() ? "revoke(long, TimeUnit)" : "kill(long, TimeUnit)");
        }
        return killAndWait(TIMED, deadline);
    }

    /**
     * Returns whether killing has begun (it may still wait for permits to be released). Once true,
     * stays true, and nothing is acquired any more.
     *
     * @return whether {@code kill()} has begun
     */
    public boolean isKilled() {
        return (state & KILLING) != 0;
    }

    /**
     * Creates a semaphore whose inflated readers always count (an atomic add and subtract) and
     * never own a slot, so that every release that follows the start of a kill sees KILLING and
     * the last one makes the semaphore dead: for Revocable, whose release action must run in the
     * close() of the last access even after a revoke() that timed out and no longer waits.
     */
    static RwSemaphore createFenced(String name) {
        return new RwSemaphore(name, null, null, FENCED);  // null: a generated "revocable@…" name
    }

    /**
     * For tests: releases a shared token whose permit owns a slot as a release whose read of the
     * state missed WRITER_WAITING or KILLING would (see releaseSlot()): the slot is freed and no
     * one is signalled. Returns false, changing nothing, if the token's permit owns no slot.
     */
    boolean releaseSlotUnsignalled(long token) {
        int where = (int) token - 2;
        Aux a = aux;
        if (where < CELL_COUNT || where >= 2 * CELL_COUNT || a == null || a.cells == null) {
            return false;
        }
        CELLS.setRelease(a.cells, slotAt(where), 0L);
        return true;
    }

    /** For tests: inflates now, as reader contention would. */
    void inflateNow() {
        inflate();
    }

    /** For tests: the number of reader slots and cells of an inflated semaphore. */
    static int readerCellCount() {
        return CELL_COUNT;
    }

    /** For tests: the reader slots and cells (a Stripes table), or null before inflation. */
    long[] readerTable() {
        Aux a = aux;
        return a == null ? null : a.cells;
    }

    /** For tests: whether shared permits now count in the reader cells. */
    boolean isInflated() {
        return (state & INFLATED) != 0;
    }

    /** For tests: how many acquirers of the given kind are queued. */
    int queued(boolean exclusive) {
        Aux a = aux;
        if (a == null) {
            return 0;
        }
        a.lock.lock();
        try {
            return exclusive ? a.writers.size() : a.readers.size();
        } finally {
            a.lock.unlock();
        }
    }

    /** For tests: how many kill() calls wait. */
    int killersWaiting() {
        Aux a = aux;
        if (a == null) {
            return 0;
        }
        a.lock.lock();
        try {
            return a.killers.size();
        } finally {
            a.lock.unlock();
        }
    }

    /** Returns whether the semaphore is dead: killed, with every permit released. */
    boolean isDead() {
        return (state & DEAD) != 0;
    }

    // ------------------------------------------------------------------------------------------
    // Internals: the shared fast path

    /** Tries to count a shared permit; returns where it counted (>= WORD), BLOCKED or KILLED. */
    private int tryShared() {
        for (;;) {
            long s = state;
            if ((s & BLOCKS_READERS) != 0) {
                return (s & KILLING) != 0 ? KILLED : BLOCKED;
            }
            if ((s & INFLATED) != 0) {
                return tryCell(aux, (s & FENCED) == 0);
            }
            if ((s & READERS) == READERS) {
                throw new IllegalStateException(this + " has too many shared permits");
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return WORD;
            }
            // Lost a race. If it was with another reader, readers contend on this word: inflate.
            long t = state;
            if ((t & (BLOCKS_READERS | INFLATED)) == 0 && (t & READERS) != (s & READERS)) {
                inflate();
            }
        }
    }

    /** The shared acquire of an inflated semaphore (see "Inflated readers" in the notes). */
    private int tryCell(Aux a, boolean slots) {
        long[] cells = a.cells;            // written before INFLATED was set
        int c = Stripes.cell(cells, CELL_SHIFT);
        int where = slots ? claimSlot(cells, c) : -1;
        int at;
        if (where >= 0) {
            at = slotAt(where);
        } else {
            where = c;                     // every slot taken: count in this thread's cell
            at = counterAt(c);
            Stripes.increment(cells, at);  // and a new mapping if another thread counted here
        }
        for (int spins = 0;; spins++) {
            // Our add precedes this read in the total order of volatile accesses. A writer that
            // set WRITER_WAITING (or a killer KILLING, a try-writer TENTATIVE) before it is seen
            // here; one that sets it after will sum the cells after our add and see us.
            long s = state;
            if ((s & (BLOCKS_READERS | TENTATIVE)) == 0) {
                return where;              // the common case first: one test
            }
            if ((s & BLOCKS_READERS) != 0) {
                if (where >= CELL_COUNT) {
                    CELLS.setRelease(cells, at, 0L);   // our slot: no one else writes it
                } else {
                    CELLS.getAndAdd(cells, at, -1L);
                }
                // Back-out: a writer or killer may have summed the cells with our add in them.
                if ((state & DRAIN_WAITED) != 0) {
                    signal(a);
                }
                return (s & KILLING) != 0 ? KILLED : BLOCKED;
            }
            // A tryAcquireExclusive() is scanning: its outcome decides ours, in a few steps.
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /**
     * Claims a free slot, this thread's first (c), else the next ones; returns its Permit.where
     * (CELL_COUNT + slot), or -1 if all are taken. A slot is read before the CAS so that a
     * thread whose slot is taken does not pull the owner's cache line away for nothing. A CAS
     * that fails on a slot read as free means another reader claimed it meanwhile: that reader
     * asks for a new mapping (Stripes.contended(cells)).
     */
    private static int claimSlot(long[] cells, int c) {
        for (int i = 0; i < SLOT_PROBES; i++) {
            int slot = (c + i) & (CELL_COUNT - 1);
            int at = (slot + 1) * STRIDE;
            if ((long) CELLS.getOpaque(cells, at) == 0L) {
                if (CELLS.compareAndSet(cells, at, 0L, 1L)) {
                    return CELL_COUNT + slot;
                }
                Stripes.contended(cells);  // claimed by another reader between our read and CAS
            }
        }
        return -1;
    }

    /** Index in the cells array of the slot of Permit.where {@code w} (CELL_COUNT + slot). */
    private static int slotAt(int w) {
        return (w - CELL_COUNT + 1) * STRIDE;
    }

    /** Index in the cells array of the counter of cell {@code c}: half a stride after its slot. */
    private static int counterAt(int c) {
        return (c + 1) * STRIDE + STRIDE / 2;
    }

    private void inflate() {
        Aux a = aux();
        if (a.cells == null) {
            a.lock.lock();
            try {
                if (a.cells == null) {
                    a.cells = Stripes.init(new long[(CELL_COUNT + 2) * STRIDE]);
                }
            } finally {
                a.lock.unlock();
            }
        }
        // The CAS publishes the cells (written before it) to every reader that sees INFLATED.
        for (;;) {
            long s = state;
            if ((s & INFLATED) != 0 || STATE.compareAndSet(this, s, s | INFLATED)) {
                return;
            }
        }
    }

    private static long cellSum(Aux a) {
        long[] cells = a == null ? null : a.cells;
        if (cells == null) {
            return 0L;
        }
        long sum = 0L;
        for (int c = 0; c < CELL_COUNT; c++) {
            int at = (c + 1) * STRIDE;
            sum += (long) CELLS.getVolatile(cells, at) + (long) CELLS.getVolatile(cells, at + STRIDE / 2);
        }
        return sum;
    }

    // ------------------------------------------------------------------------------------------
    // Internals: releases

    /** Undoes the count of a permit counted at {@code where}. */
    void release(int where) {
        if (where < WORD) {
            releaseExclusive(stampOf(where), false);
        } else if (where == WORD) {
            releaseWord();
        } else {
            Aux a = aux;
            releaseCell(a, a.cells, where);
        }
    }

    private void releaseWord() {
        for (;;) {
            long s = state;
            if ((s & READERS) == 0) {
                throw new IllegalStateException(overReleaseMessage());
            }
            long n = s - 1;
            if (STATE.compareAndSet(this, s, n)) {
                // The last word reader hands over to a writer or killer that waits for it.
                if ((n & READERS) == 0 && (n & DRAIN_WAITED) != 0) {
                    signal(aux);
                }
                return;
            }
        }
    }

    private void releaseCell(Aux a, long[] cells, int where) {
        if (where >= CELL_COUNT) {
            releaseSlot(a, cells, slotAt(where));
            return;
        }
        int at = counterAt(where);
        // A CAS loop, never a blind decrement: a cell must not go below zero even when a permit
        // is released twice, or a writer's sum could add a reader's +1 in one cell to a -1 in
        // another, get zero, and enter under the reader. The first CAS guesses 1 (this permit
        // alone in its cell, the common case) so that no load precedes it; a wrong guess costs
        // one failed CAS, which returns the count to retry with.
        long v = 1L;
        for (;;) {
            long w = (long) CELLS.compareAndExchange(cells, at, v, v - 1);
            if (w == v) {
                break;
            }
            if (w <= 0) {
                throw new IllegalStateException(overReleaseMessage());
            }
            v = w;
        }
        // Our decrement precedes this read. A writer that sets WRITER_WAITING after it sums the
        // cells after our decrement; one that set it before is seen here, and we re-run dispatch.
        if ((state & DRAIN_WAITED) != 0) {
            signal(a);
        }
    }

    /**
     * Releases an owned slot: a plain store, no atomic read-modify-write, because nothing else
     * writes a slot while it is owned. The price is paid by writers: with no StoreLoad fence
     * between our store and the state read below, a writer may set WRITER_WAITING and sum the
     * slots while our store still sits in this core's store buffer (it sees the slot taken) while
     * our read misses its bit (we do not signal it). Such a writer is not lost: a writer or
     * killer of an inflated semaphore re-runs dispatch() itself at intervals while it waits (see
     * await()), and our store is visible by then. The release store pairs with the volatile read
     * of the slot in cellSum(), so this release happens-before the grant that reads it as free.
     */
    private void releaseSlot(Aux a, long[] cells, int at) {
        if ((long) CELLS.getOpaque(cells, at) != 1L) {
            throw new IllegalStateException(overReleaseMessage());
        }
        CELLS.setRelease(cells, at, 0L);
        if ((state & DRAIN_WAITED) != 0) {
            signal(a);
        }
    }

    private static long stampOf(int exclusiveWhere) {
        return ((long) exclusiveWhere & 0xFF_FFFFL) << 40;
    }

    /** Whether word {@code s} has the exclusive permit granted with {@code stamp} (STAMP bits). */
    private static boolean heldWith(long s, long stamp) {
        return (s & EXCLUSIVE) != 0 && (s & STAMP) == stamp;
    }

    /**
     * Releases the exclusive permit of the grant {@code stamp} (STAMP bits; see "Stamps and
     * tokens"); if that grant is not held (released already), throws and changes nothing.
     */
    private void releaseExclusive(long stamp, boolean token) {
        for (;;) {
            // The stamp is checked on the word that the CAS below replaces: if another release
            // and a new grant come in between, the CAS fails and the next round sees their stamp.
            // So of racing releases of one grant (a permit closed twice at once, a token released
            // twice) exactly one succeeds.
            long s = state;
            if (!heldWith(s, stamp)) {
                throw new IllegalStateException(token ? staleTokenMessage(stamp | EXCLUSIVE) : overReleaseMessage());
            }
            if ((s & (WRITER_WAITING | READER_QUEUED | KILLING)) != 0) {
                break;
            }
            if (STATE.compareAndSet(this, s, s & ~EXCLUSIVE)) {
                return;
            }
        }
        Aux a = aux;                       // waiter bits are set only after aux exists
        Waiter fired;
        boolean held;
        a.lock.lock();
        try {
            held = endWritePhase(a, 0, stamp);
            dispatch(a);
            fired = a.takeFired();
        } finally {
            a.lock.unlock();
        }
        wake(fired);
        if (!held) {
            throw new IllegalStateException(token ? staleTokenMessage(stamp | EXCLUSIVE) : overReleaseMessage());
        }
    }

    /**
     * Under the lock: if the grant {@code stamp} holds the exclusive permit, clears EXCLUSIVE,
     * adds {@code extra} shared permits to the word, and admits every queued reader in the same
     * step (the end of a write phase); otherwise (a racing release of the same grant came
     * first) changes nothing and returns false.
     */
    private boolean endWritePhase(Aux a, int extra, long stamp) {
        for (;;) {
            long s = state;
            if (!heldWith(s, stamp)) {
                return false;
            }
            int queued = (s & KILLING) != 0 ? 0 : a.readers.size();
            long n = (s & ~EXCLUSIVE) + extra + queued;
            if (queued > 0) {
                n &= ~READER_QUEUED;
            }
            if (STATE.compareAndSet(this, s, n)) {
                if (queued > 0) {
                    grantAllReaders(a);
                }
                return true;
            }
        }
    }

    /** Implements {@link Permit#downgrade()} of the exclusive permit counted at {@code where}. */
    Permit downgrade(int where) {
        long stamp = stampOf(where);
        for (;;) {
            long s = state;
            if (!heldWith(s, stamp)) {
                throw new IllegalStateException(notHeldMessage("downgrade"));
            }
            if ((s & (WRITER_WAITING | READER_QUEUED | KILLING)) != 0) {
                break;
            }
            if (STATE.compareAndSet(this, s, (s & ~EXCLUSIVE) + 1)) {
                return new Permit(this, WORD);
            }
        }
        Aux a = aux;
        Waiter fired;
        boolean held;
        a.lock.lock();
        try {
            held = endWritePhase(a, 1, stamp);
            dispatch(a);
            fired = a.takeFired();
        } finally {
            a.lock.unlock();
        }
        wake(fired);
        if (!held) {
            throw new IllegalStateException(notHeldMessage("downgrade"));
        }
        return new Permit(this, WORD);
    }

    /** Implements {@link Permit#kill()} with the exclusive permit counted at {@code where}. */
    void killHeld(int where) {
        long stamp = stampOf(where);
        Aux a = aux();
        Waiter fired;
        boolean held = true;
        a.lock.lock();
        try {
            for (;;) {
                long s = state;
                if (!heldWith(s, stamp)) {
                    held = false;          // released already by a racing close of the handle
                    break;
                }
                // With the exclusive permit held no shared permit exists: dead at once.
                if (STATE.compareAndSet(this, s, (s & ~EXCLUSIVE) | KILLING | DEAD)) {
                    break;
                }
            }
            dispatch(a);
            fired = a.takeFired();
        } finally {
            a.lock.unlock();
        }
        wake(fired);
        if (!held) {
            throw new IllegalStateException(notHeldMessage("kill with"));
        }
        tellView(a);
    }

    /** After KILLING is set: the lock view's condition waiters are not in the queues; wake them. */
    private static void tellView(Aux a) {
        RwSemaphoreLock v = a.view;       // read after the state CAS: see RwSemaphoreLock's notes
        if (v != null) {
            v.killed();
        }
    }

    /** Takes the lock and re-runs dispatch(): a reader left, or a try-writer backed out. */
    private void signal(Aux a) {
        Waiter fired;
        a.lock.lock();
        try {
            dispatch(a);
            fired = a.takeFired();
        } finally {
            a.lock.unlock();
        }
        wake(fired);
    }

    /**
     * Under the lock: makes the waiter bits match the queues and grants whatever the state
     * allows (see "Phase-fair policy" and "Killing" in the notes). Granted and failed waiters are
     * pushed on the fired list, to be woken after the lock is released.
     */
    private void dispatch(Aux a) {
        for (;;) {
            long s = state;
            if ((s & KILLING) != 0) {
                a.failAll();
                long n = s & ~(WRITER_WAITING | READER_QUEUED);
                // KILLING blocks every acquire and every reader that adds to a cell backs out, so
                // a zero sum read after KILLING stays zero.
                if ((n & DEAD) == 0 && (n & (READERS | EXCLUSIVE | TENTATIVE)) == 0 && cellSum(a) == 0) {
                    n |= DEAD;
                }
                if (n == s || STATE.compareAndSet(this, s, n)) {
                    if ((n & DEAD) != 0) {
                        a.releaseKillers();
                    }
                    return;
                }
                continue;
            }
            long bits = (a.writers.isEmpty() ? 0 : WRITER_WAITING) | (a.readers.isEmpty() ? 0 : READER_QUEUED);
            long n = (s & ~(WRITER_WAITING | READER_QUEUED)) | bits;
            if (n != s) {
                // Bits first: the sums below must be read while WRITER_WAITING is published.
                STATE.compareAndSet(this, s, n);
                continue;
            }
            if ((s & (EXCLUSIVE | TENTATIVE)) != 0) {
                return;                    // the holder's release (or the try-writer) re-runs us
            }
            Waiter w = a.writers.peekFirst();
            if (w != null) {
                // WRITER_WAITING has been set since before this read, so every reader that adds
                // to a cell after the sum below backs out.
                if ((s & READERS) != 0 || cellSum(a) != 0) {
                    return;                // the last reader to leave re-runs us
                }
                long g = (s + STAMP_UNIT) | EXCLUSIVE;
                if (a.writers.size() == 1) {
                    g &= ~WRITER_WAITING;
                }
                if (STATE.compareAndSet(this, s, g)) {
                    a.writers.pollFirst();
                    a.fire(w, new Permit(this, exclusiveWhere(g)));
                    return;
                }
                continue;
            }
            if (!a.readers.isEmpty()) {
                int queued = a.readers.size();
                if (STATE.compareAndSet(this, s, (s & ~READER_QUEUED) + queued)) {
                    grantAllReaders(a);
                    return;
                }
                continue;
            }
            return;
        }
    }

    private void grantAllReaders(Aux a) {
        for (Waiter r; (r = a.readers.pollFirst()) != null; ) {
            a.fire(r, new Permit(this, WORD));
        }
    }

    // ------------------------------------------------------------------------------------------
    // Internals: queueing and waiting

    private Permit acquire(boolean exclusive, int mode, long deadline) throws InterruptedException {
        if (exclusive) {
            Permit p = tryExclusivePermit();
            if (p != null) {
                return p;
            }
        } else {
            int w = tryShared();
            if (w >= WORD) {
                return new Permit(this, w);
            }
        }
        Waiter node = new Waiter(exclusive ? Waiter.WRITER : Waiter.READER, Thread.currentThread(), null);
        if (!enqueue(node)) {
            if (mode == TIMED) {
                return null;
            }
            throw killedError();
        }
        if (node.permit != null && node.status == Waiter.GRANTED) {
            return node.permit;
        }
        if (!await(node, mode, deadline)) {
            return null;                   // timed out
        }
        if (node.status == Waiter.GRANTED) {
            return node.permit;
        }
        if (mode == TIMED) {
            return null;
        }
        throw killedError();
    }

    private CompletableFuture<Permit> acquireAsync(boolean exclusive) {
        Permit p = exclusive ? tryExclusivePermit() : trySharedPermit();
        if (p != null) {
            return CompletableFuture.completedFuture(unowned(p));
        }
        CompletableFuture<Permit> f = new CompletableFuture<>();
        Waiter node = new Waiter(exclusive ? Waiter.WRITER : Waiter.READER, null, f);
        if (!enqueue(node)) {
            f.completeExceptionally(killedError());
            return f;
        }
        // A user's cancel() (or any exceptional completion by others) withdraws the request.
        f.whenComplete((v, e) -> {
            if (e != null) {
                cancel(node);
            }
        });
        // A queued writer waits for readers; if they may own slots, a release can miss its bit
        // (see releaseSlot()) and no thread of ours waits to look again: a timer does. Slots
        // exist only once INFLATED is set, and INFLATED read after our WRITER_WAITING was
        // published shows whether any reader could have claimed one without backing out.
        if (exclusive && node.status == Waiter.WAITING && (state & (INFLATED | FENCED)) == INFLATED) {
            pollLater(node, POLL_MIN_NANOS);
        }
        return f;
    }

    /**
     * Re-runs dispatch() for a queued async writer after {@code nanos}, then at doubling
     * intervals (up to POLL_MAX_NANOS) until it is granted, failed or cancelled. The check runs
     * in the common pool, as a CompletableFuture's own async work would.
     */
    private void pollLater(Waiter node, long nanos) {
        // Weakly: once nothing else can reach this semaphore, no permit of it can be released
        // any more (a Permit holds its semaphore), so there is nothing left to look for.
        WeakReference<RwSemaphore> self = new WeakReference<>(this);
        CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS).execute(() -> {
            RwSemaphore s = self.get();
            if (s != null && node.status == Waiter.WAITING) {
                s.signal(s.aux);
                if (node.status == Waiter.WAITING) {
                    s.pollLater(node, Math.min(nanos * 2, POLL_MAX_NANOS));
                }
            }
        });
    }

    /**
     * Queues the waiter, or grants it at once. Returns false if the semaphore is killed (the
     * waiter is not queued), true otherwise; the waiter is granted (status GRANTED, possibly
     * already fired) or queued.
     */
    private boolean enqueue(Waiter node) {
        Aux a = aux();
        for (;;) {
            boolean retryFast = false;
            boolean killed = false;
            Waiter fired;
            a.lock.lock();
            try {
                long s = state;
                if ((s & KILLING) != 0) {
                    killed = true;
                } else if (node.kind == Waiter.WRITER) {
                    // A queued writer is always granted by dispatch(), even when the permit is free
                    // now: that way an inflated semaphore's cells are summed under WRITER_WAITING.
                    if ((s & WRITER_WAITING) == 0 && !STATE.compareAndSet(this, s, s | WRITER_WAITING)) {
                        continue;
                    }
                    a.writers.addLast(node);
                    dispatch(a);
                } else if ((s & BLOCKS_READERS) == 0) {
                    retryFast = true;      // free again: take the fast path, outside the lock
                } else {
                    if ((s & READER_QUEUED) == 0 && !STATE.compareAndSet(this, s, s | READER_QUEUED)) {
                        continue;
                    }
                    a.readers.addLast(node);
                }
                fired = a.takeFired();
            } finally {
                a.lock.unlock();
            }
            wake(fired);
            if (killed) {
                return false;
            }
            if (!retryFast) {
                return true;
            }
            int w = tryShared();
            if (w >= WORD) {
                grantDirect(node, new Permit(this, w));
                return true;
            }
            if (w == KILLED) {
                return false;
            }
        }
    }

    private static void grantDirect(Waiter node, Permit p) {
        node.permit = p;
        node.status = Waiter.GRANTED;
        if (node.future != null) {
            node.future.complete(unowned(p)); // a fresh future that no one else can have completed
        }
    }

    /**
     * Waits until the node is granted or failed. Returns false if it timed out (the node is
     * withdrawn); throws InterruptedException if interrupted in an interruptible mode before it
     * was granted or failed (the node is withdrawn).
     */
    private boolean await(Waiter node, int mode, long deadline) throws InterruptedException {
        boolean interrupted = false;
        Settings st = settings();
        boolean watchStall = node.kind != Waiter.READER;
        long stallStart = watchStall ? st.clock.getAsLong() : 0L;
        long slice = Math.max(st.stallNanos / 4, TimeUnit.MILLISECONDS.toNanos(1));
        spinWhileWaiting(node, mode, deadline);
        // From here on a grant must unpark us. Dekker with wake(): we write parking, then read
        // status (the loop test); the granter writes status, then reads parking. Either it sees
        // parking and unparks, or we see the grant and do not park.
        node.parking = true;
        // A writer or killer waits for readers; once inflated, a reader that releases its slot
        // may miss our bit (see releaseSlot()), so we look for ourselves at growing intervals.
        boolean poll = node.kind != Waiter.READER;
        long pollNanos = POLL_MIN_NANOS;
        try {
            while (node.status == Waiter.WAITING) {
                long park = Long.MAX_VALUE;
                if (mode == TIMED) {
                    park = deadline - System.nanoTime();
                    if (park <= 0L) {
                        if (cancel(node)) {
                            return false;
                        }
                        break;             // granted or failed meanwhile
                    }
                }
                if (watchStall) {
                    park = Math.min(park, slice);
                }
                boolean polling = poll && (state & (INFLATED | FENCED)) == INFLATED;
                if (polling) {
                    signal(aux);           // re-runs dispatch(): grants us if the readers are gone
                    if (node.status != Waiter.WAITING) {
                        break;
                    }
                    park = Math.min(park, pollNanos);
                    pollNanos = Math.min(pollNanos * 2, POLL_MAX_NANOS);
                }
                if (park == Long.MAX_VALUE) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, park);
                }
                if (Thread.interrupted()) {
                    if (mode == UNINTERRUPTIBLE) {
                        interrupted = true;
                    } else if (cancel(node)) {
                        throw new InterruptedException();
                    } else {
                        interrupted = true; // granted meanwhile: keep the permit, keep the status
                    }
                }
                if (watchStall && node.status == Waiter.WAITING
                        && st.clock.getAsLong() - stallStart >= st.stallNanos) {
                    watchStall = false;    // once per wait
                    reportStall(st, node, st.clock.getAsLong() - stallStart);
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Spins briefly before the first park: a grant usually comes from a thread running on another
     * core within a few hundred nanoseconds (a reader's section ends, a writer's ends), and
     * parking and unparking would cost tens of microseconds of scheduler latency both ways. Only
     * the waiting thread itself is slowed: the granting thread's work is the same whether or not
     * we spin (unparking a thread that is not parked is cheap). Returns at once on a single
     * processor, when interrupted, or at the deadline; the caller's park loop does the rest.
     */
    private static void spinWhileWaiting(Waiter node, int mode, long deadline) {
        if (!SPIN) {
            return;
        }
        long start = System.nanoTime();
        long end = mode == TIMED && deadline - start < SPIN_NANOS ? deadline : start + SPIN_NANOS;
        for (int i = 1; node.status == Waiter.WAITING; i++) {
            Thread.onSpinWait();
            if ((i & 31) == 0 && (System.nanoTime() - end >= 0L || Thread.currentThread().isInterrupted())) {
                return;
            }
        }
    }

    /** Withdraws a waiting node; returns false if it was already granted or failed. */
    private boolean cancel(Waiter node) {
        Aux a = aux;
        Waiter fired;
        a.lock.lock();
        try {
            if (node.status != Waiter.WAITING) {
                return false;
            }
            node.status = Waiter.CANCELLED;
            if (node.kind == Waiter.WRITER) {
                a.writers.remove(node);
            } else if (node.kind == Waiter.READER) {
                a.readers.remove(node);
            } else {
                a.killers.remove(node);
            }
            // If it was the writer holding readers back, dispatch() lets them in now.
            dispatch(a);
            fired = a.takeFired();
        } finally {
            a.lock.unlock();
        }
        wake(fired);
        return true;
    }

    private boolean killAndWait(int mode, long deadline) throws InterruptedException {
        Aux a = aux();
        Waiter node = null;
        Waiter fired;
        a.lock.lock();
        try {
            for (;;) {
                long s = state;
                if ((s & KILLING) != 0 || STATE.compareAndSet(this, s, s | KILLING)) {
                    break;
                }
            }
            dispatch(a);
            if ((state & DEAD) == 0 && (mode != TIMED || deadline - System.nanoTime() > 0L)) {
                node = new Waiter(Waiter.KILLER, Thread.currentThread(), null);
                a.killers.add(node);
            }
            fired = a.takeFired();
        } finally {
            a.lock.unlock();
        }
        wake(fired);
        tellView(a);
        if (node == null) {
            return isDead();
        }
        return await(node, mode, deadline) && isDead();
    }

    /** Unparks or completes each fired waiter; runs outside the lock. */
    private void wake(Waiter w) {
        while (w != null) {
            Waiter next = w.nextFired;
            w.nextFired = null;
            if (w.future != null) {
                if (w.status == Waiter.GRANTED) {
                    if (!w.future.complete(unowned(w.permit))) {
                        w.permit.close();  // the future was cancelled before the grant landed
                    }
                } else {
                    w.future.completeExceptionally(killedError());
                }
            } else if (w.parking) {        // a spinning waiter sees its status without an unpark
                LockSupport.unpark(w.thread);
            }
            w = next;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    private Aux aux() {
        Aux a = aux;
        if (a == null) {
            a = new Aux();
            if (!AUX.compareAndSet(this, null, a)) {
                a = aux;
            }
        }
        return a;
    }

    private Settings settings() {
        return settings != null ? settings : DEFAULT_SETTINGS;
    }

    private static long deadline(long timeout, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        long nanos = Math.min(unit.toNanos(timeout), MAX_WAIT_NANOS);
        return System.nanoTime() + nanos;
    }

    /** Cells (and slots) of an inflated semaphore: a power of two, two per CPU, 2 to 64. */
    private static int cellCount() {
        return Stripes.cellsPerCpu(2, 2, 64);
    }

    private IllegalStateException killedError() {
        return new IllegalStateException(this + " is killed: nothing can be acquired any more");
    }

    private String notHeldMessage(String op) {
        return "cannot " + op + " an exclusive permit of " + this + " that was released (closed twice at once?)";
    }

    private String overReleaseMessage() {
        return "a permit or token of " + this + " was released more often than acquired";
    }

    private String staleTokenMessage(long token) {
        return "exclusive token 0x" + Long.toHexString(token) + " does not hold " + this
                + " (released already, or another semaphore's)";
    }

    /**
     * The message for a token that {@code method} refuses before changing anything: decodes what
     * the token is (see "Stamps and tokens") and, for a token of the other kind, which method
     * releases it.
     */
    private String badTokenMessage(String method, long token) {
        String head = method + "(0x" + Long.toHexString(token) + ") on " + this + ": ";
        if (token == 0L) {
            return head + "0 is not a token (the try…Token() that returned it failed: nothing was acquired)";
        }
        if ((token & ~STAMP) == EXCLUSIVE) {
            return head + "this is an exclusive token (from tryAcquireExclusiveToken()"
                    + (heldWith(state, token & STAMP) ? ", and its grant holds this semaphore now" : "")
                    + "): release it with releaseExclusive(); nothing changed";
        }
        if (token >= 1L && token <= 2L * CELL_COUNT + 1L) {
            if (method.equals("releaseExclusive")) {
                return head + "this is a shared token (from tryAcquireSharedToken()): release it with"
                        + " releaseShared(); nothing changed";
            }
            return head + "a shared token of a reader cell, but this semaphore has no reader cells (it"
                    + " never inflated): not returned by it (another semaphore's token?); nothing changed";
        }
        return head + "not a token of any semaphore (shared tokens are 1 to " + (2 * CELL_COUNT + 1)
                + ", exclusive tokens have bit 32 set and nothing below it); nothing changed";
    }

    private void reportStall(Settings st, Waiter node, long waitedNanos) {
        boolean gate = isRevocableGate();                  // a Revocable's: say it in its words
        String who = node.kind != Waiter.KILLER ? "an exclusive acquire" : gate ? "revoke()" : "kill()";
        Report r = new Report(Report.Kind.STALL, name(), who + " has waited "
                + TimeUnit.NANOSECONDS.toMillis(waitedNanos) + " ms for " + (gate ? "accesses to be closed (" : "permits to be released (")
                + this + ")" + (Tracker.ENABLED ? (gate ? "; open accesses:" : "; open permits:") + Tracker.INSTANCE.describeOpen(this)
                                                : " (run with -Ddev.quiesce.validate=true to see their stacks)"), null);
        Reports.deliver(r, st.handler);
    }

    // ------------------------------------------------------------------------------------------
    // Figures

    /**
     * Returns this semaphore's figures. Cheap enough to poll every second: it reads the state word,
     * scans the reader cells if the semaphore has inflated (reads only: no write to a cell or to
     * the state word), and counts the queues under the semaphore's queue lock, which the fast paths
     * of acquire and release never take; it allocates the record alone. Adds nothing to an idle
     * semaphore's footprint.
     *
     * <p>Consistency: the word, the cells and the queues are read one after another while permits
     * come and go, so the record is not a picture of one instant. {@link Stats#sharedHolders()} is
     * approximate (see there); the queue counts are exact for the moment the lock was held; once
     * {@link Stats#killed()} or {@link Stats#dead()} is seen true it stays true.
     *
     * @return a new snapshot
     */
    public Stats stats() {
        long s = state;
        long shared = (s & READERS) + cellSum(aux);
        int readers = 0;
        int writers = 0;
        int killers = 0;
        Aux a = aux;
        if (a != null) {
            a.lock.lock();
            try {
                readers = a.readers.size();
                writers = a.writers.size();
                killers = a.killers.size();
            } finally {
                a.lock.unlock();
            }
        }
        return new Stats(name(), shared, (s & EXCLUSIVE) != 0, writers, readers, killers,
                (s & KILLING) != 0, (state & DEAD) != 0);
    }

    /**
     * Returns who holds and who waits for this semaphore: shared permits by count and whether the
     * exclusive permit is held; each queued reader, queued writer and waiting {@code kill()} with
     * its thread's stack (async acquires counted, as they have no thread); and, with validation
     * on, each open permit with its holder and acquisition stack. What to take when a
     * {@code kill()} or a freeze hangs; not for a hot path (it takes each waiting thread's stack).
     *
     * @return a new dump
     */
    public Dump dump() {
        List<Dump.Waiter> waiting = Dump.newList();
        List<Waiter> queued = new ArrayList<>();
        Aux a = aux;
        if (a != null) {
            a.lock.lock();
            try {
                queued.addAll(a.killers);
                queued.addAll(a.writers);
                queued.addAll(a.readers);
            } finally {
                a.lock.unlock();
            }
        }
        int futures = 0;
        boolean gate = isRevocableGate();
        for (Waiter w : queued) {
            if (w.thread == null) {
                futures++;
                continue;
            }
            String role = w.kind == Waiter.KILLER ? (gate ? "revoke(), waiting for accesses to close"
                                                          : "kill(), waiting for permits to be released")
                        : w.kind == Waiter.WRITER ? "queued for the exclusive permit"
                        : "queued for a shared permit";
            Dump.add(waiting, role, w.thread);
        }
        Stats st = stats();
        String summary = st.sharedHolders() + (gate ? " access(es) open" : " shared permit(s) held")
                + (st.exclusiveHeld() ? ", exclusive permit held" : "")
                + ", " + st.waitingWriters() + " writer(s) and " + st.waitingReaders() + " reader(s) queued"
                + (st.dead() ? ", dead" : st.killed() ? ", killing" : "");
        return new Dump(toString(), summary, waiting, futures, Dump.holdersOf(this));
    }

    /** Shared permits held, as stats() counts them, without the queue lock: for class aggregates. */
    long sharedHoldersQuick() {
        return (state & READERS) + cellSum(aux);
    }

    /**
     * A snapshot of a {@link RwSemaphore}'s figures, from {@link RwSemaphore#stats()}.
     *
     * @param name           the semaphore's name (a label, not a key)
     * @param sharedHolders  shared permits held, approximate once the semaphore has inflated: the
     *                       reader cells are summed one after another while permits come and go, so
     *                       it is at least the number held throughout the scan and at most the
     *                       number held at some moment during it; exact for one instant before
     *                       inflation (one word); a reader backing out of a failed acquire may be
     *                       counted for a moment
     * @param exclusiveHeld  whether the exclusive permit was held (or granted to a waiter)
     * @param waitingWriters acquirers queued for the exclusive permit, threads and futures
     * @param waitingReaders acquirers queued for a shared permit, threads and futures
     * @param waitingKillers {@code kill()} calls waiting for the permits to be released
     * @param killed         whether {@code kill()} has begun (nothing is acquired any more)
     * @param dead           whether the semaphore is dead: killed, and every permit released
     */
    public record Stats(String name, long sharedHolders, boolean exclusiveHeld, int waitingWriters,
                        int waitingReaders, int waitingKillers, boolean killed, boolean dead) {

        /**
         * Checks the name.
         *
         * @param name           the name
         * @param sharedHolders  shared permits held (approximate)
         * @param exclusiveHeld  whether the exclusive permit is held
         * @param waitingWriters queued writers
         * @param waitingReaders queued readers
         * @param waitingKillers waiting killers
         * @param killed         whether killing has begun
         * @param dead           whether dead
         */
        public Stats {
            Objects.requireNonNull(name, "name");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Validation hooks (no-ops folded away unless -Ddev.quiesce.validate=true)

    /** The validator's class node of this semaphore (kept by the validator: see the constructor). */
    Object lockClass() {
        return Tracker.INSTANCE.classOf(this);
    }

    private void checkOrder(int mode) {
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.beforeAcquire(lockClass(), this, mode);
        }
    }

    private static Permit owned(Permit p) {
        return Tracker.ENABLED && p != null ? p.owned() : p;
    }

    private static Permit unowned(Permit p) {
        return Tracker.ENABLED && p != null ? p.unowned() : p;
    }

    @Override
    public String toString() {
        long s = state;
        if ((s & FENCED) != 0) {
            return revocableString(s);
        }
        StringBuilder b = new StringBuilder("RwSemaphore[").append(name());
        if ((s & DEAD) != 0) {
            return b.append(", dead]").toString();
        }
        if ((s & KILLING) != 0) {
            b.append(", killing");
        }
        if ((s & EXCLUSIVE) != 0) {
            b.append(", exclusive");
        }
        long readers = (s & READERS) + cellSum(aux);
        if (readers != 0) {
            b.append(", ").append(readers).append(" shared");
        }
        if ((s & WRITER_WAITING) != 0) {
            b.append(", writer waiting");
        }
        if ((s & READER_QUEUED) != 0) {
            b.append(", readers queued");
        }
        if ((s & INFLATED) != 0) {
            b.append(", inflated");
        }
        return b.append(']').toString();
    }

    /**
     * Whether this is a {@link Revocable}'s gate: FENCED is set before publication and never
     * cleared, so one read of the state word decides. Its diagnostics speak of accesses and
     * revoke(), in the words of the object the user made.
     */
    private boolean isRevocableGate() {
        return (state & FENCED) != 0;
    }

    /**
     * A Revocable's gate (FENCED) describes itself as the revocable, in its words (accesses,
     * revoking, revoked), because its messages and the validator's reports reach users who never
     * made a semaphore (issue 11). Only kill() takes its exclusive side, so no writer is shown.
     */
    private String revocableString(long s) {
        StringBuilder b = new StringBuilder("Revocable[").append(name());
        if ((s & DEAD) != 0) {
            return b.append(", revoked]").toString();
        }
        long accesses = (s & READERS) + cellSum(aux);
        if (accesses != 0) {
            b.append(", ").append(accesses).append(accesses == 1 ? " access" : " accesses").append(" open");
        }
        if ((s & KILLING) != 0) {
            b.append(", revoking");
        }
        return b.append(']').toString();
    }

    // ------------------------------------------------------------------------------------------
    // Nested types

    /** Settings chosen with the builder; shared, immutable. */
    private static final class Settings {
        final long stallNanos;
        final LongSupplier clock;
        final Consumer<? super Report> handler;

        Settings(long stallNanos, LongSupplier clock, Consumer<? super Report> handler) {
            this.stallNanos = stallNanos;
            this.clock = clock;
            this.handler = handler;
        }
    }

    /** What a semaphore allocates on first need. All queue fields are guarded by {@code lock}. */
    private static final class Aux {
        final ReentrantLock lock = new ReentrantLock();
        final ArrayDeque<Waiter> readers = new ArrayDeque<>();
        final ArrayDeque<Waiter> writers = new ArrayDeque<>();
        final ArrayList<Waiter> killers = new ArrayList<>(1);
        /** The reader cells, once inflated; see the notes for the layout. Never replaced. */
        volatile long[] cells;
        /** Waiters granted or failed under the lock, to be woken after it is released. */
        Waiter fired;
        /** The ReadWriteLock view, once asked for: one per semaphore, so its per-thread state is too. */
        volatile RwSemaphoreLock view;

        void fire(Waiter w, Permit p) {
            w.permit = p;
            w.status = Waiter.GRANTED;     // volatile write after the permit: the waiter reads it after
            w.nextFired = fired;
            fired = w;
        }

        void failAll() {
            for (Waiter w; (w = readers.pollFirst()) != null; ) {
                fail(w);
            }
            for (Waiter w; (w = writers.pollFirst()) != null; ) {
                fail(w);
            }
        }

        private void fail(Waiter w) {
            w.status = Waiter.FAILED;
            w.nextFired = fired;
            fired = w;
        }

        void releaseKillers() {
            for (Waiter k : killers) {
                k.status = Waiter.GRANTED;
                k.nextFired = fired;
                fired = k;
            }
            killers.clear();
        }

        Waiter takeFired() {
            Waiter f = fired;
            fired = null;
            return f;
        }
    }

    /** A queued acquirer or killer: a parked thread, or a future to complete. */
    private static final class Waiter {
        static final int READER = 0;
        static final int WRITER = 1;
        static final int KILLER = 2;

        static final int WAITING = 0;
        static final int GRANTED = 1;
        static final int FAILED = 2;
        static final int CANCELLED = 3;

        final int kind;
        final Thread thread;
        final CompletableFuture<Permit> future;
        /** Written before status becomes GRANTED. */
        Permit permit;
        volatile int status;
        /** Set by the waiting thread once it has stopped spinning: from then on, wake() unparks it. */
        volatile boolean parking;
        Waiter nextFired;

        Waiter(int kind, Thread thread, CompletableFuture<Permit> future) {
            this.kind = kind;
            this.thread = thread;
            this.future = future;
        }
    }

    /**
     * Builds a {@link RwSemaphore} with non-default settings.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String name;
        private long stallNanos = DEFAULT_SETTINGS.stallNanos;
        private LongSupplier clock;
        private Consumer<? super Report> reportHandler;
        private LockClass lockClass;

        Builder() {
        }

        /**
         * Sets the lock class for lock-dependency validation; by default the class is the line that
         * creates the semaphore (for a {@link Revocable}, the line that calls {@code of}). Ignored
         * when validation is off, and kept outside the instance when on.
         *
         * @param lockClass the class
         * @return this builder
         * @throws NullPointerException if {@code lockClass} is null
         */
        public Builder lockClass(LockClass lockClass) {
            this.lockClass = Objects.requireNonNull(lockClass, "lockClass");
            return this;
        }

        /**
         * Sets the name used in diagnostics (a label, not a key).
         *
         * @param name the name
         * @return this builder
         * @throws NullPointerException if {@code name} is null
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets how long a writer or {@code kill()} may wait before it is reported as stalled
         * (once per wait); 10 seconds by default.
         *
         * @param threshold a positive duration
         * @return this builder
         * @throws NullPointerException if {@code threshold} is null
         * @throws IllegalArgumentException if {@code threshold} is not positive
         */
        public Builder stallThreshold(Duration threshold) {
            Objects.requireNonNull(threshold, "threshold");
            if (threshold.isNegative() || threshold.isZero()) {
                throw new IllegalArgumentException("stall threshold must be positive: " + threshold);
            }
            long n;
            try {
                n = threshold.toNanos();
            } catch (ArithmeticException e) {
                n = Long.MAX_VALUE;
            }
            this.stallNanos = n;
            return this;
        }

        /**
         * Replaces the clock that times stall reports: a source of readings in nanoseconds like
         * {@link System#nanoTime()}. A waiting writer reads it at least every quarter of the stall
         * threshold of real time. Timed acquires always use real time.
         *
         * @param nanoClock the clock
         * @return this builder
         * @throws NullPointerException if {@code nanoClock} is null
         */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /**
         * Sets where {@link Report}s go; by default to the {@link System.Logger} {@code "dev.quiesce"}.
         *
         * @param handler the handler
         * @return this builder
         * @throws NullPointerException if {@code handler} is null
         */
        public Builder reportHandler(Consumer<? super Report> handler) {
            this.reportHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Builds the semaphore.
         *
         * @return a new semaphore
         */
        public RwSemaphore build() {
            boolean defaults = clock == null && reportHandler == null && stallNanos == DEFAULT_SETTINGS.stallNanos;
            Settings s = defaults ? null : new Settings(stallNanos,
                    clock != null ? clock : DEFAULT_SETTINGS.clock,
                    reportHandler != null ? reportHandler : DEFAULT_SETTINGS.handler);
            return new RwSemaphore(name, s, lockClass);
        }
    }

    private static final VarHandle STATE;
    private static final VarHandle AUX;
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(RwSemaphore.class, "state", long.class);
            AUX = l.findVarHandle(RwSemaphore.class, "aux", Aux.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
