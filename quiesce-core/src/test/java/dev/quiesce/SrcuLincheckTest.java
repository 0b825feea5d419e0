package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * Three-thread scenarios checked by Lincheck's general-purpose mode ({@code runConcurrentTest}),
 * which explores interleavings of a block that starts its own threads — the one tool here for
 * "begun on thread A, ended on thread B, while thread C waits" on a two-core machine.
 *
 * <p>Shared objects are published through fields, never only through captured lambdas: Lincheck
 * treats an object reached only through a lambda as thread-local and misses bugs on it (see
 * TESTING.md). The scenarios use only {@code synchronize()} on the updater thread, so the domain's
 * own worker thread never starts inside an invocation.
 *
 * <p>Each scenario also runs against a broken domain and must fail there — the hand-off scenario
 * against a {@code synchronize()} that does not wait, the cookie scenario against readers that are
 * not counted (a {@code synchronize()} that returns without a grace period completes no cookie) —
 * so the checks can catch what they are meant to catch.
 */
class SrcuLincheckTest {

    private static final int INVOCATIONS = 150;

    // Shared state of one invocation, published through fields.
    private GracePeriodDomain domain;
    private CountDownLatch handOff;
    private volatile int token;
    private volatile long cookie;
    private volatile boolean begun;
    private volatile boolean ended;
    private volatile String violation;

    @Test
    void sectionHandedOffWhileThirdThreadSynchronizes() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> handOffScenario(false));
    }

    @Test
    void brokenSynchronizeIsCaughtInHandOffScenario() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> Lincheck.runConcurrentTest(INVOCATIONS, () -> handOffScenario(true)));
        assertTrue(e.getMessage().contains("synchronize() returned before"), e.getMessage());
    }

    @Test
    void cookieTakenInsideSectionDoesNotCompleteWhileOpen() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> cookieScenario(false));
    }

    @Test
    void uncountedReadersAreCaughtInCookieScenario() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> Lincheck.runConcurrentTest(INVOCATIONS, () -> cookieScenario(true)));
        assertTrue(e.getMessage().contains("completed while the section was open"), e.getMessage());
    }

    private void reset(boolean broken, boolean uncounted) {
        // An explicit executor: the default one, ForkJoinPool.commonPool(), once started by
        // earlier tests in the same JVM, drags JDK internals into Lincheck's snapshot of the
        // object graph, which Lincheck 3.7 cannot open on the class path (InaccessibleObjectException
        // on ProcessHandleImpl's lambda, reported by Lincheck as "a bug in Lincheck").
        Srcu srcu = Srcu.builder().name("lincheck").callbackExecutor(Runnable::run).build();
        domain = !broken ? GracePeriodDomain.of(srcu)
                : uncounted ? GracePeriodDomain.uncountedReaders(srcu) : GracePeriodDomain.brokenSynchronize(srcu);
        handOff = new CountDownLatch(1);
        token = 0;
        cookie = 0;
        begun = false;
        ended = false;
        violation = null;
    }

    /**
     * A: begins a section and hands its token to B. B: ends it. C: notes whether A's begin had
     * returned, then synchronizes; if it had, C must not return before B's end.
     */
    private void handOffScenario(boolean broken) {
        reset(broken, false);
        Thread a = new Thread(() -> {
            token = domain.begin();
            begun = true;
            handOff.countDown();
        });
        Thread b = new Thread(() -> {
            awaitHandOff();
            ended = true;
            domain.end(token);
        });
        Thread c = new Thread(() -> {
            boolean begunBefore = begun;
            try {
                domain.synchronize();
            } catch (InterruptedException e) {
                violation = "interrupted";
                return;
            }
            if (begunBefore && !ended) {
                violation = "synchronize() returned before a section begun before it ended";
            }
        });
        runAll(a, b, c);
    }

    /**
     * A: begins a section, takes a cookie inside it, hands the section to B. B: checks the cookie
     * has not completed, then ends the section. C: a grace period, which may complete the cookie
     * only after B's end.
     */
    private void cookieScenario(boolean broken) {
        reset(broken, true);
        Thread a = new Thread(() -> {
            token = domain.begin();
            long c = domain.pollState();
            if (domain.pollCompleted(c)) {
                violation = "a cookie taken inside a section completed at once";
            }
            cookie = c;
            handOff.countDown();
        });
        Thread b = new Thread(() -> {
            awaitHandOff();
            if (domain.pollCompleted(cookie)) {
                violation = "a cookie taken inside a section completed while the section was open";
            }
            domain.end(token);
        });
        Thread c = new Thread(() -> {
            try {
                domain.synchronize();
            } catch (InterruptedException e) {
                violation = "interrupted";
            }
        });
        runAll(a, b, c);
    }

    private void awaitHandOff() {
        try {
            handOff.await();
        } catch (InterruptedException e) {
            violation = "interrupted";
        }
    }

    private void runAll(Thread... threads) {
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        String v = violation;
        if (v != null) {
            throw new AssertionError(v);
        }
    }
}
