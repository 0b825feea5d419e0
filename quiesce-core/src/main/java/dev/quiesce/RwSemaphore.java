package dev.quiesce;

import dev.quiesce.internal.Pause;
import dev.quiesce.internal.Reports;
import dev.quiesce.internal.Tracker;
import dev.quiesce.internal.WaitQueue;

import java.lang.invoke.MethodHandles;
import java.lang.ref.WeakReference;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReadWriteLock;
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
 * return p.closeOnCompletion(() -> conn.sendAsync(msg));  // released when the send completes
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
 * readers starves a writer and no stream of writers starves readers.
 *
 * <p>Before it queues, a blocked acquirer watches the state for up to 10 µs, and takes the
 * permit if it becomes free meanwhile; it does not count as waiting then (it holds no one back,
 * and {@link #isWriterWaiting()} is false for such a writer), so the holder may take the permit
 * again before it, as {@link java.util.concurrent.locks.StampedLock}'s acquirers may. A reader
 * that finds a writer waiting queues at once. The guarantees above start when it queues: a writer
 * or reader waits at most 10 µs more than they say. This lets a holder that releases and takes
 * the permit again keep its processor's cache instead of handing the permit across on every
 * operation (see {@code docs/measurements.md} for what each side gets under saturation).
 *
 * <p>A shared permit only fails for a reason it can name: {@code tryAcquireShared()} returns null
 * only if a writer holds or waits or the semaphore is killed — a failed
 * {@link #tryAcquireExclusive()} never makes it fail. The
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
 * section costs one atomic instruction instead of two. The price is paid by writers: a release
 * does not fence, so a writer (or {@code kill()}) that starts waiting at the very moment the last
 * reader leaves may not be told. An inflated semaphore's waiting writers and killers therefore
 * look again by themselves, at intervals growing from 50 µs to 1 ms (for an async writer, a
 * task that a timer submits to the {@linkplain ForkJoinPool#commonPool() common pool} looks).
 * A release that told no one thus delays a blocked writer or killer by one such interval at
 * most, 1 ms; an async writer also waits for the pool to run the look and then the delivery.
 * Every other wait is ended by the release that allows it. Permits taken before inflation
 * release correctly after it (a permit remembers where it was counted). An inflated semaphore
 * <b>never deflates</b>: slots and cells (a few hundred bytes) stay for its life.
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
 * A blocking method that must wait watches the state for up to 10 µs (see above), queues, spins
 * for up to 10 µs more (the release it needs is usually that close on a multiprocessor), then
 * parks; it works on virtual threads without pinning. Async forms never block. Their futures,
 * when a release or {@code kill()} grants or fails them, are completed by the
 * {@linkplain Builder#asyncExecutor(java.util.concurrent.Executor) async executor} — never by the
 * releasing thread, so that closing a permit on an I/O completion thread never runs the next
 * acquirer's dependent work there. A future that the call grants on its fast path (the permit
 * free, no one queued) completes before the call returns, as does one of a killed semaphore;
 * one granted from the queue, even at once, is completed by the executor, which must run every
 * task it accepts. Cancelling such a future withdraws the request; a permit granted to a
 * future that was cancelled before the grant was delivered is released by the delivery. A waiter
 * that times out, is interrupted or is cancelled leaves no one parked: if it was the writer
 * holding readers back, they enter at once. An
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
     * Shared permits are counted either in READERS or, after inflation, in `aux.cells`, a
     * ReaderCells (its notes draw the layout): CELL_COUNT cells, each a slot and a counter on
     * two cache lines. A slot is 0 or 1: owned by one permit. A counter counts permits. A permit
     * records where it counted (Permit.where, drawn below) and its release undoes exactly that, so slots
     * and counters are >= 0 at all times and the number of shared holders is READERS + sum(slots
     * and counters) minus the transient claims of readers that are backing out.
     *
     * Where a permit counted — Permit.where, an int — and the long tokens that carry the same
     * fact (the token forms keep no Permit object):
     *
     *   Permit.where          meaning                                    token
     *   MIN_VALUE | f << 24   the exclusive permit, granted with STAMP s  EXCLUSIVE | s << 40 | f'
     *     | s                 by a word whose INFLATED, FENCED bits are   (f': those bits in place,
     *                         f (bits 0, 1); s < 2^24; isExclusiveWhere() bits 36 and 39)
     *                         says below WORD
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
     * A thread's slot and cell c is its Stripes cell, remapped when two readers meet in one
     * (ReaderCells' notes say what detects it; issue 12, target 6). A permit's release uses the
     * slot or counter recorded in Permit.where, never the thread's cell, so a new mapping is safe
     * at any time.
     *
     * Fast paths (no lock): a word-mode shared acquire CASes READERS + 1 while no bit that blocks
     * readers is set; an exclusive acquire CASes an idle word (nothing but STAMP, INFLATED and
     * FENCED) to EXCLUSIVE and the next STAMP; releases CAS the count or the bit away while no
     * waiter bit is set. Everything else — queueing, granting, cancelling, killing — happens
     * under the lock of the wait queue (dev.quiesce.internal.WaitQueue: its lanes READER_LANE,
     * WRITER_LANE, KILLER_LANE, its invariants in its notes), in dispatch(), which the queue runs
     * as this semaphore's policy and which grants what the state and the lanes allow. Waiter bits
     * are set only under the lock and by CAS, so a fast-path release either fails its CAS or sees
     * them and takes the lock too: no wake-up is lost. Waiters are granted their permit by the
     * granting thread (a direct hand-off: the state already counts them when they wake); the
     * queue unparks them after the lock is dropped, and has the async executor complete futures.
     *
     * Spinning before queueing (spinForPermit()): an acquire that fails its fast path watches the
     * word for up to SPIN_NANOS without setting a waiter bit, and retries the fast path when the
     * word says it may succeed; it queues when the time is up, when a writer is queued (a reader
     * must then wait for that writer's phase; a writer must queue behind it: FIFO), or when
     * killing begins. A writer of an inflated semaphore queues at once: its try sums every
     * reader cell, which would pull every reader's line on each look. Between reads it backs off (pauses doubling up to 2^WRITER_BACKOFF for a
     * writer, 2^READER_BACKOFF for a reader), so that a holder that releases and re-acquires
     * keeps the word's cache line instead of losing it to the watcher on every operation. Why:
     * phase-fair hand-off on every operation costs at least one cache-line transfer per
     * operation; two threads passing a turn through one AtomicInteger manage about 28 hand-offs
     * per µs on this project's 2-core machine, while StampedLock, whose acquirers spin before
     * they queue, reaches about 60 operations per µs in ReadWriteBenchmark's fence group by
     * letting the holder run bursts. The writer looks more often than the reader (writer bias:
     * it is the fence whose latency users wait for). Nothing the policy promises changes once a
     * waiter queues; an unqueued spinner promises nothing for up to SPIN_NANOS.
     *
     * Inflated readers (after SRCU's and BRAVO's reader side, BRAVO: USENIX ATC 2019): a reader
     * claims a free slot by CAS 0 -> 1 (its own, c by thread, else a few next ones) or, if all it
     * tries are owned, adds 1 to counter c (ReaderCells.claim()); then it reads the state; if a
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
     * doubling to POLL_MAX_NANOS (WriterVigil), an async writer has a timer do it (pollLater()).
     * In the common case the releaser does see the bit and the writer is signalled at once. A kill whose
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
     * exclusive token is EXCLUSIVE | the STAMP of its grant | the INFLATED and FENCED bits of the
     * granting word (they never clear, so a release can guess the whole word: see
     * releaseExclusive()), and releaseExclusive(token) clears EXCLUSIVE only by a CAS from a word
     * with that STAMP: a stale token (released twice, or
     * released after another writer got the permit) is refused and changes nothing, unless 2^24
     * grants came in between (as StampedLock's stamps, the check is only as wide as the stamp).
     * Shared tokens are drawn with Permit.where above. A token given to the release of the
     * other kind is refused, changing nothing, with a message that says which kind it is
     * (badTokenMessage()). Tokens carry no identity of their semaphore, and the Javadoc says so: a
     * per-instance salt needs a field (the idle instance's 32 bytes are full) or the identity
     * hash code, and reading that in the acquire and again in the release cost the token pairs
     * 19-42 % of their throughput at the median (measured 2026-12-03: docs/measurements.md, "A
     * salt in the tokens"). So another semaphore's token is refused only when it cannot be this
     * semaphore's: a shared token whose count here is zero, or that names a reader cell this
     * semaphore lacks; an exclusive token whose stamp is not that of this semaphore's current
     * writer. Tokens are not tracked by the validator (as the kernel leaves down_read_non_owner
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
     * READERS plus cellSum() (reads only), the queues are counted or copied under the queue's
     * lock, which the fast paths never take; a dump takes each queued thread's stack after dropping the lock.
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
    /** The bits of the granting word an exclusive token carries besides EXCLUSIVE. */
    private static final long TOKEN_BITS = STAMP | INFLATED | FENCED;

    /** Bits under which no new shared permit is granted. */
    private static final long BLOCKS_READERS = EXCLUSIVE | WRITER_WAITING | KILLING;
    /** Bits telling a leaving reader that someone may wait for the readers to drain. */
    private static final long DRAIN_WAITED = WRITER_WAITING | KILLING;

    /** Permit.where of a shared permit counted in the state word; below it, exclusive permits. */
    static final int WORD = -1;
    // Results of tryShared() besides a location (>= WORD).
    private static final int BLOCKED = -3;
    private static final int KILLED = -4;

    /** Reader cells (and slots) of an inflated semaphore (see ReaderCells). */
    private static final int CELL_COUNT = ReaderCells.COUNT;

    // Wait modes (the queue's).
    private static final int UNINTERRUPTIBLE = WaitQueue.UNINTERRUPTIBLE;
    private static final int INTERRUPTIBLE = WaitQueue.INTERRUPTIBLE;
    private static final int TIMED = WaitQueue.TIMED;

    // Lanes of the wait queue.
    private static final int READER_LANE = 0;
    private static final int WRITER_LANE = 1;
    private static final int KILLER_LANE = 2;
    private static final int LANES = 3;

    private static final long MAX_WAIT_NANOS = Long.MAX_VALUE / 4;
    /** Whether a waiter spins before it parks: only with another processor to grant it. */
    private static final boolean SPIN = Runtime.getRuntime().availableProcessors() > 1;
    /** How long a blocked acquirer watches the word before it queues (see spinForPermit()). */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    /**
     * A spinning writer reads the word at least every 2^WRITER_BACKOFF pauses, a reader every
     * 2^READER_BACKOFF: the writer looks more often (it is the fence), the reader often enough to
     * keep its share of a fenced group (ReadWriteBenchmark's fence, runs of 3 to 5 forks: with
     * 2 and 8 the reader had 28-38 % of the operations, with 3 and 6 it had 35-56 % at about the
     * same total; single forks of 3 and 6 range from 20 to 61 %, the group settling in one of
     * two modes; docs/measurements.md).
     */
    private static final int WRITER_BACKOFF = 3;
    private static final int READER_BACKOFF = 6;
    /** First and longest interval at which a waiting writer looks at an inflated semaphore's slots. */
    private static final long POLL_MIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long POLL_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Settings DEFAULT_SETTINGS = new Settings(TimeUnit.SECONDS.toNanos(10),
            System::nanoTime, Reports::log, ForkJoinPool.commonPool(), Pause.REAL);

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
     * <p>A token does not name its semaphore: give it only to the {@code releaseShared} of the
     * semaphore that returned it. Another semaphore's token is detected only when this semaphore
     * has nothing counted where it points (tokens are small numbers: every semaphore that counts
     * its readers in its state word returns the same one, and an inflated semaphore returns the
     * index of a reader cell). Otherwise releasing it there releases a shared permit of that
     * semaphore that its holder still counts on, and a writer may then enter beside that holder. Where a token could reach the wrong semaphore (a table of
     * per-file semaphores, say), use the {@link Permit} form, which carries its semaphore.
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
     *         shared token (an exclusive token, 0, a reader-cell token while this semaphore has no
     *         reader cells, or not a token); no count changes. Another semaphore's token is not
     *         detected: see {@link #tryAcquireSharedToken()}
     * @throws IllegalStateException if the count it would undo is zero (a token released twice);
     *         no count changes
     */
    public void releaseShared(long token) {
        if (token == WORD + 2L) {
            releaseWord();
            return;
        }
        // A cell token (2 + place): valid only once the cells exist, read once here.
        Aux a = aux;
        long[] cells;
        if (!ReaderCells.isPlace(token - 2L) || a == null || (cells = a.cells) == null) {
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
        return owned(acquireShared(INTERRUPTIBLE, 0L));
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
            return owned(acquireShared(UNINTERRUPTIBLE, 0L));
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
        return owned(acquireShared(TIMED, deadline));
    }

    /**
     * Requests a shared permit without blocking. The future completes with the permit when it is
     * granted — at once if available, else by the async executor when a release grants it — or
     * exceptionally with {@link IllegalStateException} if the semaphore is or gets killed first. Cancelling the
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
     * permit, so a token released twice, or released after another writer got the permit, is
     * refused, unless 2<sup>24</sup> exclusive grants came in between. It does not name its
     * semaphore: another semaphore's token is refused unless that semaphore's exclusive permit is
     * held now by a grant with the same stamp, as it is when the two semaphores have granted
     * their exclusive permits equally often (two new ones, for instance); then releasing it there
     * releases that semaphore's writer. Give a token only to the semaphore that returned it; the
     * {@code Permit} form carries its semaphore. The
     * token form is not tracked by lock-dependency validation, and offers no downgrade or kill:
     * use the {@code Permit} form for those.
     *
     * @return a non-zero token, or 0 if the exclusive permit is held, shared permits are held,
     *         acquirers are queued, or the semaphore is killed (0 does not say which)
     */
    public long tryAcquireExclusiveToken() {
        long n = tryExclusive();
        return n == 0L ? 0L : (n & TOKEN_BITS) | EXCLUSIVE;
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
     *         already released, or another writer has been granted the permit since (or it is
     *         another semaphore's, and this semaphore has no writer with the same stamp: see
     *         {@link #tryAcquireExclusiveToken()}); nothing changes
     */
    public void releaseExclusive(long token) {
        if ((token & ~TOKEN_BITS) != EXCLUSIVE) {
            throw new IllegalArgumentException(badTokenMessage("releaseExclusive", token));
        }
        releaseExclusive(token & STAMP, token & (INFLATED | FENCED), true);
    }

    private Permit tryExclusivePermit() {
        long n = tryExclusive();
        return n == 0L ? null : new Permit(this, exclusiveWhere(n));
    }

    /**
     * Permit.where of the exclusive permit granted by word {@code n}: its stamp in bits 0..23, and
     * the word's INFLATED and FENCED bits (which never clear) in bits 24 and 25, below WORD.
     */
    private static int exclusiveWhere(long n) {
        return (int) (n >>> 40) | (int) ((n & INFLATED) >>> 12) | (int) ((n & FENCED) >>> 14) | Integer.MIN_VALUE;
    }

    /** The INFLATED and FENCED bits of the word that granted the exclusive permit at {@code where}. */
    private static long fixedBitsOf(int exclusiveWhere) {
        return ((long) exclusiveWhere << 12) & INFLATED | ((long) exclusiveWhere << 14) & FENCED;
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
                if (casState(s, n)) {
                    return n;
                }
                continue;
            }
            // Inflated and the word is idle: claim tentatively, then sum the cells. A reader
            // whose add precedes our claim is seen by the sum; one whose state read follows the
            // claim sees TENTATIVE and waits for the outcome instead of failing.
            Aux a = aux;
            if (cellSum() != 0) {
                return 0L;
            }
            if (!casState(s, s | TENTATIVE)) {
                continue;
            }
            boolean free = cellSum() == 0;
            long t;
            long n;
            do {
                t = state;
                n = t & ~TENTATIVE;
                if (free && (t & KILLING) == 0) {
                    n = (n + STAMP_UNIT) | EXCLUSIVE;
                }
            } while (!casState(t, n));
            if ((n & EXCLUSIVE) != 0) {
                return n;
            }
            // Backed out: whoever queued or began killing while we scanned was not served.
            if ((n & (DRAIN_WAITED | READER_QUEUED)) != 0) {
                a.queue.signal();
            }
            return 0L;
        }
    }

    /**
     * Acquires the exclusive permit, waiting until every shared permit, wherever it is, and any
     * exclusive permit has been released. From the moment it queues — after watching the permit
     * for at most 10 µs (see the class documentation, "Fairness") — new shared acquires fail or
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
        return owned(acquireExclusive(INTERRUPTIBLE, 0L));
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
            return owned(acquireExclusive(UNINTERRUPTIBLE, 0L));
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
        return owned(acquireExclusive(TIMED, deadline));
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
     * early. A snapshot; false while a writer holds the permit with no other writer queued, and
     * during the first 10 µs of a blocked writer's wait, before it queues (see "Fairness").
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
            a.queue.lock();
            try {
                v = a.view;
                if (v == null) {
                    v = new RwSemaphoreLock(this);
                    a.view = v;
                }
            } finally {
                a.queue.unlockAndWake();
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

    /** The reader cells (a ReaderCells table) once the semaphore has inflated, else null. */
    long[] readerCells() {
        Aux a = aux;
        return a == null ? null : a.cells;
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
            if (casState(s, s + 1)) {
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
        int where = ReaderCells.claim(cells, slots);   // ends with an atomic read-modify-write
        for (int spins = 0;; spins++) {
            // Our claim precedes this read in the total order of volatile accesses. A writer that
            // set WRITER_WAITING (or a killer KILLING, a try-writer TENTATIVE) before it is seen
            // here; one that sets it after will sum the cells after our claim and see us.
            long s = state;
            if ((s & (BLOCKS_READERS | TENTATIVE)) == 0) {
                return where;              // the common case first: one test
            }
            if ((s & BLOCKS_READERS) != 0) {
                ReaderCells.backOut(cells, where);
                // Back-out: a writer or killer may have summed the cells with our claim in them.
                if ((state & DRAIN_WAITED) != 0) {
                    a.queue.signal();
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

    /** Makes shared permits count in the reader cells from now on (no-op if they do already). */
    void inflate() {
        Aux a = aux();
        if (a.cells == null) {
            a.queue.lock();
            try {
                if (a.cells == null) {
                    a.cells = ReaderCells.newTable();
                }
            } finally {
                a.queue.unlockAndWake();
            }
        }
        // The CAS publishes the cells (written before it) to every reader that sees INFLATED.
        for (;;) {
            long s = state;
            if ((s & INFLATED) != 0 || casState(s, s | INFLATED)) {
                return;
            }
        }
    }

    /** Shared permits counted in the reader cells: 0 before inflation. */
    private long cellSum() {
        long[] cells = readerCells();
        return cells == null ? 0L : ReaderCells.sum(cells);
    }

    // ------------------------------------------------------------------------------------------
    // Internals: releases

    /** Undoes the count of a permit counted at {@code where}. */
    void release(int where) {
        if (where < WORD) {
            releaseExclusive(stampOf(where), fixedBitsOf(where), false);
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
            if (casState(s, n)) {
                // The last word reader hands over to a writer or killer that waits for it.
                if ((n & READERS) == 0 && (n & DRAIN_WAITED) != 0) {
                    aux.queue.signal();
                }
                return;
            }
        }
    }

    /**
     * Releases a permit counted in the reader cells. A counter's release is a CAS, a volatile
     * write that precedes our state read: a writer that sets WRITER_WAITING after it sums the
     * cells after our decrement; one that set it before is seen here, and we re-run dispatch.
     * A slot's release is a plain store (release mode, no atomic read-modify-write: nothing else
     * writes a slot while it is owned), and the price is paid by writers: with no StoreLoad fence
     * between our store and the state read below, a writer may set WRITER_WAITING and sum the
     * slots while our store still sits in this core's store buffer (it sees the slot taken) while
     * our read misses its bit (we do not signal it). Such a writer is not lost: a writer or killer
     * of an inflated semaphore re-runs dispatch() itself at intervals while it waits (see
     * WriterVigil), and our store is visible by then. The release store pairs with the volatile
     * read of the slot in ReaderCells.sum(), so this release happens-before the grant that reads
     * it as free.
     */
    private void releaseCell(Aux a, long[] cells, int where) {
        if (!ReaderCells.release(cells, where)) {
            throw new IllegalStateException(overReleaseMessage());
        }
        if ((state & DRAIN_WAITED) != 0) {
            a.queue.signal();
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
    private void releaseExclusive(long stamp, long fixed, boolean token) {
        // The first CAS guesses the common word — this grant, no waiter, and the INFLATED and
        // FENCED bits it was granted with (they never clear): EXCLUSIVE | stamp | fixed — so
        // that no load precedes it; a wrong guess returns the word to work with. The stamp is checked on the word that a CAS replaces: if another
        // release and a new grant come in between, the CAS fails and the next round sees their
        // stamp. So of racing releases of one grant (a permit closed twice at once, a token
        // released twice) exactly one succeeds.
        long expected = EXCLUSIVE | stamp | fixed;
        long s = compareAndExchangeState(expected, stamp | fixed);
        while (s != expected) {
            if (!heldWith(s, stamp)) {
                throw new IllegalStateException(token ? staleTokenMessage(stamp | fixed | EXCLUSIVE) : overReleaseMessage());
            }
            if ((s & (WRITER_WAITING | READER_QUEUED | KILLING)) != 0) {
                break;
            }
            expected = s;
            s = compareAndExchangeState(expected, expected & ~EXCLUSIVE);
        }
        if (s == expected) {
            return;
        }
        WaitQueue<Permit> q = aux.queue;   // waiter bits are set only after aux exists
        boolean held;
        q.lock();
        try {
            held = endWritePhase(q, 0, stamp);
            dispatch(q);
        } finally {
            q.unlockAndWake();
        }
        if (!held) {
            throw new IllegalStateException(token ? staleTokenMessage(stamp | fixed | EXCLUSIVE) : overReleaseMessage());
        }
    }

    /**
     * Under the lock: if the grant {@code stamp} holds the exclusive permit, clears EXCLUSIVE,
     * adds {@code extra} shared permits to the word, and admits every queued reader in the same
     * step (the end of a write phase); otherwise (a racing release of the same grant came
     * first) changes nothing and returns false.
     */
    private boolean endWritePhase(WaitQueue<Permit> q, int extra, long stamp) {
        for (;;) {
            long s = state;
            if (!heldWith(s, stamp)) {
                return false;
            }
            int queued = (s & KILLING) != 0 ? 0 : q.size(READER_LANE);
            long n = (s & ~EXCLUSIVE) + extra + queued;
            if (queued > 0) {
                n &= ~READER_QUEUED;
            }
            if (casState(s, n)) {
                if (queued > 0) {
                    grantAllReaders(q);
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
            if (casState(s, (s & ~EXCLUSIVE) + 1)) {
                return new Permit(this, WORD);
            }
        }
        WaitQueue<Permit> q = aux.queue;
        boolean held;
        q.lock();
        try {
            held = endWritePhase(q, 1, stamp);
            dispatch(q);
        } finally {
            q.unlockAndWake();
        }
        if (!held) {
            throw new IllegalStateException(notHeldMessage("downgrade"));
        }
        return new Permit(this, WORD);
    }

    /** Implements {@link Permit#kill()} with the exclusive permit counted at {@code where}. */
    void killHeld(int where) {
        long stamp = stampOf(where);
        Aux a = aux();
        WaitQueue<Permit> q = a.queue;
        boolean held = true;
        q.lock();
        try {
            for (;;) {
                long s = state;
                if (!heldWith(s, stamp)) {
                    held = false;          // released already by a racing close of the handle
                    break;
                }
                // With the exclusive permit held no shared permit exists: dead at once.
                if (casState(s, (s & ~EXCLUSIVE) | KILLING | DEAD)) {
                    break;
                }
            }
            dispatch(q);
        } finally {
            q.unlockAndWake();
        }
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

    /**
     * Under the lock: makes the waiter bits match the queue's lanes and grants whatever the state
     * allows (see "Phase-fair policy" and "Killing" in the notes). What it grants or fails is
     * woken by the queue after the lock is released.
     */
    private void dispatch(WaitQueue<Permit> q) {
        for (;;) {
            long s = state;
            if ((s & KILLING) != 0) {
                q.failAll(READER_LANE);
                q.failAll(WRITER_LANE);
                long n = s & ~(WRITER_WAITING | READER_QUEUED);
                // KILLING blocks every acquire and every reader that adds to a cell backs out, so
                // a zero sum read after KILLING stays zero.
                if ((n & DEAD) == 0 && (n & (READERS | EXCLUSIVE | TENTATIVE)) == 0 && cellSum() == 0) {
                    n |= DEAD;
                }
                if (n == s || casState(s, n)) {
                    if ((n & DEAD) != 0) {
                        q.grantAll(KILLER_LANE, () -> null);
                    }
                    return;
                }
                continue;
            }
            long bits = (q.isEmpty(WRITER_LANE) ? 0 : WRITER_WAITING) | (q.isEmpty(READER_LANE) ? 0 : READER_QUEUED);
            long n = (s & ~(WRITER_WAITING | READER_QUEUED)) | bits;
            if (n != s) {
                // Bits first: the sums below must be read while WRITER_WAITING is published.
                casState(s, n);
                continue;
            }
            if ((s & (EXCLUSIVE | TENTATIVE)) != 0) {
                return;                    // the holder's release (or the try-writer) re-runs us
            }
            WaitQueue.Node<Permit> w = q.peek(WRITER_LANE);
            if (w != null) {
                // WRITER_WAITING has been set since before this read, so every reader that adds
                // to a cell after the sum below backs out.
                if ((s & READERS) != 0 || cellSum() != 0) {
                    return;                // the last reader to leave re-runs us
                }
                long g = (s + STAMP_UNIT) | EXCLUSIVE;
                if (q.size(WRITER_LANE) == 1) {
                    g &= ~WRITER_WAITING;
                }
                if (casState(s, g)) {
                    q.grantHead(w, new Permit(this, exclusiveWhere(g)));
                    return;
                }
                continue;
            }
            if (!q.isEmpty(READER_LANE)) {
                int queued = q.size(READER_LANE);
                if (casState(s, (s & ~READER_QUEUED) + queued)) {
                    grantAllReaders(q);
                    return;
                }
                continue;
            }
            return;
        }
    }

    /** Under the lock, with the word already counting them: grants every queued reader. */
    private void grantAllReaders(WaitQueue<Permit> q) {
        q.grantAll(READER_LANE, () -> new Permit(this, WORD));
    }

    // ------------------------------------------------------------------------------------------
    // Internals: queueing and waiting

    /** A blocking shared acquire: the fast path here, small enough to inline; then acquire(). */
    private Permit acquireShared(int mode, long deadline) throws InterruptedException {
        int w = tryShared();
        return w >= WORD ? new Permit(this, w) : acquire(false, mode, deadline);
    }

    /** A blocking exclusive acquire: the fast path here, small enough to inline; then acquire(). */
    private Permit acquireExclusive(int mode, long deadline) throws InterruptedException {
        Permit p = tryExclusivePermit();
        return p != null ? p : acquire(true, mode, deadline);
    }

    /** The slow path of a blocking acquire whose fast path failed: spin, queue, wait. */
    private Permit acquire(boolean exclusive, int mode, long deadline) throws InterruptedException {
        Permit p = spinForPermit(exclusive, mode, deadline);
        if (p != null) {
            return p;
        }
        if (mode == TIMED && deadline - System.nanoTime() <= 0L) {
            return null;                   // timed out while watching: never queued, held no one back
        }
        WaitQueue<Permit> q = aux().queue;
        WaitQueue.Node<Permit> node = q.newWaiter(exclusive ? WRITER_LANE : READER_LANE);
        p = enqueue(node);
        if (p != null) {
            return p;                      // the permit was free again: taken without queueing
        }
        if (node.isWaiting() && !q.await(node, mode, deadline, exclusive ? new WriterVigil(node) : null)) {
            return null;                   // timed out
        }
        if (node.isGranted()) {
            return node.result();
        }
        if (mode == TIMED) {
            return null;
        }
        throw killedError();
    }

    /**
     * Tries the fast path, then, while only a holder stands in the way (no writer is queued for
     * a writer, nothing is killing), watches the state word for up to SPIN_NANOS without
     * announcing itself, and tries again whenever it may succeed (see "Spinning before queueing"
     * in the notes). Returns the permit, or null: queue.
     */
    private Permit spinForPermit(boolean exclusive, int mode, long deadline) {
        long end = 0L;
        for (int i = 0;; i++) {
            long s = state;
            if ((s & KILLING) != 0 || (s & WRITER_WAITING) != 0) {
                return null;               // killing fails in enqueue(); a queued writer goes first
            }
            if (exclusive ? (s & ~(INFLATED | STAMP | FENCED)) == 0 : (s & BLOCKS_READERS) == 0) {
                if (exclusive) {
                    Permit p = tryExclusivePermit();
                    if (p != null) {
                        return p;
                    }
                } else {
                    int w = tryShared();
                    return w >= WORD ? new Permit(this, w) : null;
                }
            }
            if (!SPIN || exclusive && (s & INFLATED) != 0) {
                // An inflated semaphore's writer queues at once: each try would sum every reader
                // cell, pulling the readers' lines away, and many readers rarely all leave at
                // once unless a writer holds them back.
                return null;
            }
            long now = System.nanoTime();
            if (i == 0) {
                end = mode == TIMED && deadline - now < SPIN_NANOS ? deadline : now + SPIN_NANOS;
            } else if (now - end >= 0L || Thread.currentThread().isInterrupted()) {
                return null;
            }
            // Back off between reads, so that the holder keeps the line: a writer looks every
            // 2^WRITER_BACKOFF pauses at most, a reader every 2^READER_BACKOFF.
            // The clock is read every 32 pauses too, so that the spin ends near SPIN_NANOS
            // whatever a pause costs on this processor.
            for (int k = 1 << Math.min(i, exclusive ? WRITER_BACKOFF : READER_BACKOFF); k > 0; k--) {
                Thread.onSpinWait();
                if ((k & 31) == 0 && System.nanoTime() - end >= 0L) {
                    break;
                }
            }
        }
    }

    private CompletableFuture<Permit> acquireAsync(boolean exclusive) {
        Permit p = exclusive ? tryExclusivePermit() : trySharedPermit();
        if (p != null) {
            return CompletableFuture.completedFuture(unowned(p));
        }
        CompletableFuture<Permit> f = new CompletableFuture<>();
        if ((state & KILLING) != 0) {
            f.completeExceptionally(killedError());    // at the call, as a free permit would be
            return f;
        }
        WaitQueue<Permit> q = aux().queue;
        WaitQueue.Node<Permit> node = q.newAsync(exclusive ? WRITER_LANE : READER_LANE, f);
        p = enqueue(node);
        if (p != null) {
            f.complete(unowned(p));        // free again, on the caller's thread: no release runs this
            return f;
        }
        // A user's cancel() (or any exceptional completion by others) withdraws the request.
        f.whenComplete((v, e) -> {
            if (e != null) {
                q.withdraw(node);
            }
        });
        // A queued writer waits for readers; if they may own slots, a release can miss its bit
        // (see releaseCell()) and no thread of ours waits to look again: a timer does. Slots
        // exist only once INFLATED is set, and INFLATED read after our WRITER_WAITING was
        // published shows whether any reader could have claimed one without backing out.
        if (exclusive && node.isWaiting() && (state & (INFLATED | FENCED)) == INFLATED) {
            pollLater(node, POLL_MIN_NANOS);
        }
        return f;
    }

    /**
     * Re-runs dispatch() for a queued async writer after {@code nanos}, then at doubling
     * intervals (up to POLL_MAX_NANOS) until it is granted, failed or cancelled. Pause.REAL's
     * timer submits the check to the common pool (not CompletableFuture's async pool, which on
     * a machine with one or two processors starts a thread per task).
     */
    private void pollLater(WaitQueue.Node<Permit> node, long nanos) {
        // Weakly: once nothing else can reach this semaphore, no permit of it can be released
        // any more (a Permit holds its semaphore), so there is nothing left to look for.
        WeakReference<RwSemaphore> self = new WeakReference<>(this);
        settings().pause.runAfter(nanos, () -> {
            RwSemaphore s = self.get();
            if (s != null && node.isWaiting()) {
                s.aux.queue.signal();
                if (node.isWaiting()) {
                    s.pollLater(node, Math.min(nanos * 2, POLL_MAX_NANOS));
                }
            }
        });
    }

    /**
     * Queues the node, or resolves it at once. Returns a permit if the permit was free again and
     * taken on the fast path (the node is then unused); otherwise null, with the node queued,
     * granted under the lock, or failed because the semaphore is killed.
     */
    private Permit enqueue(WaitQueue.Node<Permit> node) {
        WaitQueue<Permit> q = aux().queue;
        for (;;) {
            boolean retryFast = false;
            q.lock();
            try {
                long s = state;
                if ((s & KILLING) != 0) {
                    q.failUnqueued(node);
                } else if (node.lane() == WRITER_LANE) {
                    // A queued writer is always granted by dispatch(), even when the permit is free
                    // now: that way an inflated semaphore's cells are summed under WRITER_WAITING.
                    if ((s & WRITER_WAITING) == 0 && !casState(s, s | WRITER_WAITING)) {
                        continue;
                    }
                    q.add(node);
                    dispatch(q);
                } else if ((s & BLOCKS_READERS) == 0) {
                    retryFast = true;      // free again: take the fast path, outside the lock
                } else {
                    if ((s & READER_QUEUED) == 0 && !casState(s, s | READER_QUEUED)) {
                        continue;
                    }
                    q.add(node);
                }
            } finally {
                q.unlockAndWake();
            }
            if (!retryFast) {
                return null;
            }
            int w = tryShared();
            if (w >= WORD) {
                return new Permit(this, w);
            }
        }
    }

    /**
     * What a waiting writer or killer does before each park: reports a stall once it has waited
     * the stall threshold, and, once the semaphore has inflated with slots, re-runs dispatch()
     * itself at intervals from POLL_MIN_NANOS doubling to POLL_MAX_NANOS, because a release of a
     * slot may miss its bit (see releaseCell()).
     */
    private final class WriterVigil implements WaitQueue.Vigil {
        private final WaitQueue.Node<Permit> node;
        private final Settings st = settings();
        private final long stallStart = st.clock.getAsLong();
        private final long slice = Math.max(st.stallNanos / 4, TimeUnit.MILLISECONDS.toNanos(1));
        private boolean watchStall = true;
        private long pollNanos = POLL_MIN_NANOS;

        WriterVigil(WaitQueue.Node<Permit> node) {
            this.node = node;
        }

        @Override
        public long beforePark() {
            long park = Long.MAX_VALUE;
            if (watchStall) {
                long waited = st.clock.getAsLong() - stallStart;
                if (waited >= st.stallNanos) {
                    watchStall = false;    // once per wait
                    reportStall(st, node, waited);
                } else {
                    park = slice;
                }
            }
            if ((state & (INFLATED | FENCED)) == INFLATED) {
                aux.queue.signal();        // re-runs dispatch(): grants us if the readers are gone
                park = Math.min(park, pollNanos);
                pollNanos = Math.min(pollNanos * 2, POLL_MAX_NANOS);
            }
            return park;
        }
    }

    private boolean killAndWait(int mode, long deadline) throws InterruptedException {
        Aux a = aux();
        WaitQueue<Permit> q = a.queue;
        WaitQueue.Node<Permit> node = null;
        q.lock();
        try {
            for (;;) {
                long s = state;
                if ((s & KILLING) != 0 || casState(s, s | KILLING)) {
                    break;
                }
            }
            dispatch(q);
            if ((state & DEAD) == 0 && (mode != TIMED || deadline - System.nanoTime() > 0L)) {
                node = q.newWaiter(KILLER_LANE);
                q.add(node);
            }
        } finally {
            q.unlockAndWake();
        }
        tellView(a);
        if (node == null) {
            return isDead();
        }
        return q.await(node, mode, deadline, new WriterVigil(node)) && isDead();
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    private Aux aux() {
        Aux a = aux;
        if (a == null) {
            a = new Aux(this);
            if (!casAux(a)) {
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
        if ((token & ~TOKEN_BITS) == EXCLUSIVE) {
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

    private void reportStall(Settings st, WaitQueue.Node<Permit> node, long waitedNanos) {
        boolean gate = isRevocableGate();                  // a Revocable's: say it in its words
        String who = node.lane() != KILLER_LANE ? "an exclusive acquire" : gate ? "revoke()" : "kill()";
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
        long shared = (s & READERS) + cellSum();
        int readers = 0;
        int writers = 0;
        int killers = 0;
        Aux a = aux;
        if (a != null) {
            a.queue.lock();
            try {
                readers = a.queue.size(READER_LANE);
                writers = a.queue.size(WRITER_LANE);
                killers = a.queue.size(KILLER_LANE);
            } finally {
                a.queue.unlockAndWake();
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
        List<WaitQueue.Node<Permit>> queued = new ArrayList<>();
        Aux a = aux;
        if (a != null) {
            a.queue.lock();
            try {
                a.queue.copy(KILLER_LANE, queued);
                a.queue.copy(WRITER_LANE, queued);
                a.queue.copy(READER_LANE, queued);
            } finally {
                a.queue.unlockAndWake();
            }
        }
        int futures = 0;
        boolean gate = isRevocableGate();
        for (WaitQueue.Node<Permit> w : queued) {
            if (w.thread() == null) {
                futures++;
                continue;
            }
            String role = w.lane() == KILLER_LANE ? (gate ? "revoke(), waiting for accesses to close"
                                                          : "kill(), waiting for permits to be released")
                        : w.lane() == WRITER_LANE ? "queued for the exclusive permit"
                        : "queued for a shared permit";
            Dump.add(waiting, role, w.thread());
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
        return (state & READERS) + cellSum();
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
        long readers = (s & READERS) + cellSum();
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
        long accesses = (s & READERS) + cellSum();
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
        final Executor asyncExecutor;
        /** How waiters park and timers wait: Pause.REAL but in tests of the re-check's bound. */
        final Pause pause;

        Settings(long stallNanos, LongSupplier clock, Consumer<? super Report> handler, Executor asyncExecutor,
                Pause pause) {
            this.stallNanos = stallNanos;
            this.clock = clock;
            this.handler = handler;
            this.asyncExecutor = asyncExecutor;
            this.pause = pause;
        }
    }

    /**
     * What a semaphore allocates on first need: its wait queue (whose lock also guards the
     * creation of the cells and the view), the reader cells and the lock view. Never removed.
     * It is the queue's policy: dispatch() is the semaphore's.
     */
    private static final class Aux implements WaitQueue.Policy<Permit> {
        final RwSemaphore sem;
        final WaitQueue<Permit> queue;
        /** The reader cells, once inflated (a ReaderCells table). Never replaced. */
        volatile long[] cells;
        /** The ReadWriteLock view, once asked for: one per semaphore, so its per-thread state is too. */
        volatile RwSemaphoreLock view;

        Aux(RwSemaphore sem) {
            this.sem = sem;
            this.queue = new WaitQueue<>(LANES, this, sem.settings().pause);
        }

        @Override
        public void dispatch() {
            sem.dispatch(queue);
        }

        @Override
        public void orphaned(Permit p) {
            p.close();                     // granted to a future cancelled before the grant landed
        }

        @Override
        public RuntimeException failure() {
            return sem.killedError();
        }

        @Override
        public Permit forFuture(Permit p) {
            return unowned(p);
        }

        @Override
        public Executor executor() {
            return sem.settings().asyncExecutor;  // the defaults' is static: not in this graph
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
        private Executor asyncExecutor;
        private LockClass lockClass;
        private Pause pause;

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
         * Sets where the futures of async acquires ({@link RwSemaphore#acquireSharedAsync()},
         * {@link RwSemaphore#acquireExclusiveAsync()}) are completed when a release or a
         * {@code kill()} grants or fails them; by default the
         * {@linkplain ForkJoinPool#commonPool() common pool}, as for {@link Srcu}'s callbacks.
         * Never the releasing thread: a release never runs a caller's dependent actions. Dependent
         * actions that block hold a pool thread meanwhile: on a machine with one or two processors
         * the common pool has a single worker, so give such work an executor of its own. The
         * executor must run every task it accepts (a task it drops strands the permit granted to
         * that future); if it refuses a task or fails, the releasing thread completes the future
         * rather than lose the permit. A blocking acquire on a worker of a {@link ForkJoinPool}
         * waits through {@link ForkJoinPool#managedBlock}, so that a pool whose workers wait for a
         * grant that the same pool is to deliver can start another worker.
         *
         * @param executor the executor
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder asyncExecutor(Executor executor) {
            this.asyncExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Test seam (package-private): how the semaphore's waiters park and its timers wait, so
         * that a test sees every interval of the bounded re-check and decides when it ends.
         */
        Builder pause(Pause p) {
            this.pause = Objects.requireNonNull(p, "pause");
            return this;
        }

        /**
         * Builds the semaphore.
         *
         * @return a new semaphore
         */
        public RwSemaphore build() {
            boolean defaults = clock == null && reportHandler == null && asyncExecutor == null
                    && pause == null && stallNanos == DEFAULT_SETTINGS.stallNanos;
            Settings s = defaults ? null : new Settings(stallNanos,
                    clock != null ? clock : DEFAULT_SETTINGS.clock,
                    reportHandler != null ? reportHandler : DEFAULT_SETTINGS.handler,
                    asyncExecutor != null ? asyncExecutor : DEFAULT_SETTINGS.asyncExecutor,
                    pause != null ? pause : DEFAULT_SETTINGS.pause);
            return new RwSemaphore(name, s, lockClass);
        }
    }

    // Named accessors of the VarHandles, after the access mode (the notes say which reads and
    // writes pair with which).

    private boolean casState(long expected, long next) {
        return STATE.compareAndSet(this, expected, next);
    }

    private long compareAndExchangeState(long expected, long next) {
        return (long) STATE.compareAndExchange(this, expected, next);
    }

    private boolean casAux(Aux a) {
        return AUX.compareAndSet(this, null, a);
    }

    private static final VarHandle STATE;
    private static final VarHandle AUX;

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
