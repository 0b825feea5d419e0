package dev.quiesce.validate;

import dev.quiesce.LockClass;
import dev.quiesce.Report;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import dev.quiesce.internal.Tracker;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * Lock-dependency validation for Quiesce primitives — lockdep for Java.
 *
 * <p>Off by default, at no cost: the switch is the system property
 * {@code -Ddev.quiesce.validate=true}, read once when the first primitive is created. When on, the
 * validator keeps, per <em>lock class</em> (an explicit {@link dev.quiesce.LockClass}, or else the
 * line that created the primitive — never the instance and never the name), the graph of "held A
 * while acquiring B" edges seen on any thread, and reports a cycle that can deadlock the first time
 * it becomes possible — when the second half of an A→B / B→A pair is first taken, on any thread,
 * at any later time — with the stack of each edge's first use. No deadlock has to happen. A report
 * labels a class by its {@code LockClass} name or its creation site ({@code "File.java:line"}, with
 * the full frame at its first mention), names each instance apart ({@code Srcu 'inodes'}), and ends
 * with the kernel's "possible unsafe locking scenario": one column per thread, {@code rlock} for a
 * shared acquire or read section, {@code lock} for an exclusive one, {@code sync} for a wait for
 * every reader.
 *
 * <p>Edges are typed by mode, as the kernel's recursive-read model: an {@link Srcu} read section
 * never waits, so cycles of read sections are harmless and not reported, while
 * {@code synchronize()} and {@code barrier()} wait for readers like an exclusive acquire:
 * {@code synchronize()} inside a read section of the same class, or A-read→B-sync with
 * B-read→A-sync, are reported.
 *
 * <p>Hand-offs are followed: {@code readLock}/{@code readUnlock} belong to a thread (a
 * {@code readUnlock} on a thread that holds none is reported); {@code downRead}/{@code upRead} are
 * not tracked, as in the kernel; a {@link dev.quiesce.Held} handle leaves its thread's held set on
 * {@code detach()} and joins the attaching thread's on {@code attach()}, and edges are attributed to
 * whoever holds it then. Closing a handle on a thread that neither held nor attached it is allowed
 * and counted ({@link #foreignCloses()}); {@linkplain #setStrict(boolean) strict mode} reports it.
 *
 * <p>A try-acquire ({@code tryAcquireShared()}, {@code tryAcquireExclusive()}, a timed form given
 * a timeout &le; 0, {@code Revocable.tryAccess()}, a wrapped lock's {@code tryLock()} or
 * {@code tryLock(0, unit)}) never waits, so, as the kernel's lockdep treats a trylock, it adds no
 * edge <em>into</em> the class it tried, and a failed one records nothing; once it succeeds, what
 * the thread acquires while holding it adds edges <em>from</em> its class, as after any acquire.
 *
 * <p>Every report is a {@link Report} with {@linkplain Report#source() source}
 * {@value Report#VALIDATOR}; each one is recorded as a JFR event, logged at {@code ERROR} to the
 * {@link System.Logger} {@code "dev.quiesce.validate"} (unless {@link #setLogReports(boolean)
 * turned off}), and given to the {@linkplain #setReportHandler handler}, if one is set, in that
 * order. A handler may throw: the exception reaches the thread whose acquisition was reported,
 * before the acquisition takes effect, which is how tests make a bad order fail fast. A
 * primitive's own reports (misuse, stalls, failed callbacks) go elsewhere: see {@link Report}.
 *
 * <p>Cost. A new edge records one stack; an acquisition records its own stack only as
 * {@link LeakStacks} says (default {@link LeakStacks#SIMPLE}: a sample), for the reports that show
 * an open handle — leaks, leases, stalls, tasks that end holding one, and the held lock of a cycle.
 * Every handle is tracked at every level: a leak is always found; only its stack may be missing.
 *
 * @since 0.1.0
 */
public final class Validator {

    private Validator() {
    }

    /**
     * Returns whether validation is on in this JVM.
     *
     * @return the value of {@code dev.quiesce.validate} when the primitives initialised
     */
    public static boolean isEnabled() {
        return Tracker.ENABLED;
    }

    /**
     * Asserts that the calling thread holds a read section of {@code domain}, by {@code readLock},
     * {@code enter()} or an {@code attach()}ed handle (as the Linux proof of concept that Quiesce
     * follows asserts {@code lockdep_assert_once(sb_write_srcu_started(sb))} in its change-event path). Sections begun with
     * {@code downRead} are not tracked and do not count. A no-op when validation is off.
     *
     * @param domain the domain
     * @throws AssertionError if validation is on and the calling thread holds no section of it
     * @throws NullPointerException if {@code domain} is null
     */
    public static void assertHeld(Srcu domain) {
        Objects.requireNonNull(domain, "domain");
        if (Tracker.ENABLED && !engine().holds(domain)) {
            throw new AssertionError("thread \"" + Thread.currentThread().getName() + "\" holds no read section of "
                    + domain + "; it holds:" + engine().heldText());
        }
    }

    /**
     * Asserts that the calling thread holds a permit of {@code semaphore} — shared or exclusive,
     * acquired here or {@code attach()}ed. Token-form sections ({@code tryAcquireSharedToken}) are
     * not tracked and do not count. A no-op when validation is off.
     *
     * @param semaphore the semaphore
     * @throws AssertionError if validation is on and the calling thread holds no permit of it
     * @throws NullPointerException if {@code semaphore} is null
     */
    public static void assertHeld(RwSemaphore semaphore) {
        Objects.requireNonNull(semaphore, "semaphore");
        if (Tracker.ENABLED && !engine().holds(semaphore)) {
            throw new AssertionError("thread \"" + Thread.currentThread().getName() + "\" holds no permit of "
                    + semaphore + "; it holds:" + engine().heldText());
        }
    }

    /**
     * Asserts that the calling thread holds no permit of {@code semaphore} (shared or exclusive,
     * acquired here or {@code attach()}ed): the kernel proof of concept's check that a change event is sent without
     * freeze protection, so a listener that writes cannot deadlock behind a pending freeze.
     * Token-form sections are not tracked and do not count. A no-op when validation is off.
     *
     * @param semaphore the semaphore
     * @throws AssertionError if validation is on and the calling thread holds a permit of it
     * @throws NullPointerException if {@code semaphore} is null
     */
    public static void assertNotHeld(RwSemaphore semaphore) {
        Objects.requireNonNull(semaphore, "semaphore");
        if (Tracker.ENABLED && engine().holds(semaphore)) {
            throw new AssertionError("thread \"" + Thread.currentThread().getName() + "\" holds a permit of "
                    + semaphore + "; it holds:" + engine().heldText());
        }
    }

    /**
     * Sets a handler that receives every validator report <em>in addition to</em> the log and the
     * JFR event; pass {@code null} to remove it. (Until 0.1.0 was released, a handler replaced the
     * log; turn the log off with {@link #setLogReports(boolean)}.) The handler runs on the thread
     * that found the problem — the one acquiring, releasing or ending a task, or the validator's
     * own thread for leaks and leases — after the report is logged. An exception it throws
     * propagates to that thread: from an acquisition, before the acquisition takes effect.
     *
     * @param handler the handler, or null for none
     */
    public static void setReportHandler(Consumer<? super Report> handler) {
        if (Tracker.ENABLED) {
            engine().handler = handler;
        }
    }

    /**
     * Sets whether validator reports are logged to the {@link System.Logger}
     * {@code "dev.quiesce.validate"} (at {@code ERROR}); on by default. Turning it off leaves the
     * JFR event and the {@linkplain #setReportHandler handler}: for a program or a test that takes
     * the reports itself and does not want them twice. (Configuring the logger's level would do it
     * too, but for every user of that logger's backend, and differently for each backend.)
     *
     * @param log whether to log reports
     */
    public static void setLogReports(boolean log) {
        if (Tracker.ENABLED) {
            engine().logReports = log;
        }
    }

    /**
     * Returns whether validator reports are logged (see {@link #setLogReports(boolean)}).
     *
     * @return true unless turned off; false when validation is off
     */
    public static boolean isLogReports() {
        return Tracker.ENABLED && engine().logReports;
    }

    /** The system property that sets the initial {@link LeakStacks} level: {@value}. */
    public static final String LEAK_STACKS_PROPERTY = "dev.quiesce.validate.leakStacks";

    /**
     * Which acquisitions record their stack, as Netty's {@code ResourceLeakDetector.Level}. The
     * stack of an open handle is what leak, lease-expiry, stall and task reports show, and what a
     * lock-order report shows for the lock held; it costs a {@link Throwable} per acquisition that
     * records one. Every handle is tracked at every level — leaks, leases and open handles are
     * found and counted alike — and lock-order checking is the same at every level (an edge records
     * its stack when it is first seen). The initial level is the system property
     * {@value #LEAK_STACKS_PROPERTY} ({@code disabled}, {@code simple}, {@code advanced} or
     * {@code paranoid}, any case; {@code simple} if absent or unknown); a report made without a
     * stack says which level left it out.
     *
     * @since 0.1.0
     */
    public enum LeakStacks {
        /** No acquisition records its stack. */
        DISABLED,
        /**
         * The default: the first acquisition of each lock class and then one acquisition in 128,
         * at random, record their stack — a handle that keeps leaking from one place is soon
         * reported with its stack.
         */
        SIMPLE,
        /** Every acquisition records its stack. */
        ADVANCED,
        /** As {@link #ADVANCED}, and every {@code detach()} and {@code attach()} records its call site. */
        PARANOID
    }

    /**
     * Sets which acquisitions record their stack from now on (acquisitions already made keep what
     * they recorded).
     *
     * @param level the level
     * @throws NullPointerException if {@code level} is null
     */
    public static void setLeakStacks(LeakStacks level) {
        Objects.requireNonNull(level, "level");
        if (Tracker.ENABLED) {
            engine().leakStacks = level;
        }
    }

    /**
     * Returns which acquisitions record their stack.
     *
     * @return the level; {@link LeakStacks#DISABLED} when validation is off
     */
    public static LeakStacks leakStacks() {
        return Tracker.ENABLED ? engine().leakStacks : LeakStacks.DISABLED;
    }

    /**
     * In strict mode, closing a handle on a thread that neither acquired nor attached it is reported
     * ({@link Report.Kind#UNBALANCED}), not only counted. A hand-off that closes a detached handle
     * on another thread without {@link dev.quiesce.Held#attach() attach()} is such a close: in
     * strict mode, attach it on the closing thread first ({@code handle.attach().close()}), as
     * {@link dev.quiesce.Srcu#track track} and {@link dev.quiesce.Held#closeOnCompletion
     * closeOnCompletion} do.
     *
     * @param strict whether to report foreign closes
     */
    public static void setStrict(boolean strict) {
        if (Tracker.ENABLED) {
            engine().strict = strict;
        }
    }

    /**
     * Returns how many handles were closed on a thread that neither acquired nor attached them.
     *
     * @return the count since the JVM started; 0 when validation is off
     */
    public static long foreignCloses() {
        return Tracker.ENABLED ? engine().foreignCloses.get() : 0;
    }

    /**
     * Under this opt-in policy, off by default, a {@link dev.quiesce.ReadSection} that becomes
     * unreachable while open is ended by the validator after it is reported, so that grace periods
     * go on. The trade-off: a reader that leaked its handle while still using the protected data
     * (through another reference) loses its protection — which is why permits and accesses are
     * never ended this way: that would break exclusion.
     *
     * @param end whether to end leaked read sections
     */
    public static void setEndLeakedSections(boolean end) {
        if (Tracker.ENABLED) {
            engine().endLeaked = end;
        }
    }

    /**
     * Wraps a JDK lock so that it joins the lock graph, as an exclusive lock whose class is the line
     * that calls this method. {@code tryLock()}, and {@code tryLock(time, unit)} with a time
     * &le; 0, are try-acquires (see above). Returns {@code lock} itself when validation is off.
     *
     * @param lock the lock
     * @return a lock that reports to the validator, or {@code lock}
     * @throws NullPointerException if {@code lock} is null
     */
    public static Lock wrap(Lock lock) {
        Objects.requireNonNull(lock, "lock");
        if (!Tracker.ENABLED) {
            return lock;
        }
        Object cls = engine().lockClass(null, "Lock", lock.getClass().getSimpleName());
        return new TrackedLock(engine(), lock, lock, cls, Tracker.WRITE, TrackedLock.isReentrant(lock));
    }

    /**
     * As {@link #wrap(Lock)}, with an explicit lock class.
     *
     * @param lock      the lock
     * @param lockClass its class
     * @return a lock that reports to the validator, or {@code lock}
     * @throws NullPointerException if an argument is null
     */
    public static Lock wrap(Lock lock, LockClass lockClass) {
        Objects.requireNonNull(lock, "lock");
        Objects.requireNonNull(lockClass, "lockClass");
        if (!Tracker.ENABLED) {
            return lock;
        }
        Object cls = engine().lockClass(lockClass, "Lock", lockClass.name());
        return new TrackedLock(engine(), lock, lock, cls, Tracker.WRITE, TrackedLock.isReentrant(lock));
    }

    /**
     * Wraps a JDK read-write lock: its read lock is a shared acquire that may wait behind a writer,
     * its write lock an exclusive one; both share one lock class (the calling line). Re-entry that
     * a {@link ReentrantReadWriteLock} allows is not reported; a read-to-write upgrade is. Returns
     * {@code lock} itself when validation is off.
     *
     * @param lock the lock
     * @return a lock that reports to the validator, or {@code lock}
     * @throws NullPointerException if {@code lock} is null
     */
    public static ReadWriteLock wrap(ReadWriteLock lock) {
        Objects.requireNonNull(lock, "lock");
        if (!Tracker.ENABLED) {
            return lock;
        }
        Object cls = engine().lockClass(null, "ReadWriteLock", lock.getClass().getSimpleName());
        boolean reentrant = lock instanceof ReentrantReadWriteLock;
        Lock read = new TrackedLock(engine(), lock.readLock(), lock, cls, Tracker.READ, reentrant);
        Lock write = new TrackedLock(engine(), lock.writeLock(), lock, cls, Tracker.WRITE, reentrant);
        return new ReadWriteLock() {
            @Override
            public Lock readLock() {
                return read;
            }

            @Override
            public Lock writeLock() {
                return write;
            }
        };
    }

    /**
     * Wraps an executor so that a task that ends while its thread still holds what the task
     * acquired and did not {@code detach()} is reported. Returns an {@link ExecutorService} that
     * delegates lifecycle methods to {@code executor} when it is one. Returns a plain delegating
     * service (no checks) when validation is off.
     *
     * @param executor the executor
     * @return the wrapping service
     * @throws NullPointerException if {@code executor} is null
     */
    public static ExecutorService wrap(ExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return Tracker.ENABLED ? new TrackedExecutor(engine(), executor) : executor;
    }

    /**
     * Gives an open handle a lease: if it is still open when the lease has passed (on the
     * validator's clock), it is reported once with its acquisition stack and hand-off history (as kernel
     * drivers answer misbehaving hardware with timeouts). Under
     * {@link #setEndLeakedSections(boolean) the policy}, an expired read section is also ended, and
     * its owner's later {@code close()} returns and is reported instead of releasing twice. A no-op
     * when validation is off.
     *
     * @param handle an open handle of this library
     * @param lease  how long it may stay open
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code lease} is negative
     * @throws IllegalStateException if validation is on and the handle is closed or detached
     */
    public static void lease(dev.quiesce.Held handle, java.time.Duration lease) {
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(lease, "lease");
        if (lease.isNegative()) {
            throw new IllegalArgumentException("negative lease: " + lease);
        }
        if (!Tracker.ENABLED) {
            return;
        }
        Object record = Tracker.recordOf(handle);
        if (record == null || !handle.isOpen()) {
            throw new IllegalStateException("cannot lease " + handle + ": it is not an open, tracked handle");
        }
        long nanos;
        try {
            nanos = lease.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        engine().lease(record, nanos);
    }

    /**
     * Checks leases now (a daemon thread also checks them every second) and returns how many
     * expired since the last check. Tests call it after advancing the {@linkplain #setClock clock}.
     *
     * @return the number of handles newly found past their lease; 0 when validation is off
     */
    public static int checkLeases() {
        return Tracker.ENABLED ? engine().checkLeases() : 0;
    }

    /**
     * Replaces the validator's clock (nanosecond readings like {@link System#nanoTime()}), which
     * times leases. Pass {@code null} to restore the real one.
     *
     * @param nanoClock the clock, or null
     */
    public static void setClock(java.util.function.LongSupplier nanoClock) {
        if (Tracker.ENABLED) {
            engine().clock = nanoClock != null ? nanoClock : System::nanoTime;
        }
    }

    /**
     * As {@link #wrap(ExecutorService)}, for a plain {@link Executor}. Returns {@code executor}
     * itself when validation is off.
     *
     * @param executor the executor
     * @return an executor that checks what its tasks leave held
     * @throws NullPointerException if {@code executor} is null
     */
    public static Executor wrap(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        return Tracker.ENABLED ? new TrackedExecutor(engine(), executor) : executor;
    }

    private static Engine engine() {
        return (Engine) Tracker.INSTANCE;
    }
}
