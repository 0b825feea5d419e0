package dev.quiesce;

import java.util.concurrent.atomic.AtomicReference;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model-checked three-thread scenarios (Lincheck's general-purpose mode explores interleavings of
 * explicit threads). Shared objects are published through fields of a {@link Scene}, never only
 * through captured lambdas: Lincheck treats objects reached only that way as thread-local and
 * would miss bugs (see TESTING.md).
 */
@Timeout(300)
class RwSemaphoreLincheckTest {

    /** Enough to catch the TENTATIVE-protocol mutants (checked); the blocking scenarios use fewer. */
    private static final int INVOCATIONS = 1000;
    private static final int BLOCKING_INVOCATIONS = 500;

    /** The shared state of one scenario run. */
    static final class Scene {
        RwSemaphore sem;
        final AtomicReference<Permit> handed = new AtomicReference<>();
        volatile boolean readerInside;
        volatile boolean writerInside;
        volatile boolean acquired;
        volatile boolean t1Failed;
        volatile boolean t3Failed;
        volatile boolean t2Succeeded;
        volatile String violation;
    }

    private static void join(Thread... ts) throws InterruptedException {
        for (Thread t : ts) {
            t.start();
        }
        for (Thread t : ts) {
            t.join();
        }
    }

    /** A permit acquired on T1 and closed on T2 while T3 waits for the exclusive permit. */
    @Test
    void handedOffPermitVersusWaitingWriter() {
        Lincheck.runConcurrentTest(BLOCKING_INVOCATIONS, () -> {
            Scene sc = new Scene();
            sc.sem = RwSemaphore.create();
            Thread t1 = new Thread(() -> {
                Permit p = sc.sem.tryAcquireShared();
                if (p != null) {
                    sc.readerInside = true;
                    if (sc.writerInside) {
                        sc.violation = "reader entered under the writer";
                    }
                }
                sc.handed.set(p == null ? null : p.detach());
                sc.acquired = true;
            });
            Thread t2 = new Thread(() -> {
                while (!sc.acquired) {
                    Thread.onSpinWait();
                }
                Permit p = sc.handed.get();
                if (p != null) {
                    sc.readerInside = false;
                    p.close();
                }
            });
            Thread t3 = new Thread(() -> {
                Permit w = sc.sem.acquireExclusiveUninterruptibly();
                sc.writerInside = true;
                if (sc.readerInside) {
                    sc.violation = "writer entered while the handed-off permit was open";
                }
                sc.writerInside = false;
                w.close();
            });
            try {
                join(t1, t2, t3);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (sc.violation != null) {
                throw new AssertionError(sc.violation);
            }
            if (sc.sem.tryAcquireExclusive() == null) {
                throw new AssertionError("a permit leaked: " + sc.sem);
            }
        });
    }

    /** A permit acquired on T1 and closed on T2 while T3 kills. */
    @Test
    void handedOffPermitVersusKill() {
        Lincheck.runConcurrentTest(BLOCKING_INVOCATIONS, () -> {
            Scene sc = new Scene();
            sc.sem = RwSemaphore.create();
            Thread t1 = new Thread(() -> {
                Permit p = sc.sem.tryAcquireShared();
                if (p != null) {
                    sc.readerInside = true;
                }
                sc.handed.set(p);
                sc.acquired = true;
            });
            Thread t2 = new Thread(() -> {
                while (!sc.acquired) {
                    Thread.onSpinWait();
                }
                Permit p = sc.handed.get();
                if (p != null) {
                    sc.readerInside = false;
                    p.close();
                }
            });
            Thread t3 = new Thread(() -> {
                sc.sem.kill();
                if (sc.readerInside) {
                    sc.violation = "kill() returned while the handed-off permit was open";
                }
                if (!sc.sem.isDead() || sc.sem.tryAcquireShared() != null) {
                    sc.violation = "not dead after kill(): " + sc.sem;
                }
            });
            try {
                join(t1, t2, t3);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (sc.violation != null) {
                throw new AssertionError(sc.violation);
            }
        });
    }

    /**
     * Non-blocking operations only, on an inflated semaphore (the TENTATIVE protocol): two
     * readers and a try-writer. A reader may fail only because the writer succeeded (a failed
     * tryAcquireExclusive leaves no trace), and sections never overlap.
     */
    @Test
    void nonBlockingOperationsInflated() {
        nonBlocking(true);
    }

    /** As {@link #nonBlockingOperationsInflated()}, with readers counted in the state word. */
    @Test
    void nonBlockingOperationsWord() {
        nonBlocking(false);
    }

    private static void nonBlocking(boolean inflated) {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Scene sc = new Scene();
            sc.sem = RwSemaphore.create();
            if (inflated) {
                sc.sem.inflate();
            }
            Thread t1 = new Thread(() -> sc.t1Failed = !read(sc));
            Thread t3 = new Thread(() -> sc.t3Failed = !read(sc));
            Thread t2 = new Thread(() -> {
                Permit w = sc.sem.tryAcquireExclusive();
                if (w != null) {
                    sc.t2Succeeded = true;
                    sc.writerInside = true;
                    if (sc.readerInside) {
                        sc.violation = "writer entered with a reader inside";
                    }
                    sc.writerInside = false;
                    w.close();
                }
            });
            try {
                join(t1, t2, t3);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (sc.violation != null) {
                throw new AssertionError(sc.violation);
            }
            if ((sc.t1Failed || sc.t3Failed) && !sc.t2Succeeded) {
                throw new AssertionError("tryAcquireShared failed spuriously: the try-writer failed too");
            }
            if (sc.sem.tryAcquireExclusive() == null) {
                throw new AssertionError("a permit leaked: " + sc.sem);
            }
        });
    }

    private static boolean read(Scene sc) {
        Permit p = sc.sem.tryAcquireShared();
        if (p == null) {
            return false;
        }
        sc.readerInside = true;
        if (sc.writerInside) {
            sc.violation = "reader entered with the writer inside";
        }
        sc.readerInside = false;          // two readers: a coarse flag, cleared by either
        p.close();
        return true;
    }
}
