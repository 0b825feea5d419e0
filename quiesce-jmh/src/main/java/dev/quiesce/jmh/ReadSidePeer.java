package dev.quiesce.jmh;

import com.ibm.asyncutil.locks.AsyncEpoch;
import com.ibm.asyncutil.locks.AsyncReadWriteLock;
import dev.quiesce.Access;
import dev.quiesce.Permit;
import dev.quiesce.ReadSection;
import dev.quiesce.Revocable;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import java.util.concurrent.Phaser;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.apache.cassandra.utils.concurrent.OpOrder;

/**
 * One read side — a Quiesce form or a peer — behind the three operations that
 * {@link ScalingBenchmark} and {@link HandOffBenchmark} measure, so that every peer does the same
 * work by meaning: <em>begin a read-side section, end it</em>, on one thread ({@link #pair()}) or
 * begun on one thread and ended on another ({@link #begin(HandOffRing)}, {@link #end(long, Object)}).
 *
 * <p>The names are the {@code impl} values of the benchmarks' {@code @Param}:
 * <table class="striped">
 * <caption>Read sides</caption>
 * <tr><th>impl</th><th>begin</th><th>end</th><th>hand-off?</th></tr>
 * <tr><td>{@code srcu-int}</td><td>{@code Srcu.readLock()} (pair) / {@code downRead()} (hand-off)</td>
 *     <td>{@code readUnlock} / {@code upRead}</td><td>yes</td></tr>
 * <tr><td>{@code srcu-handle}</td><td>{@code Srcu.enter()}</td><td>{@code ReadSection.close()}</td><td>yes</td></tr>
 * <tr><td>{@code rwsem-token}</td><td>{@code RwSemaphore.tryAcquireSharedToken()}</td>
 *     <td>{@code releaseShared(token)}</td><td>yes</td></tr>
 * <tr><td>{@code rwsem-permit}</td><td>{@code RwSemaphore.tryAcquireShared()}</td><td>{@code Permit.close()}</td><td>yes</td></tr>
 * <tr><td>{@code revocable}</td><td>{@code Revocable.tryAccess()}</td><td>{@code Access.close()}</td><td>yes</td></tr>
 * <tr><td>{@code rrwl}</td><td>{@code ReentrantReadWriteLock.readLock().lock()}</td><td>{@code unlock()}</td>
 *     <td>no: the read lock is owned by its thread ({@code IllegalMonitorStateException})</td></tr>
 * <tr><td>{@code stamped}</td><td>{@code StampedLock.readLock()}</td><td>{@code unlockRead(stamp)}</td><td>yes</td></tr>
 * <tr><td>{@code semaphore}</td><td>{@code Semaphore.acquireUninterruptibly()} (2<sup>20</sup> permits)</td>
 *     <td>{@code release()}</td><td>yes</td></tr>
 * <tr><td>{@code phaser}</td><td>{@code Phaser.register()} (one permanent party for the updater)</td>
 *     <td>{@code arriveAndDeregister()}</td><td>yes</td></tr>
 * <tr><td>{@code longadder}</td><td>{@code LongAdder.increment()}</td><td>{@code decrement()}</td>
 *     <td>yes (a counter, not a primitive: the floor of a striped read side)</td></tr>
 * <tr><td>{@code open-coded}</td><td>{@link OpenCodedGate#tryEnter()} (an {@code AtomicInteger} CAS)</td>
 *     <td>{@link OpenCodedGate#exit()}</td><td>yes</td></tr>
 * <tr><td>{@code oporder}</td><td>Cassandra {@code OpOrder.start()}</td><td>{@code Group.close()}</td><td>yes</td></tr>
 * <tr><td>{@code async-epoch}</td><td>asyncutil {@code AsyncEpoch.newEpoch().enter()}</td>
 *     <td>{@code EpochToken.close()}</td><td>yes</td></tr>
 * <tr><td>{@code async-rwlock}</td><td>asyncutil {@code AsyncReadWriteLock.create().tryReadLock()}</td>
 *     <td>{@code ReadLockToken.releaseLock()}</td><td>yes</td></tr>
 * </table>
 *
 * <p>No writer, updater or closer ever runs, so no begin ever fails or waits: this is the
 * read-mostly case every one of them is built for. The {@code try} forms are used where a peer
 * has one, since they never block (the blocking forms take the same path when nothing blocks).
 * {@link #close()} checks at the end of a trial that every section begun was ended.
 */
abstract class ReadSidePeer {

    /** Every read side, in the order of the charts: Quiesce first, then the JDK, then libraries. */
    static final String ALL = "srcu-int,srcu-handle,rwsem-token,rwsem-permit,revocable,"
            + "rrwl,stamped,semaphore,phaser,longadder,open-coded,oporder,async-epoch,async-rwlock";

