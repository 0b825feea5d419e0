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
     * Per-thread state: one ThreadLocal per view, holding a Holder per thread — the read permit,
     * the write permit, and `readPending`, set when a thread that holds the write lock takes the
     * read lock (the downgrade idiom of ReentrantReadWriteLock's documentation: lock write, lock
     * read, unlock write). No permit is taken for a pending read: the write permit covers it, and
     * unlocking the write lock downgrades the write permit (Permit.downgrade(): atomic, no writer
     * in between) into the read permit the thread then holds. Only the owning thread reads or
     * writes its Holder, so its fields are plain.
     *
     * Conditions (write lock only). await() queues a node, then releases the write permit, parks
     * until the node is signalled (or the wait times out or is interrupted: the node is then
     * cancelled by a CAS from WAITING), and takes the write lock again, uninterruptibly, before it
     * returns or throws. signal() requires the write lock, so it cannot run between await()'s
     * queueing and its release: no signal is lost. A node's state decides a race between a signal
     * and a cancellation: the CAS that leaves WAITING wins; a signal that loses moves on to the
     * next node, so a signal is never spent on a waiter that is leaving.
     */

    private final RwSemaphore semaphore;
    private final ThreadLocal<Holder> holders = ThreadLocal.withInitial(Holder::new);
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

    @Override
    public String toString() {
        return "ReadWriteLock view of " + semaphore;
    }

    /** What the current thread holds through this view. */
    private static final class Holder {
        Permit read;
        Permit write;
        boolean readPending;
    }

    private IllegalStateException reentrant(String what, String held) {
        return new IllegalStateException("the " + what + " of " + this + " is not reentrant: "
                + Thread.currentThread().getName() + " already holds its " + held);
    }

    /** After a try that got nothing: a killed semaphore is an error, not a "busy". */
    private void checkKilled() {
        if (semaphore.isKilled()) {
            throw new IllegalStateException(semaphore + " is killed: nothing can be acquired any more");
        }
    }

    private final class ReadView implements Lock {

        /** Checks reentrancy; returns true if the thread holds the write lock (the read is pending). */
        private boolean underWrite(Holder h) {
            if (h.read != null || h.readPending) {
                throw reentrant("read lock", "read lock");
            }
            if (h.write != null) {
                h.readPending = true;                     // the downgrade idiom: see the notes
                return true;
            }
            return false;
        }

        @Override
        public void lock() {
            Holder h = holders.get();
            if (!underWrite(h)) {
                h.read = semaphore.acquireSharedUninterruptibly();
            }
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            Holder h = holders.get();
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (!underWrite(h)) {
                h.read = semaphore.acquireShared();
            }
        }

        @Override
        public boolean tryLock() {
            Holder h = holders.get();
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
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            Objects.requireNonNull(unit, "unit");
            Holder h = holders.get();
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
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
        }

        @Override
        public void unlock() {
            Holder h = holders.get();
            if (h.readPending) {
                h.readPending = false;
                return;
            }
            Permit p = h.read;
            if (p == null) {
                throw new IllegalMonitorStateException(Thread.currentThread().getName()
                        + " does not hold the read lock of " + RwSemaphoreLock.this);
            }
            h.read = null;
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
            Holder h = holders.get();
            if (h.write != null) {
                throw reentrant("write lock", "write lock");
            }
            if (h.read != null) {
                throw new IllegalStateException(Thread.currentThread().getName() + " holds the read lock of "
                        + RwSemaphoreLock.this + ": its write lock would wait for that thread for ever "
                        + "(there is no upgrade; unlock the read lock first)");
            }
            return h;
        }

        @Override
        public void lock() {
            Holder h = checkFree();
            h.write = semaphore.acquireExclusiveUninterruptibly();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            Holder h = checkFree();
            h.write = semaphore.acquireExclusive();
        }

        @Override
        public boolean tryLock() {
            Holder h = checkFree();
            Permit p = semaphore.tryAcquireExclusive();
            if (p == null) {
                checkKilled();
                return false;
            }
            h.write = p;
            return true;
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            Objects.requireNonNull(unit, "unit");
            Holder h = checkFree();
            Permit p = semaphore.tryAcquireExclusive(time, unit);
            if (p == null) {
                checkKilled();
                return false;
            }
            h.write = p;
            return true;
        }

        @Override
        public void unlock() {
            Holder h = holders.get();
            Permit p = h.write;
            if (p == null) {
                throw new IllegalMonitorStateException(Thread.currentThread().getName()
                        + " does not hold the write lock of " + RwSemaphoreLock.this);
            }
            h.write = null;
            if (h.readPending) {
                h.readPending = false;
                h.read = p.downgrade();                   // no writer between: see the notes
            } else {
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

        private final ConcurrentLinkedQueue<Node> waiters = new ConcurrentLinkedQueue<>();

        private Holder writer(String op) {
            Holder h = holders.get();
            if (h.write == null) {
                throw new IllegalMonitorStateException(Thread.currentThread().getName() + " calls " + op
                        + " on a condition of " + RwSemaphoreLock.this + " without holding its write lock");
            }
            if (h.readPending && op.startsWith("await")) {
                throw new IllegalStateException(Thread.currentThread().getName() + " holds the read lock of "
                        + RwSemaphoreLock.this + " under its write lock: " + op + " would release only the "
                        + "write lock; unlock the read lock first");
            }
            return h;
        }

        private static final long UNTIMED = Long.MIN_VALUE;

        /**
         * Waits; returns the nanoseconds left (UNTIMED: untimed). The write lock is held again
         * when it returns or throws (unless the semaphore was killed meanwhile: see asReadWriteLock()).
         */
        private long await(String op, boolean interruptible, long nanos) throws InterruptedException {
            Holder h = writer(op);
            if (interruptible && Thread.interrupted()) {
                throw new InterruptedException();
            }
            Node node = new Node(Thread.currentThread());
            waiters.add(node);
            Permit p = h.write;
            h.write = null;
            p.close();
            long deadline = nanos == UNTIMED ? 0L : System.nanoTime() + nanos;
            boolean interruptedBeforeSignal = false;
            boolean interrupted = false;
            while (node.state == Node.WAITING) {
                if (nanos != UNTIMED) {
                    long left = deadline - System.nanoTime();
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
            if (node.state == Node.CANCELLED) {
                waiters.remove(node);
            }
            Permit again;
            try {
                again = semaphore.acquireExclusiveUninterruptibly();   // sets the status if interrupted
            } catch (RuntimeException killed) {
                if (interrupted || interruptedBeforeSignal) {
                    Thread.currentThread().interrupt();
                }
                throw killed;
            }
            h.write = again;
            if (interruptedBeforeSignal) {
                Thread.interrupted();                     // thrown, not kept (as AQS's conditions)
                throw new InterruptedException();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return nanos == UNTIMED ? UNTIMED : deadline - System.nanoTime();
        }

        @Override
        public void await() throws InterruptedException {
            await("await()", true, UNTIMED);
        }

        @Override
        public void awaitUninterruptibly() {
            try {
                await("awaitUninterruptibly()", false, UNTIMED);
            } catch (InterruptedException e) {
                throw new AssertionError("uninterruptible wait threw", e);
            }
        }

        @Override
        public long awaitNanos(long nanosTimeout) throws InterruptedException {
            return await("awaitNanos(long)", true, Math.max(nanosTimeout, UNTIMED + 1));
        }

        @Override
        public boolean await(long time, TimeUnit unit) throws InterruptedException {
            return awaitNanos(unit.toNanos(time)) > 0L;
        }

        @Override
        public boolean awaitUntil(Date deadline) throws InterruptedException {
            long ms = deadline.getTime() - System.currentTimeMillis();
            return awaitNanos(TimeUnit.MILLISECONDS.toNanos(ms)) > 0L;
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

    /** A thread waiting on a condition. */
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
