package dev.quiesce;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Date;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * The {@link ReadWriteLock} view of a {@link RwSemaphore}: see {@link RwSemaphore#asReadWriteLock()}
 * for the contract. Each lock held through the view is a {@link Permit} that the view keeps for the
 * thread that took it.
 */
final class RwSemaphoreLock implements ReadWriteLock {

    /*
     * Implementation notes.
     *
     * Per-thread state: a ThreadLocal per view, holding a Holder only while the thread holds
     * something through the view (it is removed when the thread holds nothing again, so a thread
     * that touches a million per-file semaphores keeps no entry for them). Only the owning thread
     * reads or writes its Holder, so its fields are plain.
     *
     *   read    write   readPending  lostToKill   the thread holds
     *   null    null    false        false        nothing (no Holder)
     *   permit  null    false        false        the read lock
     *   null    permit  false        false        the write lock
     *   null    permit  true         false        the write lock, and the read lock under it
     *   null    null    false        true         nothing: a condition's await lost the write
     *                                             lock to kill(); the next write unlock() is a no-op
     *
     * readPending is the downgrade idiom of ReentrantReadWriteLock's documentation (lock write,
     * lock read, unlock write): no permit is taken for the read, the write permit covers it, and
     * unlocking the write lock downgrades the write permit (Permit.downgrade(): atomic, no writer
     * in between) into the read permit. lostToKill lets `lock(); try { c.await(); } finally {
     * unlock(); }` show await's IllegalStateException rather than an IllegalMonitorStateException
     * from the finally block.
     *
     * Conditions (write lock only). A waiting thread is a Node:
     *
     *   WAITING    queued on its condition and in `awaiting` (all of this view's waiters)
     *   SIGNALLED  a signal() took it (CAS from WAITING) and unparked it
     *   CANCELLED  it timed out or was interrupted (its own CAS), or kill() began (kill's CAS)
     *
     * await() queues the node, releases the write permit, parks until the node leaves WAITING,
     * and takes the write lock again, uninterruptibly, before it returns or throws. signal()
     * requires the write lock, so it cannot run between await's queueing and its release: no
     * signal is lost. The CAS that leaves WAITING decides a race between a signal and a
     * cancellation; a signal that loses moves on to the next node, so it is never spent on a
     * waiter that is leaving. kill(): no one can signal a condition of a dead semaphore, so
     * RwSemaphore calls killed() after it sets KILLING, which cancels and unparks every node in
     * `awaiting`; await() adds its node to `awaiting` and then reads isKilled(). Both are volatile
     * (the queue's CAS, the state word's CAS and reads): by their total order either killed() sees
     * the node or await() sees KILLING and cancels its own node. The waiter then fails to take the
     * write lock of the killed semaphore and throws IllegalStateException.
     */

    private final RwSemaphore semaphore;
    private final ThreadLocal<Holder> holders = new ThreadLocal<>();
    private final ConcurrentLinkedQueue<Node> awaiting = new ConcurrentLinkedQueue<>();
    private final ReadView readLock = new ReadView();
    private final WriteView writeLock = new WriteView();

    RwSemaphoreLock(RwSemaphore semaphore) {
        this.semaphore = semaphore;
    }

    @Override
    public Lock readLock() {
        return readLock;
    }

    @Override
    public Lock writeLock() {
        return writeLock;
    }

    /** @return the view and the semaphore's state, as {@code RwSemaphore.toString()} gives it */
    @Override
    public String toString() {
        return "ReadWriteLock view of " + semaphore;
    }

    /** Called by the semaphore once KILLING is set: see the notes. */
    void killed() {
        for (Node n : awaiting) {
            n.cancelAndWake();
        }
    }

    /** Whether the current thread has a Holder in {@code view}: for tests (see the notes). */
    static boolean hasHolder(ReadWriteLock view) {
        return ((RwSemaphoreLock) view).holders.get() != null;
    }

    /** How many threads wait on {@code c}, a condition of this view: for tests. */
    static int waitingOn(Condition c) {
        int n = 0;
        for (Node node : ((WriteCondition) c).waiters) {
            n += node.state == Node.WAITING ? 1 : 0;
        }
        return n;
    }

    /** What the current thread holds through this view; see the notes. */
    private static final class Holder {
        Permit read;
        Permit write;
        boolean readPending;
        boolean lostToKill;

        boolean empty() {
            return read == null && write == null && !readPending && !lostToKill;
        }
    }

    /** The current thread's Holder, created if it has none. */
    private Holder holder() {
        Holder h = holders.get();
        if (h == null) {
            h = new Holder();
            holders.set(h);
        }
        return h;
    }

    /** Drops the Holder of a thread that holds nothing through the view. */
    private void tidy(Holder h) {
        if (h.empty()) {
            holders.remove();
        }
    }

    // Messages, out of line.

    private IllegalStateException reentrant(String lock) {
        return new IllegalStateException("the " + lock + " of " + this + " is not reentrant: "
                + Thread.currentThread().getName() + " already holds it");
    }

    private IllegalStateException noUpgrade() {
        return new IllegalStateException(Thread.currentThread().getName() + " holds the read lock of " + this
                + ": its write lock would wait for that thread for ever (there is no upgrade; unlock the read "
                + "lock first)");
    }

    private IllegalMonitorStateException notHeld(String lock) {
        return new IllegalMonitorStateException(Thread.currentThread().getName() + " does not hold the "
                + lock + " of " + this);
    }

    private IllegalMonitorStateException conditionWithoutLock(String op) {
        return new IllegalMonitorStateException(Thread.currentThread().getName() + " calls " + op
                + " on a condition of " + this + " without holding its write lock");
    }

    private IllegalStateException awaitUnderRead(String op) {
        return new IllegalStateException(Thread.currentThread().getName() + " holds the read lock of " + this
                + " under its write lock: " + op + " would release only the write lock; unlock the read lock first");
    }

    private IllegalStateException killedError() {
        return new IllegalStateException(semaphore + " is killed: nothing can be acquired any more");
    }

    /** After a try that got nothing: a killed semaphore is an error, not a "busy". */
    private void checkKilled() {
        if (semaphore.isKilled()) {
            throw killedError();
        }
    }

    private final class ReadView implements Lock {

        /**
         * Checks reentrancy; returns true if the thread holds the write lock (the read lock is
         * then taken as pending, unless the semaphore is killed).
         */
        private boolean underWrite(Holder h) {
            if (h.read != null || h.readPending) {
                throw reentrant("read lock");
            }
            h.lostToKill = false;                         // a new attempt: the lost lock is history
            if (h.write != null) {
                if (semaphore.isKilled()) {
                    throw killedError();
                }
                h.readPending = true;                     // the downgrade idiom: see the notes
                return true;
            }
            return false;
        }

        @Override
        public void lock() {
            Holder h = holder();
            try {
                if (!underWrite(h)) {
                    h.read = semaphore.acquireSharedUninterruptibly();
                }
            } finally {
                tidy(h);
            }
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            Holder h = holder();
            try {
                if (!underWrite(h)) {
                    h.read = semaphore.acquireShared();
                }
            } finally {
                tidy(h);
            }
        }

        @Override
        public boolean tryLock() {
            Holder h = holder();
            try {
                if (underWrite(h)) {
                    return true;
                }
                Permit p = semaphore.tryAcquireShared();
                if (p == null) {
                    checkKilled();
                    return false;
                }
                h.read = p;
                return true;
            } finally {
                tidy(h);
            }
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            Objects.requireNonNull(unit, "unit");
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            Holder h = holder();
            try {
                if (underWrite(h)) {
                    return true;
                }
                Permit p = semaphore.tryAcquireShared(time, unit);
                if (p == null) {
                    checkKilled();
                    return false;
                }
                h.read = p;
                return true;
            } finally {
                tidy(h);
            }
        }

        @Override
        public void unlock() {
            Holder h = holders.get();
            if (h == null || h.read == null && !h.readPending) {
                throw notHeld("read lock");
            }
            if (h.readPending) {
                h.readPending = false;
                return;                                   // the write lock is still held
            }
            Permit p = h.read;
            h.read = null;
            tidy(h);
            p.close();
        }

        /** @throws UnsupportedOperationException always: read locks have no conditions */
        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("the read lock of " + RwSemaphoreLock.this
                    + " has no conditions (as ReentrantReadWriteLock's); use the write lock's");
        }

        @Override
        public String toString() {
            return "read lock of " + RwSemaphoreLock.this;
        }
    }

    private final class WriteView implements Lock {

        private Holder checkFree() {
            Holder h = holder();
            if (h.write != null) {
                throw reentrant("write lock");
            }
            if (h.read != null) {
                throw noUpgrade();
            }
            h.lostToKill = false;                         // a new attempt: the lost lock is history
            return h;
        }

        @Override
        public void lock() {
            Holder h = checkFree();
            try {
                h.write = semaphore.acquireExclusiveUninterruptibly();
            } finally {
                tidy(h);
            }
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            Holder h = checkFree();
            try {
                h.write = semaphore.acquireExclusive();
            } finally {
                tidy(h);
            }
        }

        @Override
        public boolean tryLock() {
            Holder h = checkFree();
            try {
                Permit p = semaphore.tryAcquireExclusive();
                if (p == null) {
                    checkKilled();
                    return false;
                }
                h.write = p;
                return true;
            } finally {
                tidy(h);
            }
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            Objects.requireNonNull(unit, "unit");
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            Holder h = checkFree();
            try {
                Permit p = semaphore.tryAcquireExclusive(time, unit);
                if (p == null) {
                    checkKilled();
                    return false;
                }
                h.write = p;
                return true;
            } finally {
                tidy(h);
            }
        }

        @Override
        public void unlock() {
            Holder h = holders.get();
            if (h == null || h.write == null) {
                if (h != null && h.lostToKill) {
                    h.lostToKill = false;                 // see the notes: await lost it to kill()
                    tidy(h);
                    return;
                }
                throw notHeld("write lock");
            }
            Permit p = h.write;
            h.write = null;
            if (h.readPending) {
                h.readPending = false;
                h.read = p.downgrade();                   // no writer between: see the notes
            } else {
                tidy(h);
                p.close();
            }
        }

        @Override
        public Condition newCondition() {
            return new WriteCondition();
        }

        @Override
        public String toString() {
            return "write lock of " + RwSemaphoreLock.this;
        }
    }

    /** A condition of the write lock; see the notes. */
    private final class WriteCondition implements Condition {

        final ConcurrentLinkedQueue<Node> waiters = new ConcurrentLinkedQueue<>();

        private Holder writer(String op) {
            Holder h = holders.get();
            if (h == null || h.write == null) {
                throw conditionWithoutLock(op);
            }
            return h;
        }

        /**
         * Waits; returns the nanoseconds left of {@code nanos} (timed), else 0. The write lock is
         * held again when it returns or throws, unless the semaphore was killed meanwhile: then it
         * throws IllegalStateException without it.
         */
        private long await(String op, boolean interruptible, boolean timed, long nanos)
                throws InterruptedException {
            Holder h = writer(op);
            if (h.readPending) {
                throw awaitUnderRead(op);
            }
            if (interruptible && Thread.interrupted()) {
                throw new InterruptedException();
            }
            Node node = new Node(Thread.currentThread());
            waiters.add(node);
            awaiting.add(node);
            Permit p = h.write;
            h.write = null;
            p.close();
            if (semaphore.isKilled()) {
                node.cancel();                            // kill() may have missed the node: see the notes
            }
            long start = timed ? System.nanoTime() : 0L;
            boolean interruptedBeforeSignal = false;
            boolean interrupted = false;
            while (node.state == Node.WAITING) {
                if (timed) {
                    long left = nanos - (System.nanoTime() - start);
                    if (left <= 0L) {
                        node.cancel();                    // or a signal got it first: either way, leave
                        break;
                    }
                    LockSupport.parkNanos(this, left);
                } else {
                    LockSupport.park(this);
                }
                if (Thread.interrupted()) {
                    if (interruptible && node.cancel()) {
                        interruptedBeforeSignal = true;
                        break;
                    }
                    interrupted = true;                   // signalled meanwhile, or uninterruptible
                }
            }
            Permit again;
            try {
                again = semaphore.acquireExclusiveUninterruptibly();   // sets the status if interrupted
            } catch (IllegalStateException killed) {
                h.lostToKill = true;
                if (interrupted || interruptedBeforeSignal) {
                    Thread.currentThread().interrupt();
                }
                throw killed;
            } finally {
                // Only now: a cancelled node stays queued while its thread waits for the lock,
                // and signal() skips it (RwSemaphoreLockTest relies on that window).
                awaiting.remove(node);
                if (node.state == Node.CANCELLED) {
                    waiters.remove(node);
                }
            }
            h.write = again;
            if (interruptedBeforeSignal) {
                Thread.interrupted();                     // thrown, not kept (as AQS's conditions)
                throw new InterruptedException();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return timed ? nanos - (System.nanoTime() - start) : 0L;
        }

        @Override
        public void await() throws InterruptedException {
            await("await()", true, false, 0L);
        }

        @Override
        public void awaitUninterruptibly() {
            try {
                await("awaitUninterruptibly()", false, false, 0L);
            } catch (InterruptedException e) {
                throw new AssertionError("uninterruptible wait threw", e);
            }
        }

        @Override
        public long awaitNanos(long nanosTimeout) throws InterruptedException {
            return await("awaitNanos(long)", true, true, Math.max(nanosTimeout, 0L));
        }

        @Override
        public boolean await(long time, TimeUnit unit) throws InterruptedException {
            Objects.requireNonNull(unit, "unit");
            return await("await(long, TimeUnit)", true, true, Math.max(unit.toNanos(time), 0L)) > 0L;
        }

        @Override
        public boolean awaitUntil(Date deadline) throws InterruptedException {
            long until = Objects.requireNonNull(deadline, "deadline").getTime();
            long now = System.currentTimeMillis();
            long nanos = until <= now ? 0L : TimeUnit.MILLISECONDS.toNanos(until - now);   // no overflow
            await("awaitUntil(Date)", true, true, nanos);
            return System.currentTimeMillis() < until;
        }

        @Override
        public void signal() {
            writer("signal()");
            for (Node n; (n = waiters.poll()) != null; ) {
                if (n.signal()) {
                    return;
                }
            }
        }

        @Override
        public void signalAll() {
            writer("signalAll()");
            for (Node n; (n = waiters.poll()) != null; ) {
                n.signal();
            }
        }

        @Override
        public String toString() {
            return "condition of the write lock of " + RwSemaphoreLock.this;
        }
    }

    /** A thread waiting on a condition; see the notes for its states. */
    private static final class Node {
        static final int WAITING = 0;
        static final int SIGNALLED = 1;
        static final int CANCELLED = 2;

        final Thread thread;
        volatile int state;

        Node(Thread thread) {
            this.thread = thread;
        }

        boolean signal() {
            if (STATE.compareAndSet(this, WAITING, SIGNALLED)) {
                LockSupport.unpark(thread);
                return true;
            }
            return false;
        }

        boolean cancel() {
            return STATE.compareAndSet(this, WAITING, CANCELLED);
        }

        void cancelAndWake() {
            if (cancel()) {
                LockSupport.unpark(thread);
            }
        }

        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Node.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }
}
