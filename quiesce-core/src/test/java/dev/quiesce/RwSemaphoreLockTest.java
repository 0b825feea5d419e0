package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link RwSemaphore#asReadWriteLock()}: the properties of the JSR-166 TCK's lock tests that apply
 * to a lock that is not reentrant (written here from the {@link java.util.concurrent.locks.Lock}
 * and {@link Condition} contracts), plus what the view adds — thread ownership, the fail-fast
 * reentrancy check, the downgrade idiom, writer bias and {@code kill()}. Threads are coordinated
 * with latches, joins and the semaphore's own queue counts; time-outs are only deadlock guards.
 */
@Timeout(120)
class RwSemaphoreLockTest {

    private static RwSemaphore semaphore(boolean inflated) {
        RwSemaphore s = RwSemaphore.create("view");
        if (inflated) {
            s.inflate();
        }
        return s;
    }

    /** Whether another thread could take the lock now (asked on a thread of its own). */
    /** Starts a thread that kills {@code s}. */
    private static Threads.Started<Object> startKiller(RwSemaphore s) {
        return Threads.start("killer", () -> {
            s.kill();
            return null;
        });
    }

    /** Starts a thread that takes {@code w}, awaits {@code c} once, and unlocks. */
    private static Threads.Started<Object> startAwaiter(String name, Lock w, Condition c) {
        return Threads.start(name, () -> {
            w.lock();
            try {
                c.await();
            } finally {
                w.unlock();
            }
            return null;
        });
    }

    private static boolean freeOnAnotherThread(Lock lock) throws Exception {
        return Threads.start("probe", () -> {
            if (lock.tryLock()) {
                lock.unlock();
                return true;
            }
            return false;
        }).join();
    }

    @Test
    void everyCallReturnsTheSameView() {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        assertSame(v, s.asReadWriteLock());
        assertSame(v.readLock(), v.readLock());
        assertSame(v.writeLock(), v.writeLock());
        assertTrue(v.toString().contains("view"), v.toString());
    }

    // ---------------------------------------------------------------------------------------
    // Exclusion

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readLocksAreSharedAndExcludeTheWriteLock(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        ReadWriteLock v = s.asReadWriteLock();
        v.readLock().lock();
        assertTrue(freeOnAnotherThread(v.readLock()), "a second reader was kept out");
        assertFalse(freeOnAnotherThread(v.writeLock()), "a writer got in beside a reader");
        assertEquals(1, s.stats().sharedHolders());
        v.readLock().unlock();
        assertTrue(freeOnAnotherThread(v.writeLock()));
        assertEquals(0, s.stats().sharedHolders());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theWriteLockExcludesReadersWritersAndPermits(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        assertFalse(freeOnAnotherThread(v.readLock()));
        assertFalse(freeOnAnotherThread(v.writeLock()));
        assertEquals(0L, s.tryAcquireSharedToken(), "a shared token under the view's write lock");
        assertTrue(s.stats().exclusiveHeld());
        v.writeLock().unlock();
        assertTrue(freeOnAnotherThread(v.readLock()));
        assertTrue(freeOnAnotherThread(v.writeLock()));
    }

    @Test
    void aPermitHeldElsewhereKeepsTheWriteLockOut() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        Permit p = s.acquireShared();
        assertFalse(freeOnAnotherThread(v.writeLock()));
        p.close();
        assertTrue(freeOnAnotherThread(v.writeLock()));
    }

    // ---------------------------------------------------------------------------------------
    // Ownership

