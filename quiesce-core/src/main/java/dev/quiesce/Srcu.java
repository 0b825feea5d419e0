package dev.quiesce;

import dev.quiesce.internal.Events;
import dev.quiesce.internal.Reports;
import dev.quiesce.internal.Stripes;
import dev.quiesce.internal.Tracker;
import dev.quiesce.internal.WaitLock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A sleepable read-copy-update domain: read sections that never block and may end on another
 * thread, and updaters that wait for a <em>grace period</em> — until every read section that had
 * already begun has ended — without stopping new sections from beginning.
 *
 * <p>This is the Linux kernel's SRCU for the JVM. The typical use is to retire something that
 * readers may still be using, or to wait until every operation that has already started has
 * finished while new ones keep starting:
 *
 * <pre>{@code
 * Srcu writes = Srcu.create("volume-writes");
 *
 * // START on the submitting thread, END on the completion thread:
 * CompletableFuture<Integer> w = writes.track(() -> asyncWrite(buffer));
 *
 * // Elsewhere: wait for every write that had started, not for later ones.
 * writes.synchronize();
 * }</pre>
 *
 * <h2>Read side</h2>
 * <table class="striped">
 * <caption>The three ways to hold a read section</caption>
 * <tr><th>form</th><th>ends on</th><th>cost</th><th>misuse detected</th></tr>
 * <tr><td>{@link #readLock()} / {@link #readUnlock(int)}</td><td>the same thread</td>
 *     <td>one atomic add each, no allocation</td><td>foreign or garbage tokens</td></tr>
 * <tr><td>{@link #downRead()} / {@link #upRead(int)}</td><td>any thread</td>
 *     <td>one atomic add each, no allocation</td><td>foreign or garbage tokens</td></tr>
 * <tr><td>{@link #enter()} / {@link ReadSection#close()}</td><td>any thread, with
 *     {@link ReadSection#detach()}</td><td>one small allocation</td>
 *     <td>also a second close</td></tr>
 * </table>
 * <p>A token is an {@code int} that carries the section's index and a salt chosen per domain: a
 * token that this domain cannot have returned is refused with {@link IllegalArgumentException}
 * and changes no count. A valid token released twice cannot be told from a real release; use
 * {@link ReadSection} where that matters. If it happens, a later scan sees more ends than begins
 * on that index: the domain {@linkplain Report.Kind#MISUSE reports} it and does <em>not</em> let
 * it end a grace period early — grace periods on that index can then no longer complete.
 * {@code readLock} and {@code downRead} differ only in what lock-dependency validation may
 * track: a {@code readLock} section belongs to its thread; a {@code downRead} section is not
 * tracked, as in the kernel. Read sections nest and never block, so a reader may hold sections
 * of any number of domains in any order.
 *
 * <h2>Grace periods</h2>
 * {@link #synchronize()} returns only after every read section that began before it was called
 * has ended, on whatever thread it ends. Sections that begin during the call do not hold it up
 * for ever: the two-index flip means a section that begins during a grace period delays it by at
 * most one phase, so no stream of new readers can starve an updater. Concurrent callers share
 * grace periods: N callers cost about one or two grace periods, not N. An updater is woken by the
 * read-section end that may have drained what it waits for; {@link #synchronizeExpedited()} also
 * spins for a while instead of parking at once, spending CPU for the lowest latency.
 *
 * <p>{@link #callAfterGracePeriod(Runnable)} runs a callback after a full grace period, on the
 * callback executor (the {@linkplain ForkJoinPool#commonPool() common pool} unless the builder
 * names another), one callback at a time, in the order they were queued. A callback that throws
 * is {@linkplain Report.Kind#CALLBACK_FAILED reported} and harms no other. {@link #barrier()}
 * waits until every callback queued before it has run. {@link #synchronizeAsync()} completes a
 * fresh future on the callback executor, never on the thread that drives grace periods.
 *
 * <p>Polled grace periods: {@link #pollState()} returns a <em>cookie</em>, a grace-period
 * sequence number, without starting anything; {@link #startPoll()} also makes sure a grace
 * period will run. {@link #pollCompleted(long)} is true once a full grace period has elapsed
 * since the cookie was taken, and stays true; {@link #awaitCompleted(long)} waits only if it has
 * not. {@link #COMPLETED} is a cookie that is always complete.
 *
 * <h2>Memory ordering — how to publish protected data</h2>
 * The guarantee rests on the Java memory model's total order of volatile accesses: the reader's
 * begin is a volatile read-modify-write of its counter, and a grace period's scans are volatile
 * reads. For a reader that reads shared data in its section and an updater that writes that data
 * before {@code synchronize()}, the promise is: <em>if the reader's read did not see the update,
 * then {@code synchronize()} waits for that reader's section to end, and everything the reader
 * did in its section happens-before {@code synchronize()} returns.</em> This needs the shared
 * reference to be accessed in <b>volatile mode</b> on both sides — a {@code volatile} field,
 * {@code AtomicReference.get/set}, or {@code VarHandle.getVolatile/setVolatile}. Acquire/release
 * is not enough in the memory model: the reader announces itself (a write) and then reads the
 * data, the updater writes the data and then reads the announcements — the store-then-load
 * pattern that only sequentially consistent accesses order. (On current HotSpot ports the
 * reader's atomic add acts as a full fence, so acquire reads work in practice; this class
 * promises only what the memory model proves.) Plain data reached through the volatile reference
 * is safe to read in the section as usual.
 *
 * <p>Other ordering: a section's {@code readUnlock}, {@code upRead} or {@code close()}
 * happens-before the return of any grace period that waited for it; the updater's actions before
 * {@code synchronize()} (or {@code callAfterGracePeriod}, {@code synchronizeAsync}) happen-before
 * the callback runs or the future completes.
 *
 * <h2>What is not guaranteed</h2>
 * A grace period waits for sections that began before it; it may or may not wait for sections
 * that begin during it. {@link #blocksGracePeriod(int)} and {@link ReadSection#blocksGracePeriod()}
 * are advisory snapshots. Nothing here is fair among updaters beyond sharing grace periods.
 *
 * <h2>Threads</h2>
 * {@code synchronize()} runs the grace period on the calling thread when no other thread is
 * already running one. Requests without a waiting thread (callbacks, {@code synchronizeAsync},
 * {@code startPoll}, a timed wait that gave up) are driven by a worker: a daemon thread per
 * domain, started on demand, that ends after a second without work. The worker paces its grace
 * periods: it starts one at least 1 ms after its previous one completed, and every request
 * queued meanwhile shares it, so a stream of callbacks costs readers a few scans a millisecond
 * rather than back-to-back grace periods; a request that finds no worker grace period in the
 * last millisecond starts one at once. {@code synchronize()}, {@code synchronizeExpedited()} and
 * {@code awaitCompleted} drive their own grace periods and are never paced; {@code barrier()}
 * waits for callbacks, and so for the pace too. Blocking methods park
 * (never spin for long) and work on virtual threads.
 *
 * @since 0.1.0
 */
public final class Srcu extends SrcuPadMid implements AutoCloseable {

    /*
     * Implementation notes.
     *
     * Counters. Each domain owns a fixed array of counter cells, striped by thread (the
     * thread id times the table's multiplier: see Stripes), created with the domain and never
     * replaced: a cell array that grew during a scan would let a scan miss a begin whose end it
     * counts. Each cell holds four monotone counters, 256 bytes from the next cell:
     *
     *   counts[(c + 1) * STRIDE + 0]         begins on index 0 counted in cell c
     *   counts[(c + 1) * STRIDE + 1]         ends on index 0
     *   counts[(c + 1) * STRIDE + SPAN + 0]  begins on index 1
     *   counts[(c + 1) * STRIDE + SPAN + 1]  ends on index 1
     *
     * Each index's pair sits in its own 128 bytes (two cache lines, for the adjacent-line
     * prefetch): a scan of one index reads only that index's lines, so the scan of the index that
     * new readers do not use leaves a busy reader's line alone (issue 12: a reader beside
     * back-to-back grace periods).
     *
     * (one STRIDE of padding before the first cell and after the last). A begin adds 1 to the
     * begin counter of its index in the current thread's cell; an end adds 1 to the end counter
     * of the token's index in the *ending* thread's cell. Only sums over all cells mean anything,
     * which is what lets a section end on another thread. Counters never decrease; 64 bits do
     * not wrap in practice. Two longs of the leading padding hold the table's multiplier and the
     * time of its last reshuffle (Stripes), which no count writes.
     *
     * Moving off a shared cell. A begin counts with Stripes.increment(), which reads the counter
     * before its add; if the add returns another value, a thread counting in the same cell began
     * in between, and the table gets a new mapping of threads to cells (at most one a
     * millisecond). Two threads whose ids hashed to one cell otherwise pulled its line from each
     * other on every section for their whole lives (issue 12, target 6). Moving is safe at any
     * point: a count records nothing but its index, and only sums over all cells are read. Ends
     * do not look (an end on a completion thread shares its cell with whoever began there, and
     * the end path stays one add and one read).
     *
     * Tokens:
     *
     *   bit  0      the index the section counted its begin on
     *   bits 1..31  this domain's salt (random, chosen at creation)
     *
     * Grace periods (after the kernel's SRCU, srcutree.c: srcu_flip, srcu_readers_active_idx_check).
     * gpSeq packs a count and a phase, as the kernel's rcu_seq does:
     *
     *   gpSeq = 4 * (grace periods completed) + phase
     *   phase 0  IDLE   no grace period running
     *   phase 1  SCAN1  waiting for the index new readers do not use (stale readers) to drain
     *   phase 2  SCAN2  the index has been flipped; waiting for the old index to drain
     *
     * A cookie is the gpSeq value at which a full grace period after "now" has completed:
     * snap(s) = (s + 7) & ~3 — the next grace period if none runs, else the one after the running
     * one (the running one may have scanned already). Cookie c is complete when gpSeq >= c.
     *
     * A scan of index i sums the end counters of all cells first and then the begin counters.
     * Every end that the scan sees had its begin before it in the synchronization order, so the
     * begin sum read later includes it: ends seen <= begins seen, and equality means that every
     * section that counted its begin on i before the scan started has ended. More ends than
     * begins can only come from a token released twice: reported, never taken as drained.
     *
     * Why two scans. A section that began (its add is in the synchronization order) before the
     * grace period started counted on index a or b. SCAN1 waits for the index that new readers
     * do not use; the flip then turns new readers to it; SCAN2 waits for the index they used. A
     * reader that read the index before the flip may still add to the old index during SCAN2: it
     * began after the grace period started, so waiting for it is allowed but not required, and
     * there is at most one such section per thread — which bounds the delay to one phase.
     *
     * Driving. One thread at a time drives the state machine (CAS of `driver`): a synchronize()
     * caller that finds no driver, or the worker. The driver runs until its own target is met,
     * so no caller drives for ever on behalf of others; when it leaves with more requested
     * (gpTarget > gpSeq) it wakes waiters and the worker, one of which takes over. Callers that
     * find a driver wait on `gpDone`, signalled at each completion and when the driver leaves.
     * While the driver waits for an index to drain it arms `drainIndex` with that index before
     * each scan and parks; the first end on that index after an arming disarms it and unparks the
     * driver, which re-arms and scans again: one unpark per park, not one per end (see
     * readUnlockUntracked for the ordering proof).
     *
     * Pacing (the kernel's srcu_get_delay). A stream of callbacks would otherwise have the worker
     * run grace periods back to back, each scan pulling every reader's cell line and each drain
     * wait unparked by a reader's end, and every request would unpark the worker mid-wait so that
     * it scanned again. So the worker starts a grace period at least PACE_NANOS after its last
     * one completed — callbacks queued meanwhile share the next one, as their cookies are equal —
     * and starts at once when it ran none in the last PACE_NANOS, so an isolated request is not
     * delayed. While it paces or drives (workerBusy), requesters do not unpark it: it reads
     * pending again when it is done. No lost wake-up: a requester adds to pending (a CAS) and
     * then reads workerBusy; the worker clears workerBusy and then reads pending (dispatchReady,
     * pending.peek(), hasWork()): by the total order of these volatile accesses either the worker
     * sees the request or the requester sees workerBusy false and unparks it. synchronize()
     * callers are never paced: they drive their own grace periods. A grace period that a caller
     * completes while the worker paces is dispatched when the pace ends (at most PACE_NANOS late).
     *
     * Callbacks and async waiters sit in `pending` with their cookie. The worker waits for the
     * head's cookie, then moves ready callbacks to `ready`, run one at a time in FIFO order by a
     * task on the callback executor, and completes async futures by tasks on that executor.
     * barrier() waits until the count of callbacks run reaches the count queued before it; as
     * callbacks run in queue order, that count covers every callback queued before the barrier.
     *
     * Figures (stats(), dump()). Only the updater side writes them: the driver records the last
     * and the longest grace period (lastGpNanos, longestGpNanos; one clock read at the start and
     * one at the completion of a grace period) and the callback counters already exist. Sections
     * open is imbalance() over both indexes — the scan the driver makes, reads only, so readers'
     * cells are read (their lines go shared for a moment) and never written. dump() finds the
     * threads waiting on gpDone and callbacksDone through WaitLock, taking each lock briefly.
     */

    /** A cookie that is always complete. */
    public static final long COMPLETED = 0L;

    private static final int STRIDE = 32;          // longs per cell: 256 bytes (>= Stripes.PADDING)
    private static final int SPAN = 16;            // longs from index 0's counters to index 1's: 128 bytes
    private static final int END = 1;              // offset of an index's end counter from its begin counter
    private static final int CLOSED_BIT = Integer.MIN_VALUE;
    static final int CLOSED_MARK = Integer.MIN_VALUE;

    private static final int IDLE = 0;
    private static final int SCAN1 = 1;
    private static final int SCAN2 = 2;
    private static final int PHASE_MASK = 3;

    // Results of the waiting steps.
    private static final int DONE = 0;
    private static final int TIMED_OUT = 1;
    private static final int INTERRUPTED = 2;

    // Wait modes.
    private static final int UNINTERRUPTIBLE = 0;
    private static final int INTERRUPTIBLE = 1;

    /**
     * How long a grace period looks again for a draining index, unarmed, before it arms the
     * wake-up and parks (see awaitDrained), and the pauses between two looks: a look every few
     * hundred nanoseconds, so that the scans do not pull the readers' lines back to back.
     */
    private static final long BRIEF_SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(2);
    private static final int BRIEF_SPIN_PAUSES = 16;
    /** How long an expedited wait spins before it parks. */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /**
     * The least time from the completion of a grace period the worker drove (for callbacks and
     * async requests) to the start of the next one it drives (see "Pacing" in the notes).
     */
    static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long an idle worker lingers before its thread ends. */
    private static final long WORKER_KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Callbacks run by one executor task before it yields the executor thread. */
    private static final int CALLBACK_BATCH = 256;
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String name;
    private final Executor callbackExecutor;
    private final Consumer<? super Report> reportHandler;
    private final long stallNanos;
    private final LongSupplier clock;
    /** Times the worker's pace: real time, or a test's clock (Builder.paceClock). */
    private final LongSupplier paceClock;
    /** The validator's node for this domain's lock class; null when validation is off. */
    private final Object lockClass;

    // Grace-period state (see the notes).
    private volatile long gpSeq;
    private volatile long gpTarget;
    private volatile long expeditedTarget;
    private volatile Thread driver;
    private volatile int gpWaiters;                // written under gpLock
    private final WaitLock gpLock = new WaitLock();
    private final Condition gpDone = gpLock.newCondition();
    // Touched only by the driver.
    private long gpStartedAt;
    private static final long NOT_WAITED = Long.MIN_VALUE;
    /** The grace period's JFR event (an Events.GracePeriodEvent), or null: see Events. */
    private Object gpEvent;
    private long stallReportedFor = -1;
    // Figures for stats(): written by the driver once per grace period, never by readers.
    private volatile long lastGpNanos;
    private volatile long longestGpNanos;
    private long misuseReportedFor = -1;

    // Worker, callbacks, barrier.
    private volatile Thread worker;
    /**
     * True while the worker paces or drives a grace period: it looks at pending again afterwards,
     * so a new request need not unpark it (see "Pacing" in the notes).
     */
    private volatile boolean workerBusy;
    /** When the worker's last grace period completed, by paceClock; worker only. */
    private long workerGpDoneAt;
    private boolean workerGpDone;
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> ready = new ConcurrentLinkedQueue<>();
    private final AtomicLong callbacksQueued = new AtomicLong();
    private final AtomicInteger asyncWaiting = new AtomicInteger();
    /** Updater calls between their closed-check and their registration (see beginUpdate). */
    private final AtomicInteger registering = new AtomicInteger();
    private volatile long callbacksRun;            // written only by the running callback task
    private volatile int runnerScheduled;
    private volatile int barrierWaiters;           // written under barrierLock
    private final WaitLock barrierLock = new WaitLock();
    private final Condition callbacksDone = barrierLock.newCondition();

    private Srcu(Builder b) {
        this(b, cells());
    }

    /**
     * The cell count is computed once and both the shift and the array derive from it:
     * availableProcessors() may change between two calls (CPU affinity; jcstress pins threads),
     * and a shift for 8 cells over an array of 4 indexed out of bounds. (Regression: found by
     * jcstress, SrcuTest.cellShiftAndArrayAgree.)
     */
    private Srcu(Builder b, int cells) {
        super(newSalt(), Stripes.shift(cells), Stripes.init(new long[(cells + 2) * STRIDE]));
        this.name = b.name != null ? b.name : "srcu-" + SEQUENCE.incrementAndGet();
        this.callbackExecutor = b.callbackExecutor != null ? b.callbackExecutor : ForkJoinPool.commonPool();
        this.reportHandler = b.reportHandler != null ? b.reportHandler : Reports::log;
        this.stallNanos = b.stallNanos;
        this.clock = b.clock != null ? b.clock : System::nanoTime;
        this.paceClock = b.paceClock != null ? b.paceClock : System::nanoTime;
        this.lockClass = Tracker.ENABLED ? Tracker.INSTANCE.lockClass(b.lockClass, "Srcu", name) : null;
    }

    /**
     * Creates a domain with default settings and a generated name.
     *
     * @return a new domain
     */
    public static Srcu create() {
        return builder().build();
    }

    /**
     * Creates a domain with default settings.
     *
     * @param name a label for diagnostics and thread names; not a key
     * @return a new domain
     * @throws NullPointerException if {@code name} is null
     */
    public static Srcu create(String name) {
        return builder().name(name).build();
    }

    /**
     * Returns a builder for a domain with non-default settings.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns this domain's name (a label, not a key).
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    // ------------------------------------------------------------------------------------------
    // Read side

    /**
     * Begins a read section that the calling thread will end with {@link #readUnlock(int)}.
     * Never blocks, never allocates.
     *
     * @return the token to pass to {@code readUnlock}
     * @throws IllegalStateException if the domain is closed
     */
    public int readLock() {
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.beforeAcquire(lockClass, this, Tracker.READ_RECURSIVE);
        }
        int token = lock();
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.tokenAcquired(lockClass, this, Tracker.READ_RECURSIVE);
        }
        return token;
    }

    /**
     * Ends a read section begun by {@link #readLock()} on the calling thread.
     *
     * @param token what {@code readLock} returned
     * @throws IllegalArgumentException if this domain cannot have returned {@code token}; no count
     *         changes
     * @throws IllegalStateException if the domain is closed
     */
    public void readUnlock(int token) {
        readUnlockUntracked(token);
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.tokenReleased(this, "readUnlock"); // after the count: a report may throw
        }
    }

    /**
     * Begins a read section that may end on any thread, with {@link #upRead(int)} — the kernel's
     * {@code srcu_down_read}. Never blocks, never allocates, and is not tracked by lock-dependency
     * validation.
     *
     * @return the token to pass to {@code upRead}, on any thread
     * @throws IllegalStateException if the domain is closed
     */
    public int downRead() {
        return lock();
    }

    /**
     * Ends a read section begun by {@link #downRead()}, on any thread. A repeated {@code upRead}
     * of a valid token cannot be told from a real one; see the class documentation.
     *
     * @param token what {@code downRead} returned
     * @throws IllegalArgumentException if this domain cannot have returned {@code token}; no count
     *         changes
     * @throws IllegalStateException if the domain is closed
     */
    public void upRead(int token) {
        readUnlockUntracked(token);
    }

    /**
     * Begins a read section held by a {@link ReadSection} handle, which may be closed on any thread
     * and detects a second close.
     *
     * @return an open handle
     * @throws IllegalStateException if the domain is closed
     */
    public ReadSection enter() {
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.beforeAcquire(lockClass, this, Tracker.READ_RECURSIVE);
        }
        int token = lock();
        ReadSection section = new ReadSection(this, token);
        if (Tracker.ENABLED) {
            Object record = Tracker.INSTANCE.acquired(lockClass, this, Tracker.READ_RECURSIVE, section,
                    () -> readUnlockUntracked(token));
            Tracker.INSTANCE.bind(section, record);
        }
        return section;
    }

    /**
     * Begins a read section, starts {@code operation}, and ends the section when the stage it
     * returns completes, normally or not — strictly before the returned future completes, on the
     * thread that completes the stage, without blocking it. If {@code operation} throws or returns
     * null, the section ends and the exception propagates ({@link NullPointerException} for null).
     *
     * <p>Cancelling the returned future does not cancel the operation, and does not end the
     * section: the section ends when the operation's stage completes, as it would have. (Ending it
     * at the cancel would let a grace period return while the operation still runs, which is what
     * the section is there to prevent.) To cancel the operation, cancel its own stage.
     *
     * <p>For a channel that takes a {@link CompletionHandler} instead of returning
     * a stage, use {@link #track(BiConsumer, Object, CompletionHandler)}.
     *
     * @param operation starts the asynchronous operation
     * @param <T> the operation's result type
     * @return a future completed with the stage's result after the section has ended
     * @throws NullPointerException if {@code operation} is null or returns null
     * @throws IllegalStateException if the domain is closed
     */
    public <T> CompletableFuture<T> track(Supplier<? extends CompletionStage<T>> operation) {
        Objects.requireNonNull(operation, "operation");
        ReadSection section = enter();
        CompletionStage<T> stage;
        try {
            stage = Objects.requireNonNull(operation.get(), "operation returned null");
        } catch (Throwable t) {
            TrackedCompletion.closeAfter(t, section);
            throw t;
        }
        return TrackedCompletion.closeWhenDone(section.detach(), stage);
    }

    /**
     * Begins a read section, starts an operation that reports to a {@link CompletionHandler}, and
     * ends the section when the operation completes, <em>before</em> {@code handler} runs — on
     * {@code completed} and on {@code failed}, on whatever thread the channel calls its handler,
     * including the initiating thread when the I/O completes at once:
     *
     * <pre>{@code
     * writes.track((a, h) -> channel.write(buffer, position, a, h), attachment, handler);
     * }</pre>
     *
     * <p>If {@code operation} throws, the section ends at once and the exception propagates
     * ({@code handler} is not called for it). The section ends exactly once. Everything
     * {@code handler} does happens-after the section ended. This is
     * {@code enter().closeOnCompletion(operation, attachment, handler)}; see
     * {@link Held#closeOnCompletion}.
     *
     * @param operation  starts the operation, given the attachment and the handler to complete
     * @param attachment passed to {@code operation} and on to {@code handler}; may be null
     * @param handler    told of the result after the section ended
     * @param <V>        the operation's result type
     * @param <A>        the attachment's type
     * @throws NullPointerException  if {@code operation} or {@code handler} is null (no section
     *                               is begun then)
     * @throws IllegalStateException if the domain is closed
     * @since 0.1.0
     */
    public <V, A> void track(BiConsumer<? super A, ? super CompletionHandler<V, A>> operation, A attachment,
            CompletionHandler<V, ? super A> handler) {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(handler, "handler");
        enter().closeOnCompletion(operation, attachment, handler);
    }

    /**
     * Returns whether a grace period in progress — or requested and about to start — waits for
     * sections with this token's index, so that a long reader can cut its work short. Advisory:
     * the answer may change right after. Cheap enough to call in a loop (two volatile reads).
     *
     * @param token a token of this domain
     * @return whether ending the section soon would let a waiting updater go on
     * @throws IllegalArgumentException if this domain cannot have returned {@code token}
     */
    public boolean blocksGracePeriod(int token) {
        checkToken(token);
        long s = gpSeq;
        int phase = (int) s & PHASE_MASK;
        if (phase == SCAN1) {
            return true;                                   // SCAN2 will wait for the other index too
        }
        if (phase == SCAN2) {
            return (token & 1) == ((state & 1) ^ 1);       // only the pre-flip index
        }
        return gpTarget > s;                               // a requested grace period waits for all
    }

    private int lock() {
        int s = state;
        if (s < 0) {
            throw closedError();
        }
        int idx = s & 1;
        // The add is a volatile read-modify-write: it is the full fence SRCU's reader needs
        // between announcing itself and reading protected data (kernel: smp_mb() B).
        // (Stripes.increment also gives the table a new mapping if another thread began here.)
        int at = cellBase() + idx * SPAN;
        Stripes.increment(counts, at);
        // Against close(): it sets the closed bit (volatile) and then scans (volatile reads); we
        // add and then read state again. Either its scan counts our begin (it refuses to close)
        // or we see the bit and take the begin back with an end. One read of a line that only a
        // flip or a close writes. (Regression: SrcuCloseRaceTest, found by Lincheck.)
        if (state < 0) {
            COUNTS.getAndAdd(counts, at + END, 1L);
            throw closedError();
        }
        return salt | idx;
    }

    void readUnlockUntracked(int token) {
        checkToken(token);
        // Refuse only a domain that is closed before we count: CLOSED_MARK is written only by a
        // close() that succeeded, which an open section of this token prevents — so a real
        // section never sees it here, while a stale token after close() is refused and counts
        // nothing. Checking after the add instead would refuse a real end that close() counted
        // before it succeeded. (Regression: jcstress SrcuTests.CloseAgainstReadLock, "2, 1".)
        if (drainIndex == CLOSED_MARK) {
            throw closedError();
        }
        int idx = token & 1;
        COUNTS.getAndAdd(counts, cellBase() + idx * SPAN + END, 1L);
        // Wake the driver once per park, not at every end: it arms drainIndex (a volatile write
        // of idx) before each scan that may be followed by a park, and the first end that finds
        // it armed disarms it (CAS idx -> -1) and unparks. No lost wake-up: take an end whose add
        // the scan after arm k did not count. Its add then follows that scan's reads in the total
        // order of volatile accesses, so it follows arm k, and so does our read of drainIndex
        // below. That read sees arm k's idx, or the -1 of a disarm that followed arm k. If idx,
        // our CAS succeeds and we unpark, or it fails because another end's CAS disarmed after
        // arm k — and that end unparks. Either way an unpark follows arm k: park k returns at once
        // (an unpark before a park makes it return), the driver re-arms and scans again. At most
        // one unpark per arm; the other ends on the index read one field and do nothing more.
        if (drainIndex == idx && DRAIN_INDEX.compareAndSet(this, idx, -1)) {
            LockSupport.unpark(driver);
        }
    }

    private void checkToken(int token) {
        if ((token & ~1) != salt) {
            throw new IllegalArgumentException(badTokenMessage(token));
        }
    }

    private String badTokenMessage(int token) {
        return "token 0x" + Integer.toHexString(token) + " was not returned by " + this
                + " (another domain's token, or not a token)";
    }

    private int cellBase() {
        return (Stripes.cell(counts, cellShift) + 1) * STRIDE;
    }

    // ------------------------------------------------------------------------------------------
    // Grace periods

    /**
     * Waits for a grace period: returns once every read section that began before this call has
     * ended, on whatever thread it ends. Sections that begin meanwhile do not delay it beyond one
     * phase of the flip. Shares grace periods with concurrent callers.
     *
     * @throws InterruptedException if interrupted while waiting; the grace period still completes
     * @throws IllegalStateException if the domain is closed
     */
    public void synchronize() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        validateWait("synchronize()");
        if (awaitGracePeriod(requestFromNow(false), NO_DEADLINE, INTERRUPTIBLE, false) == INTERRUPTED) {
            throw new InterruptedException();
        }
    }

    /**
     * As {@link #synchronize()}, but ignores interrupts while waiting; the thread's interrupt
     * status is set again on return if it was interrupted.
     *
     * @throws IllegalStateException if the domain is closed
     */
    public void synchronizeUninterruptibly() {
        validateWait("synchronizeUninterruptibly()");
        awaitGracePeriod(requestFromNow(false), NO_DEADLINE, UNINTERRUPTIBLE, false);
    }

    /**
     * As {@link #synchronize()}, waiting at most the given time. On timeout the grace period is
     * not abandoned: it completes later, driven by the domain's worker. A non-positive timeout
     * does not wait: it completes a grace period only if no section it must wait for is open.
     *
     * @param timeout how long to wait
     * @param unit the unit of {@code timeout}
     * @return true if the grace period completed, false on timeout
     * @throws InterruptedException if interrupted while waiting
     * @throws NullPointerException if {@code unit} is null
     * @throws IllegalStateException if the domain is closed
     */
    public boolean synchronize(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = deadline(timeout, unit);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        validateWait("synchronize(long, TimeUnit)");
        int r = awaitGracePeriod(requestFromNow(false), deadline, INTERRUPTIBLE, false);
        if (r == INTERRUPTED) {
            throw new InterruptedException();
        }
        return r == DONE;
    }

    /**
     * As {@link #synchronize()}, for the lowest latency: waiting threads spin for a short while
     * before they park, spending CPU so that the end of the last section is noticed at once.
     *
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalStateException if the domain is closed
     */
    public void synchronizeExpedited() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        validateWait("synchronizeExpedited()");
        if (awaitGracePeriod(requestFromNow(true), NO_DEADLINE, INTERRUPTIBLE, true) == INTERRUPTED) {
            throw new InterruptedException();
        }
    }

    /**
     * Returns a new future that completes after a grace period that starts after this call, as
     * {@link #synchronize()} would return. The future is completed by a task on the callback
     * executor, so its dependents never run on the thread that drives grace periods.
     *
     * @return a fresh future per call
     * @throws IllegalStateException if the domain is closed
     */
    public CompletableFuture<Void> synchronizeAsync() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        beginUpdate();
        try {
            long cookie = snapAndRequest(false);
            asyncWaiting.incrementAndGet();                // until dispatched to the executor
            enqueue(new Pending(cookie, () -> f.complete(null), false));
        } finally {
            endUpdate();
        }
        return f;
    }

    /**
     * Runs {@code callback} once, after a full grace period that starts after this call, on the
     * callback executor — never on the calling thread. Callbacks run one at a time in the order
     * they were queued; one that throws is reported and does not affect the others.
     *
     * @param callback what to run
     * @throws NullPointerException if {@code callback} is null
     * @throws IllegalStateException if the domain is closed
     */
    public void callAfterGracePeriod(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        beginUpdate();
        try {
            long cookie = snapAndRequest(false);
            callbacksQueued.incrementAndGet();             // before the insert: barrier() relies on it
            enqueue(new Pending(cookie, callback, true));
        } finally {
            endUpdate();
        }
    }

    /**
     * Waits until every callback queued by {@link #callAfterGracePeriod(Runnable)} before this call
     * has run — the kernel's {@code srcu_barrier}.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void barrier() throws InterruptedException {
        if (!barrier(NO_DEADLINE, true)) {
            throw new AssertionError("untimed barrier returned early");
        }
    }

    /**
     * As {@link #barrier()}, waiting at most the given time; a non-positive timeout does not wait.
     *
     * @param timeout how long to wait
     * @param unit the unit of {@code timeout}
     * @return true if every callback queued before the call has run, false on timeout
     * @throws InterruptedException if interrupted while waiting
     * @throws NullPointerException if {@code unit} is null
     */
    public boolean barrier(long timeout, TimeUnit unit) throws InterruptedException {
        return barrier(deadline(timeout, unit), false);
    }

    /**
     * Returns a cookie for a full grace period from now, without starting one. It completes when
     * later grace periods complete, whoever starts them.
     *
     * @return a cookie for {@link #pollCompleted(long)} and {@link #awaitCompleted(long)}
     */
    public long pollState() {
        return snap(gpSeq);
    }

    /**
     * As {@link #pollState()}, and makes sure the grace period the cookie needs will run (the
     * domain's worker drives it).
     *
     * @return a cookie for {@link #pollCompleted(long)} and {@link #awaitCompleted(long)}
     * @throws IllegalStateException if the domain is closed
     */
    public long startPoll() {
        long cookie = requestFromNow(false);
        ensureWorker();
        return cookie;
    }

    /**
     * Returns whether a full grace period has elapsed since {@code cookie} was taken. Once true,
     * stays true.
     *
     * @param cookie from {@link #pollState()}, {@link #startPoll()}, or {@link #COMPLETED}
     * @return whether the cookie's grace period has completed
     * @throws IllegalArgumentException if this domain cannot have issued {@code cookie}
     */
    public boolean pollCompleted(long cookie) {
        checkCookie(cookie);
        return gpSeq >= cookie;
    }

    /**
     * Waits until {@code cookie} has completed; returns at once if it has.
     *
     * @param cookie from {@link #pollState()}, {@link #startPoll()}, or {@link #COMPLETED}
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalArgumentException if this domain cannot have issued {@code cookie}
     * @throws IllegalStateException if the domain is closed and the cookie has not completed
     */
    public void awaitCompleted(long cookie) throws InterruptedException {
        checkCookie(cookie);
        if (gpSeq >= cookie) {
            return;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        validateWait("awaitCompleted(long)");
        beginUpdate();
        try {
            request(cookie, false);
        } finally {
            endUpdate();
        }
        if (awaitGracePeriod(cookie, NO_DEADLINE, INTERRUPTIBLE, false) == INTERRUPTED) {
            throw new InterruptedException();
        }
    }

    /**
     * Closes the domain: later read sections, grace periods and callbacks are refused with
     * {@link IllegalStateException}. Refuses — and leaves the domain open and unchanged — while
     * read sections are open or callbacks or {@code synchronizeAsync} futures are pending; a
     * section or call that begins concurrently with a refused close may itself be refused. A grace
     * period already requested still completes (there is nothing left for it to wait for), so
     * cookies taken before the close complete. Closing a closed domain does nothing. The worker
     * thread, if any, ends once it has nothing to do.
     *
     * @throws IllegalStateException if the domain is in use
     */
    @Override
    public void close() {
        int s;
        do {
            s = state;
            if (s < 0) {
                return;
            }
        } while (!STATE.compareAndSet(this, s, s | CLOSED_BIT));
        // From here on no section begins and no updater registers: lock() and beginUpdate() read
        // state after they announce themselves, so the checks below see them or they see the bit.
        String busy = busyReason();
        if (busy != null) {
            int t;
            do {
                t = state;
            } while (!STATE.compareAndSet(this, t, t & ~CLOSED_BIT));
            throw new IllegalStateException("cannot close " + this + ": " + busy);
        }
        drainIndex = CLOSED_MARK;
        LockSupport.unpark(worker);
    }

    private String busyReason() {
        if (registering.get() != 0) {                      // first: what it registered is visible after
            return "an updater call is registering concurrently";
        }
        for (int idx = 0; idx < 2; idx++) {
            long open = imbalance(idx);
            if (open != 0) {
                return open > 0 ? open + " read section(s) still open on index " + idx
                                : "index " + idx + " counts " + (-open) + " more section end(s) than begins "
                                  + "(a token released twice)";
            }
        }
        long queued = callbacksQueued.get() - callbacksRun;
        if (queued != 0) {
            return queued + " callback(s) not yet run";
        }
        if (asyncWaiting.get() != 0) {
            return asyncWaiting.get() + " synchronizeAsync() future(s) not yet completed";
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------
    // Grace-period engine

    private static long snap(long s) {
        return (s + 2 * PHASE_MASK + 1) & ~(long) PHASE_MASK;
    }

    /**
     * Takes a cookie for a full grace period from now and records it as wanted; refuses a closed
     * domain. A request accepted here is driven to completion even if the domain closes next.
     */
    private long requestFromNow(boolean expedited) {
        beginUpdate();
        try {
            return snapAndRequest(expedited);
        } finally {
            endUpdate();
        }
    }

    private long snapAndRequest(boolean expedited) {
        long cookie = snap(gpSeq);
        request(cookie, expedited);
        return cookie;
    }

    /**
     * Registers an updater call, or refuses it if the domain is closed. Against close(): we add
     * (volatile) and then read state; close() sets the closed bit and then reads `registering`.
     * Either close() sees us (and refuses), or we see the bit (and leave, having changed
     * nothing). Whatever a call registered before endUpdate() (callbacks, async waiters) is
     * visible to the close() that reads `registering` as 0 afterwards. (Regression:
     * SrcuCloseRaceTest, found by Lincheck.)
     */
    private void beginUpdate() {
        registering.incrementAndGet();
        if (state < 0) {
            registering.decrementAndGet();
            throw closedError();
        }
    }

    private void endUpdate() {
        registering.decrementAndGet();
    }

    private void request(long cookie, boolean expedited) {
        long t;
        while ((t = gpTarget) < cookie && !GP_TARGET.compareAndSet(this, t, cookie)) {
            Thread.onSpinWait();
        }
        if (expedited) {
            while ((t = expeditedTarget) < cookie && !EXPEDITED_TARGET.compareAndSet(this, t, cookie)) {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Waits until gpSeq reaches target, driving grace periods whenever no other thread does.
     * Repeatedly: done? return; no driver? become it and drive to the target; else wait for a
     * completion or for the driver to leave.
     */
    private int awaitGracePeriod(long target, long deadline, int mode, boolean expedited) {
        for (;;) {
            if (gpSeq >= target) {
                return DONE;
            }
            int r;
            if (driver == null && DRIVER.compareAndSet(this, null, Thread.currentThread())) {
                try {
                    r = drive(target, deadline, mode);
                } finally {
                    releaseDriver();
                }
            } else if (expedited && spinUntil(target)) {
                continue;
            } else {
                r = awaitProgress(target, deadline, mode);
            }
            if (r != DONE) {
                return r;                                  // never INTERRUPTED when UNINTERRUPTIBLE
            }
        }
    }

    /** Spins briefly while another thread drives; true if the target was met or the driver left. */
    private boolean spinUntil(long target) {
        long until = System.nanoTime() + SPIN_NANOS;
        do {
            if (gpSeq >= target || driver == null) {
                return true;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - until < 0);
        return false;
    }

    /**
     * Parks on gpDone until gpSeq reaches target or the driver leaves. DONE means "look again",
     * not "target met". No lost wake-up: the waiter writes gpWaiters (volatile) before it reads
     * gpSeq and driver; a driver writes gpSeq or driver (volatile) before it reads gpWaiters and,
     * if non-zero, signals under gpLock — which it cannot take while the waiter checks.
     */
    private int awaitProgress(long target, long deadline, int mode) {
        gpLock.lock();
        try {
            gpWaiters++;
            try {
                while (gpSeq < target && driver != null) {
                    if (deadline != NO_DEADLINE) {                 // timed waits are interruptible
                        long nanos = deadline - System.nanoTime();
                        if (nanos <= 0) {
                            return TIMED_OUT;
                        }
                        gpDone.awaitNanos(nanos);
                    } else if (mode == INTERRUPTIBLE) {
                        gpDone.await();
                    } else {
                        gpDone.awaitUninterruptibly();
                    }
                }
                return DONE;
            } finally {
                gpWaiters--;
            }
        } catch (InterruptedException e) {
            return INTERRUPTED;
        } finally {
            gpLock.unlock();
        }
    }

    /** Leaves the driver role and hands on whatever is still wanted. */
    private void releaseDriver() {
        driver = null;
        signalWaiters();
        if (gpTarget > gpSeq && Thread.currentThread() != worker) {
            ensureWorker();
        }
    }

    private void signalWaiters() {
        if (gpWaiters > 0) {
            gpLock.lock();
            try {
                gpDone.signalAll();
            } finally {
                gpLock.unlock();
            }
        }
    }

    /** Runs the grace-period state machine until gpSeq reaches target. Driver only. */
    private int drive(long target, long deadline, int mode) {
        for (;;) {
            long s = gpSeq;
            if (s >= target) {
                return DONE;
            }
            switch ((int) s & PHASE_MASK) {
                case IDLE:
                    gpStartedAt = NOT_WAITED;              // the stall clock starts at the first wait
                    beginEvent();
                    gpSeq = s + 1;                         // start: before any scan (cookies rely on it)
                    break;
                case SCAN1: {
                    int r = awaitDrained((state & 1) ^ 1, s, deadline, mode);
                    if (r != DONE) {
                        return r;
                    }
                    flip();
                    gpSeq = s + 1;
                    break;
                }
                case SCAN2: {
                    int r = awaitDrained((state & 1) ^ 1, s, deadline, mode);
                    if (r != DONE) {
                        return r;
                    }
                    gpSeq = s + 2;                         // 4k+2 -> 4(k+1): completed
                    // For stats(): timed from the first wait (the stall clock), so that a grace
                    // period with no reader to wait for reads no clock at all and counts as 0.
                    recordDuration(gpStartedAt == NOT_WAITED ? 0 : clock.getAsLong() - gpStartedAt);
                    commitEvent(s >>> 2);
                    onGracePeriodCompleted();
                    break;
                }
                default:
                    throw new IllegalStateException("corrupt grace-period sequence " + s);
            }
        }
    }

    private void beginEvent() {
        gpEvent = Events.beginGracePeriod();
    }

    private void commitEvent(long number) {
        Object e = gpEvent;
        if (e != null) {
            gpEvent = null;
            Events.endGracePeriod(e, name, number);
        }
    }

    /** Driver only: the single writer of both figures. */
    private void recordDuration(long nanos) {
        lastGpNanos = nanos;
        if (nanos > longestGpNanos) {
            longestGpNanos = nanos;
        }
    }

    private void flip() {
        int s;
        do {
            s = state;
        } while (!STATE.compareAndSet(this, s, s ^ 1));
    }

    private void onGracePeriodCompleted() {
        signalWaiters();
        if (!pending.isEmpty() && Thread.currentThread() != worker) {
            ensureWorker();
        }
    }

    /**
     * Waits until no section that began before this scan is still open on index idx.
     * Repeatedly: publish the index, scan; drained? done; else report misuse or a stall if due,
     * spin (expedited) or park until an end on idx, a timeout or an interrupt.
     */
    private int awaitDrained(int idx, long seq, long deadline, int mode) {
        if (imbalance(idx) == 0) {
            return DONE;               // nothing to wait for: no need to publish, read a clock, ...
        }
        if (gpStartedAt == NOT_WAITED) {
            gpStartedAt = clock.getAsLong();
        }
        // Most sections are short: look again a few times, a fraction of a microsecond apart,
        // before arming the wake-up and parking. A section that ends meanwhile then costs its
        // reader no unpark (the syscall a reader would pay for our park) and us no park.
        long spinEnd = System.nanoTime() + BRIEF_SPIN_NANOS;
        do {
            for (int i = 0; i < BRIEF_SPIN_PAUSES; i++) {
                Thread.onSpinWait();
            }
            if (imbalance(idx) == 0) {
                return DONE;
            }
        } while (System.nanoTime() - spinEnd < 0);
        boolean interrupted = false;
        try {
            long spinUntil = 0;
            for (;;) {
                // Arm (again: the end that woke us disarmed it), then scan: see readUnlockUntracked.
                // Still armed: leave it (no write to the line every end reads while we spin).
                // CLOSED_MARK after a close raced by this grace period: keep it (nothing can be open).
                if (drainIndex == -1) {
                    DRAIN_INDEX.compareAndSet(this, -1, idx);
                }
                long open = imbalance(idx);
                if (open == 0) {
                    return DONE;
                }
                long gp = seq >>> 2;
                if (gpStartedAt == NOT_WAITED) {
                    gpStartedAt = clock.getAsLong();
                }
                if (open < 0) {
                    reportMisuse(idx, gp, -open);
                }
                checkStall(idx, gp, open);
                long now = System.nanoTime();
                if (expeditedTarget > seq) {
                    if (spinUntil == 0) {
                        spinUntil = now + SPIN_NANOS;
                    }
                    if (now - spinUntil < 0) {
                        Thread.onSpinWait();
                        continue;
                    }
                }
                long nanos = deadline == NO_DEADLINE ? stallNanos : Math.min(deadline - now, stallNanos);
                if (nanos <= 0) {
                    return TIMED_OUT;
                }
                LockSupport.parkNanos(this, nanos);
                if (Thread.interrupted()) {
                    if (mode == INTERRUPTIBLE) {
                        return INTERRUPTED;
                    }
                    interrupted = true;                    // set again on the way out
                }
            }
        } finally {
            DRAIN_INDEX.compareAndSet(this, idx, -1);      // disarm (an end may have done it)
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Begins minus ends on index idx: ends are summed first (see the notes). */
    private long imbalance(int idx) {
        long[] c = counts;
        int end = c.length - STRIDE;
        long ends = 0;
        for (int i = STRIDE + idx * SPAN + END; i < end; i += STRIDE) {
            ends += (long) COUNTS.getVolatile(c, i);
        }
        long begins = 0;
        for (int i = STRIDE + idx * SPAN; i < end; i += STRIDE) {
            begins += (long) COUNTS.getVolatile(c, i);
        }
        return begins - ends;
    }

    private void reportMisuse(int idx, long gp, long excess) {
        if (misuseReportedFor != gp) {
            misuseReportedFor = gp;
            report(Report.Kind.MISUSE, "index " + idx + " has " + excess + " more section end(s) than "
                    + "begins: a token was released twice (upRead/readUnlock of the same token). "
                    + "Grace periods cannot complete on this index; the domain does not guess. To find the"
                    + " second end: a ReadSection (enter()) throws at the call that closes it twice, and"
                    + " -Ddev.quiesce.validate=true reports a readUnlock on a thread that holds no section.", null);
        }
    }

    private void checkStall(int idx, long gp, long open) {
        long waited = clock.getAsLong() - gpStartedAt;
        if (stallReportedFor != gp && waited >= stallNanos) {
            stallReportedFor = gp;
            long ms = TimeUnit.NANOSECONDS.toMillis(waited);
            report(Report.Kind.STALL, "grace period " + gp + " has waited " + ms + " ms for "
                    + Math.max(open, 0) + " read section(s) on index " + idx
                    + (Tracker.ENABLED ? "; open sections:" + Tracker.INSTANCE.describeOpen(this)
                                       : " (run with -Ddev.quiesce.validate=true to see their stacks)"), null);
        }
    }

    private void report(Report.Kind kind, String message, Throwable cause) {
        Reports.deliver(new Report(kind, name, message, cause), reportHandler);
    }

    // ------------------------------------------------------------------------------------------
    // Worker, callbacks, barrier

    /** A callback or async waiter with the cookie it waits for. */
    private static final class Pending {
        final long cookie;
        final Runnable action;
        final boolean counted;                             // a callback (barrier counts it)

        Pending(long cookie, Runnable action, boolean counted) {
            this.cookie = cookie;
            this.action = action;
            this.counted = counted;
        }
    }

    private void enqueue(Pending p) {
        pending.add(p);
        ensureWorker();
    }

    /**
     * Wakes the worker, starting one if none runs. No lost wake-up with a worker that is about to
     * end: requesters write gpTarget or pending before they read worker; an ending worker clears
     * worker before it reads them again (workerLoop).
     */
    private void ensureWorker() {
        Thread w = worker;
        if (w != null) {
            if (!workerBusy) {                             // see "Pacing" in the notes
                LockSupport.unpark(w);
            }
            return;
        }
        Thread t = new Thread(this::workerLoop, "quiesce-srcu-" + name);
        t.setDaemon(true);
        if (WORKER.compareAndSet(this, null, t)) {
            t.start();
        } else {
            LockSupport.unpark(worker);
        }
    }

    private boolean hasWork() {
        return gpTarget > gpSeq || !pending.isEmpty();
    }

    /**
     * Repeatedly: dispatch what is ready; wait for the grace period the oldest pending entry
     * needs (or any still requested); when idle, park; after a second idle, end — at once if the
     * domain is closed. Requests accepted before a close are still driven: with no section open,
     * they complete without waiting.
     */
    private void workerLoop() {
        Thread me = Thread.currentThread();
        long idleSince = System.nanoTime();
        for (;;) {
            dispatchReady();
            Pending head = pending.peek();
            long target = head != null ? head.cookie : gpTarget;
            if (gpSeq < target) {
                workerBusy = true;
                try {
                    pace(target);
                    awaitGracePeriod(target, NO_DEADLINE, UNINTERRUPTIBLE, false);
                } finally {
                    workerBusy = false;                    // then pending is read again: see the notes
                }
                Thread.interrupted();                      // nobody may interrupt the worker into a spin
                idleSince = System.nanoTime();
                workerGpDoneAt = paceClock.getAsLong();
                workerGpDone = true;
                continue;
            }
            if (hasWork()) {
                continue;
            }
            if (System.nanoTime() - idleSince >= WORKER_KEEP_ALIVE_NANOS || state < 0) {
                WORKER.compareAndSet(this, me, null);
                if (!hasWork() || !WORKER.compareAndSet(this, null, me)) {
                    return;
                }
                idleSince = System.nanoTime();
                continue;
            }
            LockSupport.parkNanos(this, WORKER_KEEP_ALIVE_NANOS);
        }
    }

    /**
     * Waits, before the worker starts a grace period for {@code target}, until {@link #PACE_NANOS}
     * have passed since its last one completed (real time, or a test's paceClock);
     * returns at once for an isolated request (none in the last PACE_NANOS), once another driver
     * has reached the target, or when the domain closes.
     */
    private void pace(long target) {
        if (!workerGpDone) {
            return;
        }
        for (;;) {
            long left = workerGpDoneAt + PACE_NANOS - paceClock.getAsLong();
            if (left <= 0 || gpSeq >= target || state < 0) {
                return;
            }
            Thread.interrupted();                          // nobody may interrupt the worker into a spin
            LockSupport.parkNanos(this, left);
        }
    }

    /** Moves every ready entry at the head of pending on. Worker only (single consumer). */
    private void dispatchReady() {
        long s = gpSeq;
        Pending p;
        boolean callbacks = false;
        while ((p = pending.peek()) != null && p.cookie <= s) {
            pending.poll();
            if (p.counted) {
                ready.add(p.action);
                callbacks = true;
            } else {
                asyncWaiting.decrementAndGet();            // handed over: close() need not wait for it
                execute(p.action);
            }
        }
        if (callbacks) {
            scheduleRunner();
        }
    }

    private void execute(Runnable task) {
        try {
            callbackExecutor.execute(task);
        } catch (RejectedExecutionException e) {
            report(Report.Kind.CALLBACK_FAILED, "the callback executor rejected a task; "
                    + "it runs on a new thread instead", e);
            Thread t = new Thread(task, "quiesce-srcu-" + name + "-fallback");
            t.setDaemon(true);
            t.start();
        }
    }

    private void scheduleRunner() {
        if (runnerScheduled == 0 && RUNNER.compareAndSet(this, 0, 1)) {
            execute(this::runCallbacks);
        }
    }

    /** Runs ready callbacks in order, at most a batch per task; one task at a time. */
    private void runCallbacks() {
        for (;;) {
            Runnable r;
            int n = 0;
            while (n < CALLBACK_BATCH && (r = ready.poll()) != null) {
                n++;
                try {
                    r.run();
                } catch (Throwable t) {
                    report(Report.Kind.CALLBACK_FAILED, "a callback queued by callAfterGracePeriod threw", t);
                }
                callbacksRun = callbacksRun + 1;           // single writer: the one scheduled runner
                if (barrierWaiters > 0) {
                    signalBarrier();
                }
            }
            runnerScheduled = 0;
            if (ready.isEmpty() || !RUNNER.compareAndSet(this, 0, 1)) {
                return;
            }
            if (n == CALLBACK_BATCH) {
                execute(this::runCallbacks);               // yield the executor thread
                return;
            }
        }
    }

    private void signalBarrier() {
        barrierLock.lock();
        try {
            callbacksDone.signalAll();
        } finally {
            barrierLock.unlock();
        }
    }

    private boolean barrier(long deadline, boolean untimed) throws InterruptedException {
        validateWait("barrier()");
        long target = callbacksQueued.get();
        if (callbacksRun >= target) {
            return true;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        ensureWorker();
        barrierLock.lock();
        try {
            barrierWaiters++;
            try {
                while (callbacksRun < target) {
                    if (untimed) {
                        callbacksDone.await();
                    } else {
                        long nanos = deadline - System.nanoTime();
                        if (nanos <= 0) {
                            return false;
                        }
                        callbacksDone.awaitNanos(nanos);
                    }
                }
                return true;
            } finally {
                barrierWaiters--;
            }
        } finally {
            barrierLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Figures

    /**
     * Returns this domain's figures. Cheap enough to poll every second: it reads the domain's
     * updater-side fields and scans the counter cells (two volatile reads per cell and index, no
     * write to any cell or to anything readers write), allocating the record alone.
     *
     * <p>Consistency: the figures are read one after another while readers and updaters go on, so
     * the record is not a picture of one instant. Each figure is exact for some moment during the
     * call, except {@link Stats#sectionsOpen()}, which is approximate (see there); and
     * {@code callbacksRun <= callbacksQueued} always holds in one record.
     *
     * @return a new snapshot
     */
    public Stats stats() {
        long run = callbacksRun;                           // before queued: run <= queued in the record
        long queued = callbacksQueued.get();
        long seq = gpSeq;
        long open = Math.max(0L, imbalance(0)) + Math.max(0L, imbalance(1));
        long ended = sum(END);                              // ends before begins: ended <= begun
        long begun = sum(0);
        return new Stats(name, seq >>> 2, (seq & PHASE_MASK) != IDLE, lastGpNanos, longestGpNanos, open,
                begun, ended, queued, run, state < 0);
    }

    /**
     * The sum over both indexes of the cells' begin counts ({@code at} 0) or end counts
     * ({@code at} END): cumulative, so each cell's count only grows, and so does the sum a thread
     * reads in successive calls.
     */
    private long sum(int at) {
        long[] c = counts;
        int end = c.length - STRIDE;
        long total = 0;
        for (int i = STRIDE + at; i < end; i += STRIDE) {
            total += (long) COUNTS.getVolatile(c, i) + (long) COUNTS.getVolatile(c, i + SPAN);
        }
        return total;
    }

    /**
     * Returns who holds and who waits for this domain: open sections by count, the thread driving
     * a grace period and the threads waiting for one or in {@link #barrier()}, each with its stack,
     * and, with validation on, each open section with its acquisition stack. For diagnosis — a hung
     * {@code synchronize()} — not for a hot path: it takes each waiting thread's stack.
     *
     * @return a new dump
     */
    public Dump dump() {
        Stats st = stats();
        List<Dump.Waiter> waiting = Dump.newList();
        long seq = gpSeq;
        Thread d = driver;
        if (d != null) {
            Dump.add(waiting, "driving grace period " + (seq >>> 2) + " (waiting for read sections to end)", d);
        }
        for (Thread t : gpLock.waitingOn(gpDone)) {
            Dump.add(waiting, "waiting for a grace period", t);
        }
        for (Thread t : barrierLock.waitingOn(callbacksDone)) {
            Dump.add(waiting, "in barrier(), waiting for callbacks to run", t);
        }
        String summary = st.sectionsOpen() + " read section(s) open"
                + (st.gracePeriodInProgress() ? ", grace period " + st.gracePeriodsCompleted() + " in progress"
                                              : ", no grace period in progress")
                + ", " + st.gracePeriodsCompleted() + " completed"
                + ", " + (st.callbacksQueued() - st.callbacksRun()) + " callback(s) pending"
                + (st.closed() ? ", closed" : "");
        return new Dump(toString(), summary, waiting, asyncWaiting.get(), Dump.holdersOf(this));
    }

    /**
     * A snapshot of an {@link Srcu} domain's figures, from {@link Srcu#stats()}. Counts are
     * cumulative since the domain was created, so a rate is the difference of two snapshots.
     *
     * @param name                  the domain's name (a label, not a key)
     * @param gracePeriodsCompleted grace periods completed since creation (exact)
     * @param gracePeriodInProgress whether a grace period had started and not completed
     * @param lastGracePeriodNanos  the duration of the most recently completed grace period, from
     *                              the first scan that found a section to wait for to its completion,
     *                              by the domain's clock (the builder's {@code clock},
     *                              {@code System.nanoTime} by default); 0 for a grace period that
     *                              waited for no section, and before the first
     * @param longestGracePeriodNanos the longest such duration since creation; 0 before the first
     * @param sectionsOpen          read sections open, approximate: the cells are summed one after
     *                              another while readers go on, so it is at least the number of
     *                              sections open throughout the scan and at most the number open at
     *                              some moment during it (a section that began and ended during the
     *                              scan may count); never negative — an index with more ends than
     *                              begins (a token released twice, reported as misuse) counts 0
     * @param sectionsBegun         read sections begun since creation, by every form
     *                              ({@code readLock}, {@code downRead}, {@code enter}, {@code track});
     *                              a begin that races with {@code close()} and is refused may count
     *                              as begun and ended
     * @param sectionsEnded         read sections ended since creation; never more than
     *                              {@code sectionsBegun} in one record (the ends are summed first).
     *                              Both only grow from one call to the next on one thread
     * @param callbacksQueued       callbacks queued by {@code callAfterGracePeriod} since creation
     * @param callbacksRun          callbacks that have run (or thrown) since creation; the difference
     *                              is the callbacks pending
     * @param closed                whether the domain is closed
     */
    public record Stats(String name, long gracePeriodsCompleted, boolean gracePeriodInProgress,
                        long lastGracePeriodNanos, long longestGracePeriodNanos, long sectionsOpen,
                        long sectionsBegun, long sectionsEnded, long callbacksQueued, long callbacksRun,
                        boolean closed) {

        /**
         * Checks the name.
         *
         * @param name                    the domain's name
         * @param gracePeriodsCompleted   grace periods completed
         * @param gracePeriodInProgress   whether one is running
         * @param lastGracePeriodNanos    the last one's duration
         * @param longestGracePeriodNanos the longest one's duration
         * @param sectionsOpen            sections open (approximate)
         * @param sectionsBegun           sections begun
         * @param sectionsEnded           sections ended
         * @param callbacksQueued         callbacks queued
         * @param callbacksRun            callbacks run
         * @param closed                  whether closed
         */
        public Stats {
            Objects.requireNonNull(name, "name");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Checks and helpers

    /** A wait for readers is, to the validator, an exclusive acquire of this domain's class. */
    private void validateWait(String what) {
        if (Tracker.ENABLED) {
            Tracker.INSTANCE.waitFor(lockClass, this, Tracker.WRITE, what);
        }
    }

    private void checkCookie(long cookie) {
        if (cookie != COMPLETED && (cookie < 0 || (cookie & PHASE_MASK) != 0 || cookie > snap(gpSeq))) {
            throw new IllegalArgumentException("cookie " + cookie + " was not issued by " + this
                    + " (its newest cookie is " + snap(gpSeq) + ")");
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException(this + " is closed");
    }

    private static long deadline(long timeout, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        long now = System.nanoTime();
        long nanos = unit.toNanos(timeout);
        if (nanos <= 0) {
            return now;
        }
        long d = now + nanos;
        return d == NO_DEADLINE || d < now ? NO_DEADLINE - 1 : d;
    }

    private static int newSalt() {
        int s;
        do {
            s = ThreadLocalRandom.current().nextInt() & ~1;
        } while (s == 0);
        return s;
    }

    /** Cells for a new domain: a power of two, four per CPU, 4 to 256. */
    private static int cells() {
        return Stripes.cellsPerCpu(4, 4, 256);
    }

    /** The cell the shift maps the worst-case id to: always inside the array. For tests. */
    int maxCellIndex() {
        return (int) (-1L >>> cellShift);
    }

    /** Number of counter cells: fixed per domain. Package-private for tests. */
    int cellCount() {
        return counts.length / STRIDE - 2;
    }

    @Override
    public String toString() {
        return "Srcu[" + name + "]";
    }

    /**
     * Builds an {@link Srcu} with non-default settings. Not thread-safe; reusable.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private String name;
        private Executor callbackExecutor;
        private Consumer<? super Report> reportHandler;
        private long stallNanos = TimeUnit.SECONDS.toNanos(10);
        private LongSupplier clock;
        private LongSupplier paceClock;
        private LockClass lockClass;

        Builder() {
        }

        /**
         * For tests (package-private, not API): the clock that times the worker's pace, which
         * is always real time otherwise — a stall clock that a test holds still must not hold
         * callbacks back.
         */
        Builder paceClock(LongSupplier nanoClock) {
            this.paceClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /**
         * Sets the lock class for lock-dependency validation; by default the class is the line that
         * creates the domain. Ignored when validation is off.
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
         * Sets the name used in diagnostics and thread names (a label, not a key).
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
         * Sets the executor that runs callbacks and completes {@link #synchronizeAsync()} futures;
         * the common pool by default. If it rejects a task, the task runs on a new thread and the
         * rejection is reported.
         *
         * @param executor the executor
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Sets how long a grace period may wait before it is reported as stalled (once per grace
         * period); 10 seconds by default.
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
            this.stallNanos = saturatedNanos(threshold);
            return this;
        }

        /**
         * Replaces the clock that times stall reports and the grace-period figures: a source of
         * readings in nanoseconds like {@link System#nanoTime()}. Tests use it to drive stalls
         * without sleeping. Timed waits ({@code synchronize(long, TimeUnit)}) and the worker's
         * pacing always use real time.
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
         * Builds the domain.
         *
         * @return a new domain
         */
        public Srcu build() {
            return new Srcu(this);
        }

        private static long saturatedNanos(Duration d) {
            try {
                return d.toNanos();
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
    }

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle STATE;
    private static final VarHandle GP_TARGET;
    private static final VarHandle EXPEDITED_TARGET;
    private static final VarHandle DRIVER;
    private static final VarHandle WORKER;
    private static final VarHandle RUNNER;
    private static final VarHandle DRAIN_INDEX;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(SrcuReadSide.class, "state", int.class);
            GP_TARGET = l.findVarHandle(Srcu.class, "gpTarget", long.class);
            EXPEDITED_TARGET = l.findVarHandle(Srcu.class, "expeditedTarget", long.class);
            DRIVER = l.findVarHandle(Srcu.class, "driver", Thread.class);
            WORKER = l.findVarHandle(Srcu.class, "worker", Thread.class);
            RUNNER = l.findVarHandle(Srcu.class, "runnerScheduled", int.class);
            DRAIN_INDEX = l.findVarHandle(SrcuReadSide.class, "drainIndex", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
