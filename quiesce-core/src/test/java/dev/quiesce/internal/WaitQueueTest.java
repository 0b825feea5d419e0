package dev.quiesce.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The wait queue on its own, with a toy policy: a counter of free units that dispatch() hands to
 * the head of lane 0 while any are free. Every wait is for a condition; the guard is a deadlock
 * guard, never a speed claim.
 */
class WaitQueueTest {

    private static final long GUARD_SECONDS = 30;

    /** A policy with {@code free} units: dispatch grants one to each waiter of lane 0 in turn. */
    static final class Units implements WaitQueue.Policy<String> {
        final WaitQueue<String> queue;
        int free;                          // guarded by the queue's lock
        int dispatches;
        final ConcurrentLinkedQueue<String> orphans = new ConcurrentLinkedQueue<>();
        final Executor executor;

        Units(Executor executor) {
            this.executor = executor;
            queue = new WaitQueue<>(2, this);
        }

        @Override
        public Executor executor() {
            return executor;
        }

        @Override
        public void dispatch() {
            dispatches++;
            for (WaitQueue.Node<String> head; free > 0 && (head = queue.peek(0)) != null; ) {
                free--;
                queue.grantHead(head, "unit");
            }
        }

        @Override
        public void orphaned(String result) {
            orphans.add(result);
        }

        @Override
        public RuntimeException failure() {
            return new IllegalStateException("units are gone");
        }

        /** Makes one unit free and dispatches, as a release does. */
        void release() {
            queue.lock();
            try {
                free++;
                dispatch();
            } finally {
                queue.unlockAndWake();
            }
        }

        WaitQueue.Node<String> enqueue(WaitQueue.Node<String> n) {
            queue.lock();
            try {
                queue.add(n);
                dispatch();
            } finally {
                queue.unlockAndWake();
            }
            return n;
        }

        int size(int lane) {
            queue.lock();
            try {
                return queue.size(lane);
            } finally {
                queue.unlockAndWake();
            }
        }
    }

