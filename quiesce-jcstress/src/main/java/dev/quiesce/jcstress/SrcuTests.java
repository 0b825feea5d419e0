package dev.quiesce.jcstress;

import dev.quiesce.ReadSection;
import dev.quiesce.Srcu;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIZ_Result;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * jcstress tests of {@link Srcu}: one nested test per race.
 *
 * <h2>The shape of the grace-period tests</h2>
 * The RCU guarantee is tested in the one shape that a broken grace period breaks even when every
 * access is sequentially consistent. With {@code x} and {@code y} volatile and initially 0:
 * <pre>
 *   reader                          updater
 *   begin section                   x = 1
 *   r1 = x                          synchronize()
 *   y = 1                           r2 = y
 *   end section
 * </pre>
 * If {@code r1 == 0} the reader read {@code x} before the updater wrote it, so its section began
 * before {@code synchronize()} was called; the grace period must then wait for the section to
 * end, and {@code y = 1} happens-before {@code synchronize()} returns: {@code r2 == 1}. So
 * {@code (r1, r2) = (0, 0)} is forbidden. A {@code synchronize()} that returns early produces it
 * under any memory model. (The message-passing shape {@code x = 1; synchronize(); y = 1} against
 * {@code r1 = y; r2 = x} cannot catch that bug when the data is volatile: volatile accesses alone
 * already forbid its bad outcome.)
 *
 * <p>The hand-off tests begin the section in the {@link State} constructor — strictly before
 * either actor runs — and end it in an actor, so the grace period must wait for it whatever
 * {@code r1} is: there {@code r2 == 0} is forbidden outright.
 *
 * <h2>Cost</h2>
 * jcstress creates many states, so each holds a fresh {@code Srcu} (a counter array of about a
 * kilobyte) and nothing else. Only the {@code CloseAgainst*} tests call {@link Srcu#close()},
 * and they expect refusals: elsewhere a state may be dropped with a section open (a
 * {@code Termination} run that went stale), and close refuses that by throwing. Domains are
 * garbage, like the states. Callbacks and {@link Srcu#startPoll()} start the domain's
 * worker, a daemon thread that lingers for a second, so the tests that use them make far fewer
 * samples per second than the others.
 *
 * <h2>Threads: which hand-offs really cross threads</h2>
 * Read from the runners that jcstress 0.16 generates:
 * <ul>
 * <li>Continuous tests: the harness thread constructs the first batch of states; after each pass
 *     each actor thread constructs fresh states for its half of the array (the first actor the
 *     first half, the second actor the second half). A section begun in the constructor of
 *     {@link HandOffDownRead} or {@link HandOffDetach} and ended by the reader actor therefore
 *     crosses threads when the harness or the updater built the state — about half of the
 *     samples — and stays on one thread otherwise.
 * <li>Termination tests: the harness thread constructs the state and then delivers the
 *     {@link Signal} itself; only the {@link Actor} runs on a new thread. A section begun in the
 *     constructor and ended by the signal thus ends on the thread that began it.
 *     {@link HandOffTerminates} begins its section on a short-lived submitter thread instead, so
 *     that begin, wait and end run on three different threads, and the section outlives the
 *     thread that began it.
 * </ul>
 *
 * <h2>What these tests have caught in {@code Srcu} (commit fa26f07)</h2>
 * <ul>
 * <li>{@link CloseAgainstReadLock}: {@code close()} succeeds under a section that
 *     {@code readLock()} admitted concurrently.
 * <li>{@link CloseAgainstCallback}: {@code close()} succeeds while a concurrently accepted
 *     callback is pending; the callback never runs.
 * <li>{@link HandOffDetach}, once on JDK 17, as an error rather than an outcome:
 *     {@code ArrayIndexOutOfBoundsException} (index 128, length 96) from {@code Srcu.lock()} in a
 *     state constructor. The domain sizes its counter array and its thread-to-cell shift from two
 *     separate calls of {@code Runtime.availableProcessors()}, which may return different values
 *     (its documentation allows that; here jcstress pins its actor threads to single CPUs, and the
 *     answer depends on CPU affinity), leaving cells that the shift maps to outside the array.
 * </ul>
 */
public final class SrcuTests {

    private SrcuTests() {
    }

    /**
     * jcstress never interrupts the actors of a continuous test, and its generated runner does
     * not let an actor declare a checked exception: an interrupt there is a harness fault.
     */
    static AssertionError unexpected(InterruptedException e) {
        return new AssertionError("jcstress interrupted an actor", e);
    }

    /** Runs {@code action} on a new thread, waits for that thread's result, and returns it. */
    static <T> T onNewThread(Supplier<T> action) {
        FutureTask<T> task = new FutureTask<>(action::get);
        new Thread(task, "quiesce-jcstress-submitter").start();
        try {
            return task.get();
        } catch (InterruptedException e) {
            throw unexpected(e);
        } catch (ExecutionException e) {
            throw new AssertionError("the submitter thread failed", e.getCause());
        }
    }

    /** The data a section reads and writes: x written by the updater, y by the reader. */
    abstract static class Data {
        final Srcu srcu = Srcu.create();
        volatile int x;
        volatile int y;
    }

    // ------------------------------------------------------------------------------------------
    // The RCU guarantee, one test per way of holding a read section

    /**
     * The RCU guarantee with {@code readLock/readUnlock} and {@code synchronize()}. The shape holds
     * two litmus tests in one: store buffering (the reader announces itself, then reads x; the
     * updater writes x, then scans: {@code (0, 0)} needs both reads to miss both writes, which only
     * the begin's full fence forbids) and message passing (the section's write of y is visible
     * after {@code synchronize()} returns). {@code selftest.BrokenSrcuTests} runs it against a
     * begin without the fence ({@code UnfencedBegin}, caught on x86 in 12 of 16 JVM configurations
     * of one run, about 0.2–0.5 % of samples) and against grace periods that end early.
     */
    @JCStressTest
    @Description("readLock section { r1 = x; y = 1 } against x = 1; synchronize(); r2 = y")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "The section began before x = 1 (it read 0), yet synchronize() returned before the "
                    + "section wrote y: the grace period did not wait for a pre-existing reader.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began before x = 1 and synchronize() waited for it to end.")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; synchronize() need not wait for it and did not.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and had ended (or was waited for) before r2 = y.")
    @State
    public static class ReadLock extends Data {
        @Actor
        public void reader(II_Result r) {
            int token = srcu.readLock();
            r.r1 = x;
            y = 1;
            srcu.readUnlock(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            try {
                srcu.synchronize();
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = y;
        }
    }

    /** The RCU guarantee with {@code downRead/upRead}, ended on the thread that began it. */
    @JCStressTest
    @Description("downRead section { r1 = x; y = 1 } against x = 1; synchronize(); r2 = y")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "The section began before x = 1 (it read 0), yet synchronize() returned before the "
                    + "section wrote y: the grace period did not wait for a pre-existing reader.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began before x = 1 and synchronize() waited for it to end.")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; synchronize() need not wait for it and did not.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and had ended (or was waited for) before r2 = y.")
    @State
    public static class DownRead extends Data {
        @Actor
        public void reader(II_Result r) {
            int token = srcu.downRead();
            r.r1 = x;
            y = 1;
            srcu.upRead(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            try {
                srcu.synchronize();
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = y;
        }
    }

    /** The RCU guarantee with a {@link ReadSection} in try-with-resources. */
    @JCStressTest
    @Description("enter() section { r1 = x; y = 1 } against x = 1; synchronize(); r2 = y")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "The section began before x = 1 (it read 0), yet synchronize() returned before the "
                    + "section wrote y: the grace period did not wait for a pre-existing reader.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began before x = 1 and synchronize() waited for it to end.")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; synchronize() need not wait for it and did not.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and had ended (or was waited for) before r2 = y.")
    @State
    public static class Enter extends Data {
        @Actor
        @SuppressWarnings("try")   // the section is held for its body's sake, never read there
        public void reader(II_Result r) {
            try (ReadSection s = srcu.enter()) {
                r.r1 = x;
                y = 1;
            }
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            try {
                srcu.synchronize();
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = y;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Hand-off: the section begins before both actors and ends in one of them

    /**
     * A {@code downRead} section begun in the state constructor and ended by {@code upRead} in the
     * reader actor. The section began before {@code synchronize()} was called whatever the reader
     * read, so {@code r2 == 0} is forbidden in both columns.
     */
    @JCStressTest
    @Description("downRead() in the state constructor; reader r1 = x; y = 1; upRead(token) "
            + "against x = 1; synchronize(); r2 = y")
    @Outcome(id = "[01], 0", expect = Expect.FORBIDDEN,
            desc = "synchronize() returned while the section begun in the constructor — before the "
                    + "call — was still open: the handed-off section was not waited for.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The reader read x before x = 1; synchronize() waited for upRead.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The reader read x after x = 1; synchronize() waited for upRead.")
    @State
    public static class HandOffDownRead extends Data {
        final int token = srcu.downRead();

        @Actor
        public void reader(II_Result r) {
            r.r1 = x;
            y = 1;
            srcu.upRead(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            try {
                srcu.synchronize();
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = y;
        }
    }

    /**
     * A {@link ReadSection} entered in the state constructor and detached inside
     * try-with-resources (whose close is then a no-op), closed through the detached handle in the
     * reader actor.
     */
    @JCStressTest
    @Description("try (s = enter()) { h = s.detach(); } in the state constructor; reader "
            + "r1 = x; y = 1; h.close() against x = 1; synchronize(); r2 = y")
    @Outcome(id = "[01], 0", expect = Expect.FORBIDDEN,
            desc = "synchronize() returned while the detached section, begun before the call, was "
                    + "still open — or closing the original handle ended the section early.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The reader read x before x = 1; synchronize() waited for the detached handle's close.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The reader read x after x = 1; synchronize() waited for the detached handle's close.")
    @State
    public static class HandOffDetach extends Data {
        final ReadSection handle;

        public HandOffDetach() {
            try (ReadSection s = srcu.enter()) {
                handle = s.detach();
            }
        }

        @Actor
        public void reader(II_Result r) {
            r.r1 = x;
            y = 1;
            handle.close();
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            try {
                srcu.synchronize();
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = y;
        }
    }

    // ------------------------------------------------------------------------------------------
    // The other ways to wait for a grace period

    /** The RCU guarantee with {@code synchronizeExpedited()}, which spins before it parks. */
    @JCStressTest
    @Description("readLock section { r1 = x; y = 1 } against x = 1; synchronizeExpedited(); r2 = y")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "The section began before x = 1, yet synchronizeExpedited() returned before it "
                    + "wrote y: the expedited grace period did not wait for a pre-existing reader.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began before x = 1 and synchronizeExpedited() waited for it to end.")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; the grace period need not wait for it.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and had ended (or was waited for) before r2 = y.")
    @State
    public static class Expedited extends Data {
        @Actor
        public void reader(II_Result r) {
            int token = srcu.readLock();
            r.r1 = x;
            y = 1;
            srcu.readUnlock(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            try {
                srcu.synchronizeExpedited();
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = y;
        }
    }

    /**
     * The RCU guarantee with the timed {@code synchronize(long, TimeUnit)}: a generous timeout
     * that a reader of three statements never exhausts, so it must return true.
     */
    @JCStressTest
    @Description("readLock section { r1 = x; y = 1 } against x = 1; ok = synchronize(1 min); r2 = y")
    @Outcome(id = "0, 0, true", expect = Expect.FORBIDDEN,
            desc = "The section began before x = 1, yet the timed synchronize() reported a completed "
                    + "grace period before the section wrote y.")
    @Outcome(id = "0, 1, true", expect = Expect.ACCEPTABLE,
            desc = "The section began before x = 1 and the timed synchronize() waited for it to end.")
    @Outcome(id = "1, 0, true", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; the grace period need not wait for it.")
    @Outcome(id = "1, 1, true", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and had ended (or was waited for) before r2 = y.")
    @Outcome(id = "[01], [01], false", expect = Expect.FORBIDDEN,
            desc = "The timed synchronize() gave up after a minute on a reader of three statements: "
                    + "a lost wake-up or a grace period that cannot complete.")
    @State
    public static class Timed extends Data {
        @Actor
        public void reader(IIZ_Result r) {
            int token = srcu.readLock();
            r.r1 = x;
            y = 1;
            srcu.readUnlock(token);
        }

        @Actor
        public void updater(IIZ_Result r) {
            x = 1;
            try {
                r.r3 = srcu.synchronize(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = y;
        }
    }

    /**
     * A callback never observes, as still open, a section that began before
     * {@code callAfterGracePeriod} was called. The callback records {@code y}; {@code barrier()}
     * makes its write visible to the updater, which reports it as the second value ({@code -1}
     * if the callback had not run).
     */
    @JCStressTest
    @Description("readLock section { r1 = x; y = 1 } against x = 1; callAfterGracePeriod(seen = y); "
            + "barrier(); r2 = seen")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "The section began before x = 1, yet the callback ran before the section wrote y: "
                    + "the callback did not wait for a full grace period.")
    @Outcome(id = "[01], -1", expect = Expect.FORBIDDEN,
            desc = "barrier() returned before the callback queued before it had run.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began before x = 1; the callback ran after it ended.")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; the callback need not wait for it and did not.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and had ended (or was waited for) when the callback ran.")
    @State
    public static class Callback extends Data {
        volatile int seen = -1;

        @Actor
        public void reader(II_Result r) {
            int token = srcu.readLock();
            r.r1 = x;
            y = 1;
            srcu.readUnlock(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            srcu.callAfterGracePeriod(() -> seen = y);
            try {
                srcu.barrier();
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = seen;
        }
    }

    /**
     * The callback guarantee with a handed-off section: {@code downRead()} in the state
     * constructor, {@code upRead} in the reader actor. The section began before
     * {@code callAfterGracePeriod} was called whatever the reader read, so a callback that sees
     * {@code y == 0} ran while it was open. Stronger than {@link Callback}: there the updater's
     * call and {@code barrier()} take far longer than the reader's section, so the section is
     * seldom still open when the callback is queued.
     */
    @JCStressTest
    @Description("downRead() in the state constructor; reader r1 = x; y = 1; upRead(token) against "
            + "x = 1; callAfterGracePeriod(seen = y); barrier(); r2 = seen")
    @Outcome(id = "[01], 0", expect = Expect.FORBIDDEN,
            desc = "The callback ran while the section begun before callAfterGracePeriod was still open.")
    @Outcome(id = "[01], -1", expect = Expect.FORBIDDEN,
            desc = "barrier() returned before the callback queued before it had run.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The reader read x before x = 1; the callback ran after upRead.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The reader read x after x = 1; the callback ran after upRead.")
    @State
    public static class HandOffCallback extends Data {
        final int token = srcu.downRead();
        volatile int seen = -1;

        @Actor
        public void reader(II_Result r) {
            r.r1 = x;
            y = 1;
            srcu.upRead(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            srcu.callAfterGracePeriod(() -> seen = y);
            try {
                srcu.barrier();
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = seen;
        }
    }

    /** The RCU guarantee with a polled grace period: {@code startPoll()} then {@code awaitCompleted}. */
    @JCStressTest
    @Description("readLock section { r1 = x; y = 1 } against x = 1; c = startPoll(); awaitCompleted(c); r2 = y")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "The section began before x = 1, yet the cookie taken after x = 1 completed before "
                    + "the section wrote y.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began before x = 1; the cookie completed after it ended.")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; the cookie need not wait for it and did not.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and had ended (or was waited for) before r2 = y.")
    @State
    public static class StartPoll extends Data {
        @Actor
        public void reader(II_Result r) {
            int token = srcu.readLock();
            r.r1 = x;
            y = 1;
            srcu.readUnlock(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            long cookie = srcu.startPoll();
            try {
                srcu.awaitCompleted(cookie);
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = y;
        }
    }

    /**
     * The RCU guarantee with a cookie from {@code pollState()}, which starts nothing: it completes
     * when later grace periods complete, whoever starts them — here {@code synchronize()} calls
     * made until {@code pollCompleted} says so.
     */
    @JCStressTest
    @Description("readLock section { r1 = x; y = 1 } against x = 1; c = pollState(); "
            + "while (!pollCompleted(c)) synchronize(); r2 = y")
    @Outcome(id = "0, 0", expect = Expect.FORBIDDEN,
            desc = "The section began before x = 1, yet pollCompleted said the cookie taken after "
                    + "x = 1 had completed before the section wrote y.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began before x = 1; the cookie completed after it ended.")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1; the cookie need not wait for it and did not.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section began after x = 1 and had ended (or was waited for) before r2 = y.")
    @State
    public static class PollState extends Data {
        @Actor
        public void reader(II_Result r) {
            int token = srcu.readLock();
            r.r1 = x;
            y = 1;
            srcu.readUnlock(token);
        }

        @Actor
        public void updater(II_Result r) {
            x = 1;
            long cookie = srcu.pollState();
            try {
                while (!srcu.pollCompleted(cookie)) {
                    srcu.synchronize();
                }
            } catch (InterruptedException e) {
                throw unexpected(e);
            }
            r.r2 = y;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Closing a domain against a beginning section

    /**
     * {@code close()} refuses while a section is open, and a section that begins concurrently
     * with {@code close()} is either refused or makes {@code close()} refuse. The reader reports
     * 0 if {@code readLock()} was refused, 1 if its section began and ended normally, 2 if
     * {@code readLock()} admitted the section but {@code readUnlock} then failed because the
     * domain had closed under it; the closer reports 1 if {@code close()} returned, 0 if it
     * refused. This is the one test that calls {@code close()}: both sides expect
     * {@link IllegalStateException}.
     *
     * <p>Race it catches (seen against {@code Srcu} as of commit fa26f07): {@code readLock()}
     * reads the closed bit of {@code state} and only then adds to its begin counter. A
     * {@code close()} that sets the bit and scans between the two sees no open section and
     * succeeds; the admitted section's {@code readUnlock} then throws on the closed domain.
     */
    @JCStressTest
    @Description("t = readLock(); readUnlock(t) against close()")
    @Outcome(id = "2, 1", expect = Expect.FORBIDDEN,
            desc = "readLock() admitted a section, close() returned while it was open, and its "
                    + "readUnlock was refused: close() did not see a section that began concurrently.")
    @Outcome(id = "2, 0", expect = Expect.FORBIDDEN,
            desc = "readUnlock reported a closed domain although close() refused.")
    @Outcome(id = "0, 1", expect = Expect.ACCEPTABLE,
            desc = "close() won: readLock() was refused on the closed domain.")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE,
            desc = "The section was open when close() checked: close() refused.")
    @Outcome(id = "1, 1", expect = Expect.ACCEPTABLE,
            desc = "The section ended before close() began.")
    @Outcome(id = "0, 0", expect = Expect.ACCEPTABLE,
            desc = "readLock() ran during a close() that then refused; it was refused too (documented).")
    @State
    public static class CloseAgainstReadLock {
        final Srcu srcu = Srcu.create();

        @Actor
        public void reader(II_Result r) {
            int token;
            try {
                token = srcu.readLock();
            } catch (IllegalStateException refused) {
                r.r1 = 0;
                return;
            }
            try {
                srcu.readUnlock(token);
                r.r1 = 1;
            } catch (IllegalStateException closedUnderIt) {
                r.r1 = 2;
            }
        }

        @Actor
        public void closer(II_Result r) {
            try {
                srcu.close();
                r.r2 = 1;
            } catch (IllegalStateException refused) {
                r.r2 = 0;
            }
        }
    }

    /**
     * {@code close()} refuses while callbacks are pending, and {@code callAfterGracePeriod}
     * refuses a closed domain: a callback is either refused or eventually runs. The caller
     * reports 1 if {@code callAfterGracePeriod} accepted the callback, 0 if it refused; the
     * closer 1 if {@code close()} returned, 0 if it refused; the arbiter whether the callback
     * had run by then. If {@code close()} succeeded after accepting a callback, that callback
     * must already have run — {@code close()} refuses while one is pending — so
     * {@code (1, 1, 0)} is forbidden; in the other rows the callback may still be on its way.
     *
     * <p>Race it looks for: {@code callAfterGracePeriod} checks that the domain is open, and only
     * then records its grace-period request and counts the callback. A {@code close()} that sets
     * the closed bit and checks between the two sees nothing pending and succeeds; the callback
     * is then queued on a closed domain whose worker no longer starts, never runs, and a later
     * {@code barrier()} waits for ever.
     */
    @JCStressTest
    @Description("callAfterGracePeriod(ran = 1) against close(); arbiter reads ran")
    @Outcome(id = "1, 1, 0", expect = Expect.FORBIDDEN,
            desc = "callAfterGracePeriod accepted a callback, close() then succeeded, and the callback "
                    + "had not run: it never will (the closed domain starts no worker).")
    @Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE,
            desc = "The callback was accepted and had run before close() checked; close() succeeded.")
    @Outcome(id = "1, 0, [01]", expect = Expect.ACCEPTABLE,
            desc = "The callback was pending when close() checked: close() refused; the callback runs "
                    + "after a grace period.")
    @Outcome(id = "0, 1, 0", expect = Expect.ACCEPTABLE,
            desc = "close() won: callAfterGracePeriod refused the closed domain.")
    @Outcome(id = "0, 0, 0", expect = Expect.ACCEPTABLE,
            desc = "callAfterGracePeriod ran during a close() that then refused; it was refused too.")
    @State
    public static class CloseAgainstCallback {
        final Srcu srcu = Srcu.create();
        volatile int ran;

        @Actor
        public void caller(III_Result r) {
            try {
                srcu.callAfterGracePeriod(() -> ran = 1);
                r.r1 = 1;
            } catch (IllegalStateException refused) {
                r.r1 = 0;
            }
        }

        @Actor
        public void closer(III_Result r) {
            try {
                srcu.close();
                r.r2 = 1;
            } catch (IllegalStateException refused) {
                r.r2 = 0;
            }
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r3 = ran;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Termination: a waiting updater is woken by the end of the last older section

    /**
     * {@code synchronize()} returns once the section it waits for ends: the section is begun by
     * {@code downRead()} in the state constructor, the actor calls {@code synchronize()}, and the
     * signal ends the section with {@code upRead} — on the harness thread, which also ran the
     * constructor (see the class notes; {@link HandOffTerminates} crosses threads). A lost
     * wake-up leaves the updater parked until its stall timeout (10 s), which jcstress reports
     * as STALE ({@code selftest.BrokenSrcuTests.NoWake}: an updater that no end wakes is caught).
     */
    @JCStressTest(Mode.Termination)
    @Description("downRead() in the state constructor; actor synchronize(); signal upRead(token)")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "upRead ended the last older section and woke synchronize().")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "synchronize() did not return after the last older section ended: a lost wake-up "
                    + "or a grace period that cannot see the end.")
    @State
    public static class SynchronizeTerminates {
        final Srcu srcu = Srcu.create();
        final int token = srcu.downRead();

        @Actor
        public void updater() throws InterruptedException {
            srcu.synchronize();
        }

        @Signal
        public void signal() {
            srcu.upRead(token);
        }
    }

    /**
     * A real hand-off in termination form: a short-lived submitter thread enters a section,
     * detaches it and exits; the actor calls {@code synchronizeExpedited()} (which spins for a
     * while, then parks); the signal, on the harness thread, closes the detached handle. Begin,
     * wait and end run on three different threads, and the begin's counter cell belongs to a
     * thread that no longer exists.
     */
    @JCStressTest(Mode.Termination)
    @Description("h = enter().detach() on a submitter thread that then exits; actor "
            + "synchronizeExpedited(); signal h.close() on a third thread")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "Closing the detached handle on another thread ended the last older section and "
                    + "woke the updater.")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "synchronizeExpedited() did not return after the handed-off section was closed: "
                    + "an end counted on another thread's cell was missed, or its wake-up was lost.")
    @State
    public static class HandOffTerminates {
        final Srcu srcu = Srcu.create();
        final ReadSection handle = onNewThread(() -> srcu.enter().detach());

        @Actor
        public void updater() throws InterruptedException {
            srcu.synchronizeExpedited();
        }

        @Signal
        public void signal() {
            handle.close();
        }
    }

    /**
     * {@code barrier()} returns once the callback it waits for has run, which needs a grace period
     * that waits for the section begun in the state constructor: the worker thread drives it and
     * must be woken by the signal's {@code upRead}.
     */
    @JCStressTest(Mode.Termination)
    @Description("downRead() in the state constructor; actor callAfterGracePeriod(noop); barrier(); "
            + "signal upRead(token)")
    @Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE,
            desc = "upRead woke the worker, the grace period completed, the callback ran and barrier() returned.")
    @Outcome(id = "STALE", expect = Expect.FORBIDDEN,
            desc = "barrier() did not return after the last older section ended: the worker missed the "
                    + "wake-up or the callback was never run.")
    @State
    public static class BarrierTerminates {
        final Srcu srcu = Srcu.create();
        final int token = srcu.downRead();

        @Actor
        public void updater() throws InterruptedException {
            srcu.callAfterGracePeriod(() -> { });
            srcu.barrier();
        }

        @Signal
        public void signal() {
            srcu.upRead(token);
        }
    }
}