    /** Semaphore permits: far more than sections in flight, so that acquire never blocks. */
    static final int SEMAPHORE_PERMITS = 1 << 20;

    /**
     * Creates the read side named {@code impl}.
     *
     * @param impl one of {@link #ALL}
     * @return a fresh instance
     */
    static ReadSidePeer create(String impl) {
        switch (impl) {
            case "srcu-int": return new SrcuInt();
            case "srcu-handle": return new SrcuHandle();
            case "rwsem-token": return new RwsemToken();
            case "rwsem-permit": return new RwsemPermit();
            case "revocable": return new RevocableAccess();
            case "rrwl": return new Rrwl();
            case "stamped": return new Stamped();
            case "semaphore": return new Sem();
            case "phaser": return new PhaserParty();
            case "longadder": return new Adder();
            case "open-coded": return new OpenCoded();
            case "oporder": return new Order();
            case "async-epoch": return new Epoch();
            case "async-rwlock": return new AsyncRw();
            default: throw new IllegalArgumentException("unknown read side '" + impl + "'; expected one of " + ALL);
        }
    }

    /**
     * Begins and ends one section on this thread.
     *
     * @return a value for JMH to consume (a token, or 0)
     */
    abstract long pair();

    /**
     * Begins one section on this thread and puts it into {@code ring} (which has room).
     *
     * @param ring where the section travels to the thread that ends it
     */
    abstract void begin(HandOffRing ring);

    /**
     * Ends a section that {@link #begin} began, on any thread.
     *
     * @param token the token put with it (0 for handle forms)
     * @param handle the handle put with it (null for token forms)
     */
    abstract void end(long token, Object handle);

    /** Whether a section may end on another thread than the one that began it. */
    boolean handsOff() {
        return true;
    }

    /**
     * At the end of a trial: fails if a section was left open, where the peer can tell.
     *
     * @throws IllegalStateException if a section was left open
     */
    void close() {
    }

    static final class SrcuInt extends ReadSidePeer {
        final Srcu srcu = Srcu.create("jmh-peer");

        @Override long pair() {
            int t = srcu.readLock();
            srcu.readUnlock(t);
            return t;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(srcu.downRead(), null);
        }

        @Override void end(long token, Object handle) {
            srcu.upRead((int) token);
        }

        @Override void close() {
            srcu.close();                                  // refuses while a section is open
        }
    }

    static final class SrcuHandle extends ReadSidePeer {
        final Srcu srcu = Srcu.create("jmh-peer");

        @Override long pair() {
            ReadSection s = srcu.enter();
            s.close();
            return 0L;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(0L, srcu.enter());
        }

        @Override void end(long token, Object handle) {
            ((ReadSection) handle).close();
        }

        @Override void close() {
            srcu.close();
        }
    }