    @Test
    void badLanesAndSizesAreRefusedWithAMessage() {
        Units u = new Units(Runnable::run);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> u.queue.newWaiter(2));
        assertTrue(e.getMessage().contains("no lane 2"), e.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> new WaitQueue<String>(0, u));
        assertTrue(n.getMessage().contains("1 to 8 lanes, not 0"), n.getMessage());
    }

    @Test
    void lanesAreFirstInFirstOutAndGrantHeadRefusesAnotherNode() throws Exception {
        Units u = new Units(Runnable::run);
        WaitQueue.Node<String> a = u.enqueue(u.queue.newWaiter(0));
        WaitQueue.Node<String> b = u.enqueue(u.queue.newWaiter(0));
        u.queue.lock();
        try {
            List<WaitQueue.Node<String>> copy = new ArrayList<>();
            u.queue.copy(0, copy);
            assertEquals(List.of(a, b), copy);
            assertThrows(IllegalStateException.class, () -> u.queue.grantHead(b, "x"));
        } finally {
            u.queue.unlockAndWake();
        }
        u.release();
        assertTrue(a.isGranted() && !b.isGranted(), "the second waiter was served first");
        assertEquals("unit", a.result());
        u.release();
        assertTrue(b.isGranted());
    }

    /** A waiter parked in await() is woken by the grant of another thread (no lost wake-up). */
    @Test
    void aParkedWaiterIsWokenByTheGrant() throws Exception {
        Units u = new Units(Runnable::run);
        FutureTask<String> waiter = new FutureTask<>(() -> {
            WaitQueue.Node<String> n = u.enqueue(u.queue.newWaiter(0));
            assertTrue(u.queue.await(n, WaitQueue.INTERRUPTIBLE, 0L, null));
            return n.result();
        });
        Thread t = new Thread(waiter, "waiter");
        t.start();
        awaitParked(t);
        u.release();
        assertEquals("unit", waiter.get(GUARD_SECONDS, TimeUnit.SECONDS));
    }

    /** A timed wait that runs out withdraws its node and dispatches: the next waiter is served. */
    @Test
    void aTimedOutWaiterIsWithdrawnAndDoesNotStrandTheNext() throws Exception {
        Units u = new Units(Runnable::run);
        WaitQueue.Node<String> first = u.enqueue(u.queue.newWaiter(0));
        WaitQueue.Node<String> second = u.enqueue(u.queue.newAsync(0, new CompletableFuture<>()));
        int before = u.dispatches;
        assertFalse(u.queue.await(first, WaitQueue.TIMED, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1), null));
        assertFalse(first.isWaiting() || first.isGranted(), "the timed-out node was not withdrawn");
        assertEquals(1, u.size(0));
        assertTrue(u.dispatches > before, "the withdrawal did not re-run the dispatch");
        u.release();
        assertTrue(second.isGranted(), "the waiter behind the withdrawn one was stranded");
    }

    @Test
    void anInterruptedWaiterIsWithdrawnAndThrows() throws Exception {
        Units u = new Units(Runnable::run);
        WaitQueue.Node<String> n = u.enqueue(u.queue.newWaiter(0));
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> u.queue.await(n, WaitQueue.INTERRUPTIBLE, 0L, null));
        assertFalse(Thread.currentThread().isInterrupted());
        assertEquals(0, u.size(0));
        assertFalse(u.queue.withdraw(n), "a withdrawn node was withdrawn twice");
    }

    /** A grant that wins the race with the interrupt is kept, with the interrupt status set. */
    @Test
    void aWaiterGrantedBeforeItsInterruptKeepsTheGrant() throws Exception {
        Units u = new Units(Runnable::run);
        u.free = 1;
        WaitQueue.Node<String> n = u.enqueue(u.queue.newWaiter(0));
        assertTrue(n.isGranted());
        Thread.currentThread().interrupt();
        assertTrue(u.queue.await(n, WaitQueue.INTERRUPTIBLE, 0L, null));
        assertTrue(Thread.interrupted(), "the interrupt status was lost");
        assertFalse(u.queue.withdraw(n), "a granted node could be withdrawn");
        assertEquals("unit", n.result());
    }

    @Test
    void anUninterruptibleWaiterKeepsWaitingAndRestoresTheStatus() throws Exception {
        Units u = new Units(Runnable::run);
        FutureTask<Boolean> waiter = new FutureTask<>(() -> {
            WaitQueue.Node<String> n = u.enqueue(u.queue.newWaiter(0));
            assertTrue(u.queue.await(n, WaitQueue.UNINTERRUPTIBLE, 0L, null));
            return n.isGranted() && Thread.currentThread().isInterrupted();
        });
        Thread t = new Thread(waiter, "waiter");
        t.start();
        awaitParked(t);
        t.interrupt();
        awaitCondition("the interrupt is consumed by the park loop", () -> !t.isInterrupted());
        assertEquals(1, u.size(0), "an uninterruptible waiter left the queue on an interrupt");
        u.release();
        assertTrue(waiter.get(GUARD_SECONDS, TimeUnit.SECONDS));
    }

    /** Futures are completed by the executor, never by the granting thread. */
    @Test
    void futuresAreCompletedByTheExecutorOffTheGrantingThread() throws Exception {
        List<Runnable> tasks = new ArrayList<>();
        Units u = new Units(tasks::add);
        CompletableFuture<String> f = new CompletableFuture<>();
        u.enqueue(u.queue.newAsync(0, f));
        u.release();
        assertFalse(f.isDone(), "the granting thread completed the future");
        assertEquals(1, tasks.size());
        Thread other = new Thread(tasks.get(0), "executor");
        CompletableFuture<Thread> ranOn = f.thenApply(r -> Thread.currentThread());
        other.start();
        other.join();
        assertEquals("unit", f.get());
        assertSame(other, ranOn.get());
    }

    /** A grant delivered to a future cancelled meanwhile is handed back to the policy. */
    @Test
    void aGrantToACancelledFutureIsOrphanedNotLost() throws Exception {
        List<Runnable> tasks = new ArrayList<>();
        Units u = new Units(tasks::add);
        CompletableFuture<String> f = new CompletableFuture<>();
        u.enqueue(u.queue.newAsync(0, f));
        u.release();                       // granted; delivery pending
        assertTrue(f.cancel(false));
        tasks.get(0).run();
        assertEquals(List.of("unit"), List.copyOf(u.orphans));
    }

    @Test
    void aRefusingExecutorIsReplacedByTheGrantingThread() throws Exception {
        Units u = new Units(task -> {
            throw new RejectedExecutionException("shut down");
        });
        CompletableFuture<String> f = new CompletableFuture<>();
        u.enqueue(u.queue.newAsync(0, f));
        u.release();
        assertEquals("unit", f.getNow(null), "a refused delivery was lost");
    }

    /**
     * An executor that fails (here: an Error, as when it cannot start a thread) costs no grant
     * and strands no one: each delivery is made by the granting thread, every node of the list
     * is woken, and the Error is rethrown after that.
     */
    @Test
    void aFailingExecutorDeliversInlineWakesEveryoneAndRethrowsTheError() throws Exception {
        Units u = new Units(task -> {
            throw new OutOfMemoryError("unable to create native thread");
        });
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        u.enqueue(u.queue.newAsync(0, first));
        u.enqueue(u.queue.newAsync(0, second));
        u.queue.lock();
        OutOfMemoryError e;
        try {
            u.free = 2;
            u.dispatch();
        } finally {
            e = assertThrows(OutOfMemoryError.class, u.queue::unlockAndWake);
        }
        assertEquals("unable to create native thread", e.getMessage());
        assertEquals("unit", first.getNow(null), "a grant was lost to the failing executor");
        assertEquals("unit", second.getNow(null), "the node after the failed delivery was not woken");
        assertFalse(u.queue.isHeldByCurrentThread(), "the lock was kept");
    }

    /** failAll fails threads and futures of a lane; futures get the policy's exception. */
    @Test
    void failAllWakesThreadsAndFailsFutures() throws Exception {
        Units u = new Units(Runnable::run);
        CompletableFuture<String> f = new CompletableFuture<>();
        u.enqueue(u.queue.newAsync(0, f));
        FutureTask<Boolean> waiter = new FutureTask<>(() -> {
            WaitQueue.Node<String> n = u.enqueue(u.queue.newWaiter(0));
            assertTrue(u.queue.await(n, WaitQueue.UNINTERRUPTIBLE, 0L, null));
            return n.isGranted();
        });
        Thread t = new Thread(waiter, "waiter");
        t.start();
        awaitParked(t);
        u.queue.lock();
        try {
            u.queue.failAll(0);
        } finally {
            u.queue.unlockAndWake();
        }
        assertFalse(waiter.get(GUARD_SECONDS, TimeUnit.SECONDS), "a failed waiter reported a grant");
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals(0, u.size(0));
    }

    /** Nothing is woken while the lock is held: wake-ups wait for unlockAndWake(). */
    @Test
    void wakeUpsHappenAfterTheLockIsReleased() throws Exception {
        AtomicInteger underLock = new AtomicInteger();
        List<WaitQueue<String>> queue = new ArrayList<>();
        Units u = new Units(task -> {
            if (queue.get(0).isHeldByCurrentThread()) {
                underLock.incrementAndGet();
            }
            task.run();
        });
        queue.add(u.queue);
        CompletableFuture<String> f = new CompletableFuture<>();
        u.enqueue(u.queue.newAsync(0, f));
        u.release();
        assertEquals("unit", f.getNow(null));
        assertEquals(0, underLock.get(), "a future was completed under the queue's lock");
    }

    private static void awaitParked(Thread t) {
        awaitCondition(t.getName() + " is parked", () -> {
            Thread.State s = t.getState();
            return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
        });
    }

    private static void awaitCondition(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out (deadlock guard) waiting until " + what);
            }
            Thread.yield();
        }
    }
}
