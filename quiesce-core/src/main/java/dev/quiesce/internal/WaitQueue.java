package dev.quiesce.internal;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The waiters of one primitive: threads that spin briefly and then park, and the futures of its
 * async acquires, in first-in-first-out lanes (one per kind of waiter: readers, writers,
 * killers), under one lock. Written once, as the JDK writes {@code AbstractQueuedSynchronizer}
 * once; the primitive keeps its policy (who may have what, and when) in a
 * {@linkplain Policy#dispatch() dispatch} step that the queue runs under its lock.
 *
 * <p>Every change is made the same way, and every wake-up happens after the lock is dropped:
 * <pre>{@code
 * queue.lock();
 * try {
 *     ... change the primitive's state; add, grant or fail nodes ...
 *     ... run the primitive's dispatch (its Policy) ...
 * } finally {
 *     queue.unlockAndWake();
 * }
 * }</pre>
 * {@link #signal()} is that sequence with nothing but the dispatch; {@link #withdraw(Node)} is it
 * for a waiter that gives up.
 *
 * <p>Threads: blocking waiters park (never {@code synchronized}, never a long spin), so virtual
 * threads never pin their carrier. The futures of async waiters are completed by the policy's
 * executor — never by the thread whose release granted them, never under the lock — so a
 * release never runs a caller's dependent actions.
 *
 * @param <R> what a granted waiter receives (a permit)
 */
public final class WaitQueue<R> {

    /*
     * Implementation notes.
     *
     * Roles. The primitive owns its state word and its policy: dispatch(), run under the lock,
     * reads the state and the lanes and grants or fails what the policy allows. The queue owns
     * the nodes: the lanes, the lock, the list of nodes to wake, spinning and parking, timeouts,
     * interrupts and the delivery of futures. (AbstractQueuedSynchronizer and StampedLock keep
     * a lock-free CLH queue instead; a lock is simpler to reason about, and here it is taken
     * only when a thread must wait or a release finds waiter bits set: the primitive's fast
     * paths never take it.)
     *
     * Node status, a state machine (a volatile int, changed only under the lock, once):
     *
     *   WAITING --grantHead(), grantAll()--> GRANTED    result written before status (the
     *                                                   waiter reads status, then the result)
     *   WAITING --failAll(), failUnqueued()--> FAILED   the primitive was killed
     *   WAITING --withdraw()--> CANCELLED               the waiter gave up: timeout,
     *                                                   interrupt, a cancelled future
     *
     * Invariants, each kept under the lock:
     *   1. A node is in its lane exactly while its status is WAITING: every step above takes it
     *      out of its lane in the same step that changes its status (failUnqueued() fails a
     *      node that never entered one).
     *   2. A status leaves WAITING once. So a waiter's withdraw() and a granter's grant() race
     *      under the lock and exactly one wins: a withdraw() that loses returns false, and the
     *      waiter keeps what it was given (an interrupted waiter keeps its permit).
     *   3. Every node granted or failed while the lock is held is on the fired list when the lock
     *      is released; unlockAndWake() takes the list before it unlocks and wakes each node
     *      after. No wake-up is lost and none runs under the lock.
     *   4. After a withdraw() the primitive's dispatch runs before the lock is dropped, so a
     *      waiter that held others back (a writer blocking readers) lets them in at once.
     *
     * Waking a thread (Dekker): the waiter writes `parking`, then reads `status`; the granter
     * writes `status`, then reads `parking` (in wake()). Both are volatile, so in their total
     * order either the granter sees `parking` and unparks, or the waiter sees the new status
     * and does not park. A waiter still spinning needs no unpark: it reads status in its loop.
     *
     * Waking a future: the executor runs complete(result) (or completeExceptionally with the
     * policy's failure). If the future was completed meanwhile (the user cancelled it), complete
     * returns false and the result goes to Policy.orphaned(), which releases it: nothing granted
     * is lost. If the executor refuses the task or fails (it could not start a thread), the
     * releasing thread delivers it itself rather than lose it, and wakes the rest of the list
     * before it rethrows an Error. The executor must run every task it accepts: a task it drops
     * (shutdownNow(), a discarding policy) strands a permit. A waiter parked on a fork-join
     * worker parks through ForkJoinPool.managedBlock (see park()), so that a pool whose workers
     * all wait for a grant it has yet to deliver can start another. Parking goes through a Pause
     * (Pause.REAL: LockSupport), so that a test can see each park's interval and end it.
     */

    /** Wait mode: ignores interrupts (the status is set again on return). */
    public static final int UNINTERRUPTIBLE = 0;
    /** Wait mode: an interrupt withdraws the waiter and throws InterruptedException. */
    public static final int INTERRUPTIBLE = 1;
    /** Wait mode: as INTERRUPTIBLE, and a deadline withdraws the waiter. */
    public static final int TIMED = 2;

    /** Whether a waiter spins before it parks: only with another processor to grant it. */
    private static final boolean SPIN = Runtime.getRuntime().availableProcessors() > 1;
    /** How long a waiter spins before it parks. */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(10);

    /**
     * What the primitive does with the queue: its policy, and what becomes of results no one
     * took.
     *
     * @param <R> the result type of the queue
     */
    public interface Policy<R> {
        /**
         * Under the queue's lock: grants or fails whatever the primitive's state allows.
         */
        void dispatch();

        /**
         * Releases a result granted to a future that was already completed (cancelled). Runs
         * outside the lock, on the queue's executor (on the granting thread if the executor
         * refused the delivery).
         *
         * @param result the result no one took
         */
        void orphaned(R result);

        /**
         * Returns the exception a failed waiter gets (the primitive was killed).
         *
         * @return a new exception
         */
        RuntimeException failure();

        /**
         * Returns where futures are completed: it must run every task it accepts. Asked at each
         * delivery rather than kept by the queue, so that a shared executor (a pool) is not part
         * of the primitive's own object graph.
         *
         * @return the executor
         */
        Executor executor();

        /**
         * Turns a granted result into what a future is completed with; runs on the executor just
         * before the completion. The identity by default.
         *
         * @param result the granted result
         * @return what the future gets
         */
        default R forFuture(R result) {
            return result;
        }
    }

    /**
     * One waiter: a thread or a future, in one lane.
     *
     * @param <R> the result type
     */
    public static final class Node<R> {
        static final int WAITING = 0;
        static final int GRANTED = 1;
        static final int FAILED = 2;
        static final int CANCELLED = 3;

        final int lane;
        final Thread thread;
        final CompletableFuture<R> future;
        /** Written before status becomes GRANTED: the waiter reads it after status. */
        R result;
        volatile int status;
        /** Set by the waiting thread once it has stopped spinning: from then on, wake() unparks it. */
        volatile boolean parking;
        /** The fired list: guarded by the lock until unlockAndWake() takes it. */
        Node<R> nextFired;

        Node(int lane, Thread thread, CompletableFuture<R> future) {
            this.lane = lane;
            this.thread = thread;
            this.future = future;
        }

        /**
         * Returns the lane (the kind of waiter) this node waits in.
         *
         * @return the lane
         */
        public int lane() {
            return lane;
        }

        /**
         * Returns the waiting thread, or null for a future.
         *
         * @return the thread, or null
         */
        public Thread thread() {
            return thread;
        }

        /**
         * Returns whether the node still waits (neither granted, failed nor withdrawn).
         *
         * @return whether it waits
         */
        public boolean isWaiting() {
            return status == WAITING;
        }

        /**
         * Returns whether the node was granted; then {@link #result()} is what it was given.
         *
         * @return whether it was granted
         */
        public boolean isGranted() {
            return status == GRANTED;
        }

        /**
         * Returns what the node was granted, read after {@link #isGranted()} returned true.
         *
         * @return the result, or null if not granted
         */
        public R result() {
            return result;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Node<R>>[] lanes;
    private final Policy<R> policy;
    /** How waiters park; null for Pause.REAL (static: kept out of this queue's object graph). */
    private final Pause pause;
    /** Nodes granted or failed under the lock, to be woken after it is released (guarded by lock). */
    private Node<R> fired;

    /**
     * Creates a queue whose waiters park for real.
     *
     * @param laneCount how many kinds of waiter (1 to 8)
     * @param policy the primitive's dispatch, release and executor
     * @throws IllegalArgumentException if {@code laneCount} is out of range
     */
    public WaitQueue(int laneCount, Policy<R> policy) {
        this(laneCount, policy, Pause.REAL);
    }

    /**
     * Creates a queue whose waiters park through {@code pause} (a test's, to see and end each
     * park; {@link Pause#REAL} otherwise). Spinning and timed waits' deadlines still read
     * {@link System#nanoTime()}.
     *
     * @param laneCount how many kinds of waiter (1 to 8)
     * @param policy the primitive's dispatch, release and executor
     * @param pause how a waiter parks
     * @throws IllegalArgumentException if {@code laneCount} is out of range
     */
    @SuppressWarnings({"unchecked", "rawtypes"})       // an array of a generic type
    public WaitQueue(int laneCount, Policy<R> policy, Pause pause) {
        this.pause = Objects.requireNonNull(pause, "pause") == Pause.REAL ? null : pause;
        if (laneCount < 1 || laneCount > 8) {
            throw new IllegalArgumentException("a wait queue has 1 to 8 lanes, not " + laneCount);
        }
        this.policy = Objects.requireNonNull(policy, "policy");
        this.lanes = new ArrayDeque[laneCount];
        for (int i = 0; i < laneCount; i++) {
            lanes[i] = new ArrayDeque<>();
        }
    }

    /**
     * Returns a node for the current thread, not yet queued.
     *
     * @param lane its lane
     * @return a new node
     */
    public Node<R> newWaiter(int lane) {
        return new Node<>(checkLane(lane), Thread.currentThread(), null);
    }

    /**
     * Returns a node for a future, not yet queued.
     *
     * @param lane its lane
     * @param future completed when the node is granted or failed
     * @return a new node
     */
    public Node<R> newAsync(int lane, CompletableFuture<R> future) {
        return new Node<>(checkLane(lane), null, Objects.requireNonNull(future, "future"));
    }

    // ------------------------------------------------------------------------------------------
    // The lock

    /** Takes the lock; release it with {@link #unlockAndWake()}. */
    public void lock() {
        lock.lock();
    }

    /**
     * Returns whether the current thread holds the lock: for assertions.
     *
     * @return whether the current thread holds the lock
     */
    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    /** Takes the nodes fired under the lock, releases the lock, then wakes them. */
    public void unlockAndWake() {
        Node<R> f = fired;
        fired = null;
        lock.unlock();
        wake(f);
    }

    /** Takes the lock, runs the policy's dispatch, releases the lock and wakes what it fired. */
    public void signal() {
        lock.lock();
        try {
            policy.dispatch();
        } finally {
            unlockAndWake();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Under the lock: the lanes

    /**
     * Under the lock: queues a waiting node at the tail of its lane.
     *
     * @param node a new node
     */
    public void add(Node<R> node) {
        lanes[node.lane].addLast(node);
    }

    /**
     * Under the lock: the first node of a lane, or null.
     *
     * @param lane the lane
     * @return its head, or null
     */
    public Node<R> peek(int lane) {
        return lanes[lane].peekFirst();
    }

    /**
     * Under the lock: how many nodes wait in a lane.
     *
     * @param lane the lane
     * @return the count
     */
    public int size(int lane) {
        return lanes[lane].size();
    }

    /**
     * Under the lock: whether a lane is empty.
     *
     * @param lane the lane
     * @return whether no node waits in it
     */
    public boolean isEmpty(int lane) {
        return lanes[lane].isEmpty();
    }

    /**
     * Under the lock: appends a lane's nodes, head first, to {@code into}.
     *
     * @param lane the lane
     * @param into where to put them
     */
    public void copy(int lane, List<? super Node<R>> into) {
        into.addAll(lanes[lane]);
    }

    /**
     * Under the lock: grants the head of {@code lane}, which must be {@code node}, removing it.
     *
     * @param node the head of its lane
     * @param result what it is given
     */
    public void grantHead(Node<R> node, R result) {
        ArrayDeque<Node<R>> lane = lanes[node.lane];
        if (lane.peekFirst() != node) {    // checked before anything changes
            throw new IllegalStateException("cannot grant a node that is not the head of lane " + node.lane
                    + " (status " + node.status + "); the lane is unchanged");
        }
        lane.pollFirst();
        fire(node, result);
    }

    /**
     * Under the lock: grants every node of a lane, head first, each a result from
     * {@code result}, and empties the lane.
     *
     * @param lane the lane
     * @param result makes each node's result
     */
    public void grantAll(int lane, Supplier<? extends R> result) {
        for (Node<R> n; (n = lanes[lane].pollFirst()) != null; ) {
            fire(n, result.get());
        }
    }

    /**
     * Under the lock: fails every node of a lane (the primitive was killed).
     *
     * @param lane the lane
     */
    public void failAll(int lane) {
        for (Node<R> n; (n = lanes[lane].pollFirst()) != null; ) {
            failNode(n);
        }
    }

    /**
     * Under the lock: fails a node that was never queued (the primitive was killed before it
     * could wait).
     *
     * @param node a new node
     */
    public void failUnqueued(Node<R> node) {
        failNode(node);
    }

    private void failNode(Node<R> n) {
        n.status = Node.FAILED;
        n.nextFired = fired;
        fired = n;
    }

    private void fire(Node<R> n, R result) {
        n.result = result;
        n.status = Node.GRANTED;           // volatile write after the result: the waiter reads it after
        n.nextFired = fired;
        fired = n;
    }

    // ------------------------------------------------------------------------------------------
    // Giving up

    /**
     * Withdraws a waiting node (timeout, interrupt, a cancelled future): takes the lock, takes
     * the node out of its lane, runs the dispatch (so that whoever it held back proceeds),
     * releases the lock and wakes what the dispatch fired.
     *
     * @param node the node
     * @return true if it was withdrawn; false if it had already been granted or failed
     */
    public boolean withdraw(Node<R> node) {
        lock.lock();
        try {
            if (node.status != Node.WAITING) {
                return false;
            }
            node.status = Node.CANCELLED;
            lanes[node.lane].remove(node);
            policy.dispatch();
            return true;
        } finally {
            unlockAndWake();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Waiting

    /**
     * What a waiter does besides parking, before each park: a primitive's own periodic look
     * (a re-check of a release that could not signal, a stall report).
     */
    @FunctionalInterface
    public interface Vigil {
        /**
         * Runs before each park while the node still waits; may grant it (through the queue).
         *
         * @return the longest the waiter may park now, in nanoseconds; {@code Long.MAX_VALUE} for
         *         until woken
         */
        long beforePark();
    }

    /**
     * Waits until {@code node} (queued by the caller, or granted already) is granted or failed:
     * spins for up to 10 µs, then parks.
     *
     * @param node the current thread's node
     * @param mode {@link #UNINTERRUPTIBLE}, {@link #INTERRUPTIBLE} or {@link #TIMED}
     * @param deadline for {@code TIMED}: the {@link System#nanoTime()} at which to give up
     * @param vigil what to do before each park, or null
     * @return true if the node was granted or failed; false if it timed out (it is withdrawn)
     * @throws InterruptedException if interrupted in an interruptible mode before it was granted
     *         or failed (it is withdrawn)
     */
    public boolean await(Node<R> node, int mode, long deadline, Vigil vigil) throws InterruptedException {
        boolean interrupted = false;
        spin(node, mode, deadline);
        node.parking = true;               // Dekker with wake(): see the notes
        try {
            while (node.status == Node.WAITING) {
                long park = Long.MAX_VALUE;
                if (mode == TIMED) {
                    park = deadline - System.nanoTime();
                    if (park <= 0L) {
                        if (withdraw(node)) {
                            return false;
                        }
                        break;             // granted or failed meanwhile
                    }
                }
                if (vigil != null) {
                    park = Math.min(park, vigil.beforePark());
                    if (node.status != Node.WAITING) {
                        break;
                    }
                }
                park(node, park);
                if (Thread.interrupted()) {
                    if (mode == UNINTERRUPTIBLE) {
                        interrupted = true;
                    } else if (withdraw(node)) {
                        throw new InterruptedException();
                    } else {
                        interrupted = true; // granted meanwhile: keep the result, keep the status
                    }
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
     * Parks once, for at most {@code nanos} (Long.MAX_VALUE: until unparked). On a fork-join pool
     * worker it parks through ForkJoinPool.managedBlock, so that the pool may start a spare worker
     * meanwhile: a future this waiter needs may be delivered by a task queued on that very pool
     * (RwSemaphore's default async executor is the common pool),
     * and a pool whose every worker is parked here would never run it.
     */
    private void park(Node<R> node, long nanos) {
        if (!(Thread.currentThread() instanceof ForkJoinWorkerThread)) {
            parkHere(nanos);
            return;
        }
        boolean[] parked = new boolean[1];
        try {
            ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
                @Override
                public boolean block() {
                    parkHere(nanos);
                    parked[0] = true;
                    return true;
                }

                @Override
                public boolean isReleasable() {
                    return parked[0] || node.status != Node.WAITING;
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();     // the caller's loop reads it and decides
        }
    }

    private void parkHere(long nanos) {
        Pause p = pause;
        (p == null ? Pause.REAL : p).park(this, nanos);
    }

    /**
     * Spins briefly before the first park: a grant usually comes from a thread running on another
     * core within a few hundred nanoseconds, and parking and unparking would cost tens of
     * microseconds of scheduler latency both ways. Only the waiting thread is slowed. Returns at
     * once on a single processor, when interrupted, or at the deadline.
     */
    private static void spin(Node<?> node, int mode, long deadline) {
        if (!SPIN) {
            return;
        }
        long start = System.nanoTime();
        long end = mode == TIMED && deadline - start < SPIN_NANOS ? deadline : start + SPIN_NANOS;
        for (int i = 1; node.status == Node.WAITING; i++) {
            Thread.onSpinWait();
            if ((i & 31) == 0 && (System.nanoTime() - end >= 0L || Thread.currentThread().isInterrupted())) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Waking

    /**
     * Wakes the fired list: threads first (an unpark cannot fail), then futures. A delivery that
     * fails in any way is made here instead, and the next node is still woken; an Error from the
     * executor is rethrown once every node has been woken.
     */
    private void wake(Node<R> fired) {
        Node<R> futures = null;
        for (Node<R> n = fired, next; n != null; n = next) {
            next = n.nextFired;
            if (n.future != null) {
                n.nextFired = futures;
                futures = n;
            } else {
                n.nextFired = null;
                if (n.parking) {           // a spinning waiter sees its status without an unpark
                    LockSupport.unpark(n.thread);
                }
            }
        }
        Error error = null;
        for (Node<R> n = futures, next; n != null; n = next) {
            next = n.nextFired;
            n.nextFired = null;
            Error e = deliver(n);
            if (error == null) {
                error = e;
            }
        }
        if (error != null) {
            throw error;
        }
    }

    /**
     * Completes a future on the executor; on the calling thread if the executor refuses or fails
     * (a thread it could not start): a grant is never lost. Returns an Error the executor threw,
     * for the caller to rethrow once every node is woken.
     */
    private Error deliver(Node<R> n) {
        Runnable task = () -> complete(n);
        try {
            policy.executor().execute(task);
            return null;
        } catch (RuntimeException e) {     // a RejectedExecutionException, or the executor failed
            task.run();                    // never lose a grant: deliver it here
            return null;
        } catch (Error e) {
            task.run();
            return e;
        }
    }

    private void complete(Node<R> n) {
        if (n.status == Node.GRANTED) {
            R r = policy.forFuture(n.result);
            if (!n.future.complete(r)) {
                policy.orphaned(r);        // cancelled before the grant landed: release it
            }
        } else {
            n.future.completeExceptionally(policy.failure());
        }
    }

    private int checkLane(int lane) {
        if (lane < 0 || lane >= lanes.length) {
            throw new IllegalArgumentException("no lane " + lane + " in a wait queue of " + lanes.length);
        }
        return lane;
    }
}