    @Test
    void unlockWithoutHoldingThrowsAndChangesNothing() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        IllegalMonitorStateException r = assertThrows(IllegalMonitorStateException.class, v.readLock()::unlock);
        assertTrue(r.getMessage().contains("read lock") && r.getMessage().contains("view"), r.getMessage());
        assertThrows(IllegalMonitorStateException.class, v.writeLock()::unlock);
        Permit other = Threads.start("holder", s::acquireShared).join();
        assertThrows(IllegalMonitorStateException.class, v.readLock()::unlock, "released another thread's permit");
        assertEquals(1, s.stats().sharedHolders());
        other.close();
    }

    @Test
    void aLockBelongsToTheThreadThatTookIt() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        Throwable t = Threads.start("other", () -> {
            v.writeLock().unlock();
            return null;
        }).failure();
        assertInstanceOf(IllegalMonitorStateException.class, t);
        assertTrue(s.stats().exclusiveHeld(), "another thread's unlock released the write lock");
        v.writeLock().unlock();
        v.readLock().lock();
        assertInstanceOf(IllegalMonitorStateException.class, Threads.start("other", () -> {
            v.readLock().unlock();
            return null;
        }).failure());
        assertEquals(1, s.stats().sharedHolders());
        v.readLock().unlock();
        assertEquals(0, s.stats().sharedHolders());
    }

    @Test
    void reentryFailsFastAndChangesNothing() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.readLock().lock();
        IllegalStateException e = assertThrows(IllegalStateException.class, v.readLock()::lock);
        assertTrue(e.getMessage().contains("not reentrant"), e.getMessage());
        assertThrows(IllegalStateException.class, v.readLock()::tryLock);
        assertThrows(IllegalStateException.class, () -> v.readLock().tryLock(1, TimeUnit.SECONDS));
        IllegalStateException up = assertThrows(IllegalStateException.class, v.writeLock()::lock);
        assertTrue(up.getMessage().contains("no upgrade"), up.getMessage());
        assertThrows(IllegalStateException.class, v.writeLock()::tryLock);
        assertEquals(1, s.stats().sharedHolders(), "a refused reentry counted a permit");
        v.readLock().unlock();
        assertTrue(freeOnAnotherThread(v.writeLock()), "the refused reentries left something held");

        v.writeLock().lock();
        assertThrows(IllegalStateException.class, v.writeLock()::lock);
        assertThrows(IllegalStateException.class, v.writeLock()::lockInterruptibly);
        assertThrows(IllegalStateException.class, () -> v.writeLock().tryLock(1, TimeUnit.SECONDS));
        v.writeLock().unlock();
        assertThrows(IllegalMonitorStateException.class, v.writeLock()::unlock, "held twice after a refused reentry");
        assertTrue(freeOnAnotherThread(v.writeLock()));
    }

    // ---------------------------------------------------------------------------------------
    // The downgrade idiom

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readUnderWriteThenWriteUnlockDowngrades(boolean inflated) throws Exception {
        RwSemaphore s = semaphore(inflated);
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        v.readLock().lock();                                     // pending under the write lock
        assertFalse(freeOnAnotherThread(v.readLock()), "a reader got in before the write unlock");
        v.writeLock().unlock();                                  // the downgrade
        assertTrue(freeOnAnotherThread(v.readLock()), "after the downgrade readers may enter");
        assertFalse(freeOnAnotherThread(v.writeLock()), "the downgrade let a writer in");
        assertEquals(1, s.stats().sharedHolders());
        assertThrows(IllegalStateException.class, v.readLock()::lock, "read held after the downgrade");
        v.readLock().unlock();
        assertTrue(freeOnAnotherThread(v.writeLock()));
    }

    @Test
    void readUnlockedUnderWriteLeavesOnlyTheWriteLock() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        assertTrue(v.readLock().tryLock());
        v.readLock().unlock();
        assertThrows(IllegalMonitorStateException.class, v.readLock()::unlock);
        v.writeLock().unlock();
        assertEquals(0, s.stats().sharedHolders());
        assertTrue(freeOnAnotherThread(v.writeLock()));
    }

    // ---------------------------------------------------------------------------------------
    // Waiting: interrupts and time-outs

    @Test
    void lockInterruptiblyOfAnInterruptedThreadThrowsAndTakesNothing() {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        for (Lock lock : new Lock[] {v.readLock(), v.writeLock()}) {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, lock::lockInterruptibly);
            assertFalse(Thread.interrupted(), "InterruptedException thrown with the status still set");
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> lock.tryLock(1, TimeUnit.SECONDS));
            Thread.interrupted();
        }
        assertEquals(0, s.stats().sharedHolders());
        assertFalse(s.stats().exclusiveHeld());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aWaitingLockInterruptiblyIsInterrupted(boolean write) throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        Threads.Started<Object> waiter = Threads.start("waiter", () -> {
            (write ? v.writeLock() : v.readLock()).lockInterruptibly();
            return null;
        });
        Threads.await(() -> queued(s, write) == 1, "the waiter queued");
        waiter.thread.interrupt();
        assertInstanceOf(InterruptedException.class, waiter.failure());
        assertEquals(0, queued(s, write), "the interrupted waiter stayed queued");
        v.writeLock().unlock();
        assertTrue(freeOnAnotherThread(v.writeLock()), "the interrupted waiter took a permit");
    }

    @Test
    void lockWaitsThroughAnInterruptAndKeepsTheStatus() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        Threads.Started<Boolean> waiter = Threads.start("waiter", () -> {
            v.readLock().lock();
            boolean interrupted = Thread.interrupted();
            v.readLock().unlock();
            return interrupted;
        });
        Threads.await(() -> s.stats().waitingReaders() == 1, "the reader queued");
        interruptAndAwaitItsHandling(waiter);
        assertFalse(waiter.isDone(), "lock() returned while the write lock was held");
        v.writeLock().unlock();
        assertTrue(waiter.join(), "lock() lost the interrupt status");
    }

    /**
     * Interrupts a thread that waits uninterruptibly and returns once it has seen the interrupt:
     * it clears the status (to park again) and is waiting again, or it has returned.
     */
    private static void interruptAndAwaitItsHandling(Threads.Started<?> waiter) {
        waiter.thread.interrupt();
        Threads.await(() -> waiter.isDone() || !waiter.thread.isInterrupted()
                && (waiter.thread.getState() == Thread.State.WAITING
                    || waiter.thread.getState() == Thread.State.TIMED_WAITING), "the waiter handled the interrupt");
    }

    @Test
    void timedTryLockGivesUpAfterItsTimeout() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(20);
        for (Lock lock : new Lock[] {v.readLock(), v.writeLock()}) {
            long waited = Threads.start("timed", () -> {
                long start = System.nanoTime();
                assertFalse(lock.tryLock(timeoutNanos, TimeUnit.NANOSECONDS));
                return System.nanoTime() - start;
            }).join();
            assertTrue(waited >= timeoutNanos, "gave up after " + waited + " ns, before its timeout");
        }
        assertEquals(0, s.stats().waitingReaders() + s.stats().waitingWriters());
        v.writeLock().unlock();
    }

    @Test
    void timedTryLockSucceedsWhenReleasedWhileItWaits() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.readLock().lock();
        Threads.Started<Boolean> writer = Threads.start("writer", () -> {
            boolean got = v.writeLock().tryLock(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
            if (got) {
                v.writeLock().unlock();
            }
            return got;
        });
        Threads.await(() -> s.stats().waitingWriters() == 1, "the writer queued");
        v.readLock().unlock();
        assertTrue(writer.join());
    }

    // ---------------------------------------------------------------------------------------
    // Writer bias

    @Test
    void aWaitingWriterKeepsNewReadersOutAndReadersQueuedMeanwhileFollowIt() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.readLock().lock();
        CountDownLatch writerIn = new CountDownLatch(1);
        CountDownLatch letWriterGo = new CountDownLatch(1);
        Threads.Started<Object> writer = Threads.start("writer", () -> {
            v.writeLock().lock();
            writerIn.countDown();
            letWriterGo.await();
            v.writeLock().unlock();
            return null;
        });
        Threads.await(() -> s.stats().waitingWriters() == 1, "the writer queued");
        assertFalse(freeOnAnotherThread(v.readLock()), "a new reader overtook a waiting writer");
        Threads.Started<Boolean> reader = Threads.start("reader", () -> {
            v.readLock().lock();
            boolean writerWasIn = writerIn.getCount() == 0;
            v.readLock().unlock();
            return writerWasIn;
        });
        Threads.await(() -> s.stats().waitingReaders() == 1, "the reader queued behind the writer");
        v.readLock().unlock();
        writerIn.await();
        letWriterGo.countDown();
        assertTrue(reader.join(), "the queued reader entered before the writer it queued behind");
        writer.join();
    }

    // ---------------------------------------------------------------------------------------
    // kill()

    @Test
    void everyLockMethodOfAKilledSemaphoreThrows() {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        s.kill();
        for (Lock lock : new Lock[] {v.readLock(), v.writeLock()}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, lock::lock);
            assertTrue(e.getMessage().contains("killed"), e.getMessage());
            assertThrows(IllegalStateException.class, lock::lockInterruptibly);
            IllegalStateException t = assertThrows(IllegalStateException.class, lock::tryLock);
            assertTrue(t.getMessage().contains("killed"), t.getMessage());
            assertThrows(IllegalStateException.class, () -> lock.tryLock(1, TimeUnit.SECONDS));
            assertThrows(IllegalMonitorStateException.class, lock::unlock, "a failed lock left something held");
        }
    }

    @Test
    void killWaitsForLocksHeldThroughTheViewAndWakesQueuedLockers() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.readLock().lock();
        Threads.Started<Object> writer = Threads.start("writer", () -> {
            v.writeLock().lock();
            return null;
        });
        Threads.await(() -> s.stats().waitingWriters() == 1, "the writer queued");
        Threads.Started<Object> killer = startKiller(s);
        assertInstanceOf(IllegalStateException.class, writer.failure(), "a queued lock() was not failed by kill()");
        Threads.await(() -> s.stats().waitingKillers() == 1, "kill() waits");
        assertFalse(killer.isDone(), "kill() returned while the view held a read lock");
        v.readLock().unlock();
        killer.join();
        assertTrue(s.stats().dead());
    }

    // ---------------------------------------------------------------------------------------
    // Conditions

    @Test
    void onlyTheWriteLockHasConditionsAndTheyNeedIt() {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        assertThrows(UnsupportedOperationException.class, v.readLock()::newCondition);
        Condition c = v.writeLock().newCondition();
        assertThrows(IllegalMonitorStateException.class, c::await);
        assertThrows(IllegalMonitorStateException.class, c::awaitUninterruptibly);
        assertThrows(IllegalMonitorStateException.class, () -> c.awaitNanos(1));
        assertThrows(IllegalMonitorStateException.class, c::signal);
        assertThrows(IllegalMonitorStateException.class, c::signalAll);
        v.readLock().lock();
        assertThrows(IllegalMonitorStateException.class, c::signal, "a read lock let signal() through");
        v.readLock().unlock();
    }

    @Test
    void awaitReleasesTheWriteLockAndReturnsHoldingItAfterASignal() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        Lock w = v.writeLock();
        Condition ready = w.newCondition();
        AtomicBoolean flag = new AtomicBoolean();
        AtomicBoolean signallerUnlocked = new AtomicBoolean();
        Threads.Started<Boolean> waiter = Threads.start("waiter", () -> {
            w.lock();
            try {
                while (!flag.get()) {
                    ready.await();
                }
                // Back from await: the signaller has let go, and this thread holds the lock again.
                return signallerUnlocked.get() && !freeOnAnotherThread(w);
            } finally {
                w.unlock();
            }
        });
        Threads.await(() -> LockSupport.getBlocker(waiter.thread) == ready, "the waiter awaits");
        w.lock();                                                // await released it
        flag.set(true);
        ready.signal();
        assertEquals(0, RwSemaphoreLock.waitingOn(ready), "signal() left the waiter waiting");
        signallerUnlocked.set(true);
        w.unlock();
        assertTrue(waiter.join(), "await returned before the signaller unlocked, or without the write lock");
        assertTrue(freeOnAnotherThread(w));
    }

    @Test
    void signalAllWakesEveryWaiterAndSignalWakesOne() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        int[] woken = new int[1];
        Threads.Started<?>[] waiters = new Threads.Started<?>[3];
        for (int i = 0; i < waiters.length; i++) {
            waiters[i] = Threads.start("waiter-" + i, () -> {
                w.lock();
                try {
                    c.await();
                    woken[0]++;                                  // under the write lock
                } finally {
                    w.unlock();
                }
                return null;
            });
        }
        for (Threads.Started<?> t : waiters) {
            Threads.await(() -> LockSupport.getBlocker(t.thread) == c, "all wait");
        }
        w.lock();
        assertEquals(3, RwSemaphoreLock.waitingOn(c));
        c.signal();
        assertEquals(2, RwSemaphoreLock.waitingOn(c), "signal() must wake exactly one waiter");
        c.signalAll();
        assertEquals(0, RwSemaphoreLock.waitingOn(c), "signalAll() left a waiter");
        w.unlock();
        for (Threads.Started<?> t : waiters) {
            t.join();
        }
        w.lock();
        assertEquals(3, woken[0]);
        w.unlock();
    }

    @Test
    void awaitNanosTimesOutHoldingTheLockAgain() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        w.lock();
        long left = c.awaitNanos(TimeUnit.MILLISECONDS.toNanos(5));
        assertTrue(left <= 0, "awaitNanos returned " + left + " without a signal");
        assertTrue(s.stats().exclusiveHeld());
        assertFalse(c.await(1, TimeUnit.MILLISECONDS));
        assertFalse(c.awaitUntil(new Date(System.currentTimeMillis() - 1)));
        assertFalse(freeOnAnotherThread(w), "the write lock was not taken again");
        w.unlock();
        assertTrue(freeOnAnotherThread(w));
    }

    @Test
    void anInterruptedAwaitThrowsHoldingTheLockAgain() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        Threads.Started<Boolean> waiter = Threads.start("waiter", () -> {
            w.lock();
            try {
                c.await();
                return false;
            } catch (InterruptedException e) {
                return s.stats().exclusiveHeld() && !Thread.currentThread().isInterrupted();
            } finally {
                w.unlock();                                      // IllegalMonitorState if not held
            }
        });
        Threads.await(() -> LockSupport.getBlocker(waiter.thread) == c, "the waiter awaits");
        waiter.thread.interrupt();
        assertTrue(waiter.join(), "await threw without the write lock, or kept the interrupt status");
        assertEquals(0, RwSemaphoreLock.waitingOn(c), "the interrupted waiter stayed queued");
    }

    @Test
    void awaitUninterruptiblyKeepsWaitingThroughAnInterrupt() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        Threads.Started<Boolean> waiter = Threads.start("waiter", () -> {
            w.lock();
            try {
                c.awaitUninterruptibly();
                return Thread.interrupted();
            } finally {
                w.unlock();
            }
        });
        Threads.await(() -> LockSupport.getBlocker(waiter.thread) == c, "the waiter awaits");
        interruptAndAwaitItsHandling(waiter);
        assertFalse(waiter.isDone(), "awaitUninterruptibly returned on an interrupt");
        w.lock();
        c.signal();
        w.unlock();
        assertTrue(waiter.join(), "awaitUninterruptibly lost the interrupt status");
    }

    @Test
    void anAwaitWhoseSemaphoreIsKilledThrowsWithoutTheLock() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        Threads.Started<Object> waiter = Threads.start("waiter", () -> {
            w.lock();
            c.await();
            return null;
        });
        Threads.await(() -> LockSupport.getBlocker(waiter.thread) == c, "the waiter awaits");
        w.lock();
        c.signal();
        Threads.await(() -> s.stats().waitingWriters() == 1, "the signalled waiter queued for the write lock again");
        Threads.Started<Object> killer = startKiller(s);
        IllegalStateException e = assertInstanceOf(IllegalStateException.class, waiter.failure());
        assertTrue(e.getMessage().contains("killed"), e.getMessage());
        w.unlock();
        killer.join();                                           // hangs if the waiter held the lock
        assertTrue(s.stats().dead());
    }

    // ---------------------------------------------------------------------------------------
    // From the review: kill and conditions, timeouts, the downgrade under a queued writer, FIFO

    @Test
    void anUnsignalledAwaitEndsWhenTheSemaphoreIsKilled() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        Threads.Started<Object> waiter = Threads.start("waiter", () -> {
            w.lock();
            try {
                c.awaitUninterruptibly();
            } finally {
                w.unlock();                                      // a no-op after the kill: see below
            }
            return null;
        });
        Threads.await(() -> LockSupport.getBlocker(waiter.thread) == c, "the waiter awaits");
        s.kill();
        Throwable t = waiter.failure();
        assertInstanceOf(IllegalStateException.class, t, "the await's own error was lost: " + t);
        assertTrue(t.getMessage().contains("killed"), t.getMessage());
        assertTrue(s.stats().dead());
    }

    @Test
    void anAwaitBegunAfterKillStartedFailsAtOnce() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch killing = new CountDownLatch(1);
        Threads.Started<Object> waiter = Threads.start("waiter", () -> {
            w.lock();
            holding.countDown();
            killing.await();
            try {
                c.await();
            } finally {
                w.unlock();
            }
            return null;
        });
        holding.await();
        Threads.Started<Object> killer = startKiller(s);
        Threads.await(() -> s.stats().waitingKillers() == 1, "kill() waits for the write lock");
        killing.countDown();
        assertInstanceOf(IllegalStateException.class, waiter.failure());
        killer.join();
        assertTrue(s.stats().dead());
    }

    @Test
    void aReadUnderTheWriteLockOfAKilledSemaphoreIsRefused() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        Threads.Started<Object> killer = startKiller(s);
        Threads.await(() -> s.stats().waitingKillers() == 1, "kill() waits for the write lock");
        assertThrows(IllegalStateException.class, v.readLock()::lock);
        assertThrows(IllegalStateException.class, v.readLock()::tryLock);
        assertThrows(IllegalMonitorStateException.class, v.readLock()::unlock, "a refused read was recorded");
        v.writeLock().unlock();                                  // not a downgrade
        killer.join();
        assertTrue(s.stats().dead());
    }

    @Test
    void killWaitsForTheViewsWriteLock() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        Threads.Started<Object> killer = startKiller(s);
        Threads.await(() -> s.stats().waitingKillers() == 1, "kill() waits");
        assertFalse(killer.isDone());
        v.writeLock().unlock();
        killer.join();
        assertTrue(s.stats().dead());
    }

    @Test
    void negativeAndPastTimeoutsDoNotWait() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        w.lock();
        assertTrue(c.awaitNanos(Long.MIN_VALUE) <= 0L);
        assertTrue(c.awaitNanos(0L) <= 0L);
        assertFalse(c.await(Long.MIN_VALUE, TimeUnit.NANOSECONDS));
        assertFalse(c.await(-Long.MAX_VALUE, TimeUnit.DAYS));
        assertFalse(c.awaitUntil(new Date(Long.MIN_VALUE)));
        assertFalse(freeOnAnotherThread(w), "a timed-out await did not take the lock again");
        w.unlock();
        assertThrows(NullPointerException.class, () -> c.await(1, null));
        assertThrows(NullPointerException.class, () -> c.awaitUntil(null));
    }

    @Test
    void awaitUntilAFutureDateWaitsUntilIt() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        w.lock();
        Date until = new Date(System.currentTimeMillis() + 20);
        assertFalse(c.awaitUntil(until));
        assertTrue(System.currentTimeMillis() >= until.getTime(), "awaitUntil returned before its date");
        long start = System.nanoTime();
        assertFalse(c.await(20, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(20), "await(time) returned early");
        w.unlock();
    }

    @Test
    void conditionMethodsWithoutTheWriteLockThrowIllegalMonitorState() {
        RwSemaphore s = RwSemaphore.create("view");
        Condition c = s.asReadWriteLock().writeLock().newCondition();
        assertThrows(IllegalMonitorStateException.class, () -> c.await(1, TimeUnit.SECONDS));
        assertThrows(IllegalMonitorStateException.class, () -> c.awaitUntil(new Date()));
    }

    @Test
    void awaitUnderAPendingReadIsRefused() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        Condition c = v.writeLock().newCondition();
        v.writeLock().lock();
        v.readLock().lock();
        IllegalStateException e = assertThrows(IllegalStateException.class, c::await);
        assertTrue(e.getMessage().contains("unlock the read lock first"), e.getMessage());
        assertFalse(freeOnAnotherThread(v.readLock()), "the refused await released the write lock");
        v.readLock().unlock();
        v.writeLock().unlock();
    }

    @Test
    void aSignalSkipsAWaiterThatWasCancelled() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        Threads.Started<Object> first = startAwaiter("first", w, c);
        Threads.await(() -> LockSupport.getBlocker(first.thread) == c, "the first waiter awaits");
        Threads.Started<Object> second = startAwaiter("second", w, c);
        Threads.await(() -> RwSemaphoreLock.waitingOn(c) == 2, "both wait");
        w.lock();
        first.thread.interrupt();                                // cancels; it then waits for the lock
        Threads.await(() -> s.stats().waitingWriters() == 1, "the first waiter queued for the write lock");
        assertEquals(1, RwSemaphoreLock.waitingOn(c));
        c.signal();                                              // must pass over the cancelled node
        assertEquals(0, RwSemaphoreLock.waitingOn(c), "the signal was spent on a cancelled waiter");
        w.unlock();
        assertInstanceOf(InterruptedException.class, first.failure());
        second.join();
    }

    @Test
    void signalWakesTheLongestWaitingFirst() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        Threads.Started<?>[] waiters = new Threads.Started<?>[2];
        for (int i = 0; i < waiters.length; i++) {
            int n = i;
            waiters[i] = startAwaiter("waiter-" + i, w, c);
            Threads.await(() -> RwSemaphoreLock.waitingOn(c) == n + 1, "waiter " + n + " awaits");
        }
        w.lock();
        c.signal();
        w.unlock();
        waiters[0].join();
        assertEquals(1, RwSemaphoreLock.waitingOn(c), "the second waiter was woken first or too");
        w.lock();
        c.signal();
        w.unlock();
        waiters[1].join();
    }

    @Test
    void interruptedTimedAwaitsThrowHoldingTheLockAgain() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        for (int form = 0; form < 3; form++) {
            int f = form;
            Threads.Started<Boolean> waiter = Threads.start("waiter", () -> {
                w.lock();
                try {
                    if (f == 0) {
                        c.awaitNanos(TimeUnit.SECONDS.toNanos(Threads.GUARD_SECONDS));
                    } else if (f == 1) {
                        c.await(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
                    } else {
                        c.awaitUntil(new Date(System.currentTimeMillis() + 1000 * Threads.GUARD_SECONDS));
                    }
                    return false;
                } catch (InterruptedException e) {
                    return !freeOnAnotherThread(w) && !Thread.currentThread().isInterrupted();
                } finally {
                    w.unlock();
                }
            });
            Threads.await(() -> LockSupport.getBlocker(waiter.thread) == c, "the waiter awaits");
            waiter.thread.interrupt();
            assertTrue(waiter.join(), "form " + f + ": not thrown with the lock held and the status cleared");
        }
    }

    @Test
    void awaitUninterruptiblyOfAnInterruptedThreadWaitsAndKeepsTheStatus() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        Lock w = s.asReadWriteLock().writeLock();
        Condition c = w.newCondition();
        Threads.Started<Boolean> waiter = Threads.start("waiter", () -> {
            w.lock();
            try {
                Thread.currentThread().interrupt();
                c.awaitUninterruptibly();
                return Thread.interrupted();
            } finally {
                w.unlock();
            }
        });
        Threads.await(() -> RwSemaphoreLock.waitingOn(c) == 1, "the waiter awaits");
        w.lock();
        c.signal();
        w.unlock();
        assertTrue(waiter.join(), "the interrupt status set before the call was lost");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aTimedTryLockInterruptedWhileQueuedThrowsAndLeavesTheQueue(boolean write) throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        Threads.Started<Object> waiter = Threads.start("waiter", () -> {
            (write ? v.writeLock() : v.readLock()).tryLock(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
            return null;
        });
        Threads.await(() -> queued(s, write) == 1, "the waiter queued");
        waiter.thread.interrupt();
        assertInstanceOf(InterruptedException.class, waiter.failure());
        assertEquals(0, queued(s, write));
        v.writeLock().unlock();
    }

    @Test
    void lockInterruptiblySucceedsWhenFreeAndReentryIsRefusedInEveryForm() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.readLock().lockInterruptibly();
        assertThrows(IllegalStateException.class, v.readLock()::lockInterruptibly);
        v.readLock().unlock();
        v.writeLock().lockInterruptibly();
        assertThrows(IllegalStateException.class, v.writeLock()::tryLock);
        assertTrue(s.stats().exclusiveHeld());
        v.writeLock().unlock();
        assertTrue(freeOnAnotherThread(v.writeLock()));
    }

    @Test
    void theDowngradeLetsNoQueuedWriterIn() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        CountDownLatch writerIn = new CountDownLatch(1);
        Threads.Started<Object> writer = Threads.start("writer", () -> {
            v.writeLock().lock();
            writerIn.countDown();
            v.writeLock().unlock();
            return null;
        });
        Threads.await(() -> s.stats().waitingWriters() == 1, "the writer queued");
        v.readLock().lock();
        v.writeLock().unlock();                                  // the downgrade, a writer queued
        assertEquals(1, writerIn.getCount(), "the queued writer got in during the downgrade");
        assertEquals(1, s.stats().sharedHolders());
        v.readLock().unlock();
        writerIn.await();
        writer.join();
    }

    @Test
    void oneWriteUnlockLetsEveryQueuedReaderIn() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.writeLock().lock();
        CountDownLatch bothIn = new CountDownLatch(2);
        CountDownLatch leave = new CountDownLatch(1);
        List<Threads.Started<Object>> readers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            readers.add(Threads.start("reader-" + i, () -> {
                v.readLock().lock();
                bothIn.countDown();
                leave.await();
                v.readLock().unlock();
                return null;
            }));
        }
        Threads.await(() -> s.stats().waitingReaders() == 2, "both readers queued");
        v.writeLock().unlock();
        bothIn.await();                                          // both hold the read lock at once
        assertEquals(2, s.stats().sharedHolders());
        leave.countDown();
        for (Threads.Started<Object> r : readers) {
            r.join();
        }
    }

    @Test
    void toStringShowsTheSemaphoresState() {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        assertFalse(v.writeLock().toString().contains("exclusive"), v.writeLock().toString());
        v.writeLock().lock();
        assertTrue(v.writeLock().toString().contains("exclusive"), v.writeLock().toString());
        assertTrue(v.readLock().toString().startsWith("read lock of"), v.readLock().toString());
        v.writeLock().unlock();
    }

    @Test
    void aThreadThatHoldsNothingKeepsNoStateInTheView() throws Exception {
        RwSemaphore s = RwSemaphore.create("view");
        ReadWriteLock v = s.asReadWriteLock();
        v.readLock().lock();
        assertTrue(RwSemaphoreLock.hasHolder(v));
        v.readLock().unlock();
        assertFalse(RwSemaphoreLock.hasHolder(v), "an entry stayed after the last unlock");
        v.writeLock().lock();
        v.readLock().lock();
        v.writeLock().unlock();
        v.readLock().unlock();
        assertFalse(RwSemaphoreLock.hasHolder(v), "an entry stayed after a downgrade");
        assertThrows(IllegalMonitorStateException.class, v.readLock()::unlock);
        assertFalse(RwSemaphoreLock.hasHolder(v), "unlock without holding created an entry");
        Permit other = s.acquireExclusive();
        assertFalse(v.readLock().tryLock());
        assertFalse(RwSemaphoreLock.hasHolder(v), "a failed tryLock left an entry");
        other.close();
    }

    /** How many acquirers of one kind are queued on {@code s}, from its figures. */
    private static int queued(RwSemaphore s, boolean exclusive) {
        RwSemaphore.Stats st = s.stats();
        return exclusive ? st.waitingWriters() : st.waitingReaders();
    }
}