    /** Kills the semaphore, waiting at most a second: false means a permit was left open. */
    static void killOrFail(RwSemaphore sem) {
        try {
            if (!sem.kill(1, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a shared permit was left open: " + sem);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static final class RwsemToken extends ReadSidePeer {
        final RwSemaphore sem = RwSemaphore.create("jmh-peer");

        @Override long pair() {
            long t = sem.tryAcquireSharedToken();
            sem.releaseShared(t);
            return t;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(sem.tryAcquireSharedToken(), null);
        }

        @Override void end(long token, Object handle) {
            sem.releaseShared(token);
        }

        @Override void close() {
            killOrFail(sem);
        }
    }

    static final class RwsemPermit extends ReadSidePeer {
        final RwSemaphore sem = RwSemaphore.create("jmh-peer");

        @Override long pair() {
            Permit p = sem.tryAcquireShared();
            p.close();
            return 0L;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(0L, sem.tryAcquireShared());
        }

        @Override void end(long token, Object handle) {
            ((Permit) handle).close();
        }

        @Override void close() {
            killOrFail(sem);
        }
    }

    static final class RevocableAccess extends ReadSidePeer {
        final Revocable<Object> rev = Revocable.of(new Object(), r -> { });

        @Override long pair() {
            Access<Object> a = rev.tryAccess();
            a.close();
            return 0L;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(0L, rev.tryAccess());
        }

        @Override void end(long token, Object handle) {
            ((Access<?>) handle).close();
        }

        @Override void close() {
            try {
                if (!rev.revoke(1, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("an access was left open: " + rev);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    static final class Rrwl extends ReadSidePeer {
        final Lock read = new ReentrantReadWriteLock().readLock();

        @Override long pair() {
            read.lock();
            read.unlock();
            return 0L;
        }

        @Override boolean handsOff() {
            return false;
        }

        @Override void begin(HandOffRing ring) {
            throw new UnsupportedOperationException("a ReentrantReadWriteLock read lock cannot be released on another thread");
        }

        @Override void end(long token, Object handle) {
            throw new UnsupportedOperationException("a ReentrantReadWriteLock read lock cannot be released on another thread");
        }
    }

    static final class Stamped extends ReadSidePeer {
        final StampedLock lock = new StampedLock();

        @Override long pair() {
            long s = lock.readLock();
            lock.unlockRead(s);
            return s;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(lock.readLock(), null);
        }

        @Override void end(long token, Object handle) {
            lock.unlockRead(token);
        }

        @Override void close() {
            if (lock.isReadLocked()) {
                throw new IllegalStateException("a read stamp was left open");
            }
        }
    }

    static final class Sem extends ReadSidePeer {
        final Semaphore sem = new Semaphore(SEMAPHORE_PERMITS);

        @Override long pair() {
            sem.acquireUninterruptibly();
            sem.release();
            return 0L;
        }

        @Override void begin(HandOffRing ring) {
            sem.acquireUninterruptibly();
            ring.put(0L, null);
        }

        @Override void end(long token, Object handle) {
            sem.release();
        }

        @Override void close() {
            if (sem.availablePermits() != SEMAPHORE_PERMITS) {
                throw new IllegalStateException("permits left acquired: " + sem);
            }
        }
    }

    static final class PhaserParty extends ReadSidePeer {
        /** One permanent party (an updater that never arrives here), so that it never terminates. */
        final Phaser phaser = new Phaser(1);

        @Override long pair() {
            int phase = phaser.register();
            phaser.arriveAndDeregister();
            return phase;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(phaser.register(), null);
        }

        @Override void end(long token, Object handle) {
            phaser.arriveAndDeregister();
        }

        @Override void close() {
            if (phaser.getRegisteredParties() != 1) {
                throw new IllegalStateException("parties left registered: " + phaser);
            }
        }
    }

    static final class Adder extends ReadSidePeer {
        final LongAdder adder = new LongAdder();

        @Override long pair() {
            adder.increment();
            adder.decrement();
            return 0L;
        }

        @Override void begin(HandOffRing ring) {
            adder.increment();
            ring.put(0L, null);
        }

        @Override void end(long token, Object handle) {
            adder.decrement();
        }

        @Override void close() {
            if (adder.sum() != 0) {
                throw new IllegalStateException("count left at " + adder.sum());
            }
        }
    }

    static final class OpenCoded extends ReadSidePeer {
        final OpenCodedGate gate = new OpenCodedGate();

        @Override long pair() {
            if (!gate.tryEnter()) {
                throw new IllegalStateException("closed");
            }
            gate.exit();
            return 0L;
        }

        @Override void begin(HandOffRing ring) {
            if (!gate.tryEnter()) {
                throw new IllegalStateException("closed");
            }
            ring.put(0L, null);
        }

        @Override void end(long token, Object handle) {
            gate.exit();
        }

        @Override void close() {
            gate.close();
        }
    }

    static final class Order extends ReadSidePeer {
        final OpOrder order = new OpOrder();

        @Override long pair() {
            OpOrder.Group g = order.start();
            g.close();
            return 0L;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(0L, order.start());
        }

        @Override void end(long token, Object handle) {
            ((OpOrder.Group) handle).close();
        }

        @Override void close() {
            OpOrder.Barrier b = order.newBarrier();
            b.issue();
            b.await();                                     // would hang if a group were left open
        }
    }

    static final class Epoch extends ReadSidePeer {
        final AsyncEpoch epoch = AsyncEpoch.newEpoch();

        @Override long pair() {
            AsyncEpoch.EpochToken t = epoch.enter().orElseThrow();
            t.close();
            return 0L;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(0L, epoch.enter().orElseThrow());
        }

        @Override void end(long token, Object handle) {
            ((AsyncEpoch.EpochToken) handle).close();
        }

        @Override void close() {
            if (!epoch.terminate().toCompletableFuture().isDone()) {
                throw new IllegalStateException("an epoch token was left open");
            }
        }
    }

    static final class AsyncRw extends ReadSidePeer {
        final AsyncReadWriteLock lock = AsyncReadWriteLock.create();

        @Override long pair() {
            AsyncReadWriteLock.ReadLockToken t = lock.tryReadLock().orElseThrow();
            t.releaseLock();
            return 0L;
        }

        @Override void begin(HandOffRing ring) {
            ring.put(0L, lock.tryReadLock().orElseThrow());
        }

        @Override void end(long token, Object handle) {
            ((AsyncReadWriteLock.ReadLockToken) handle).releaseLock();
        }

        @Override void close() {
            if (lock.tryWriteLock().isEmpty()) {
                throw new IllegalStateException("a read lock was left held");
            }
        }
    }
}
