package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.Test;

/**
 * The stage form of {@link Held#closeOnCompletion}: what is held is released when the operation's
 * stage completes, before the returned future does, on the completing thread (the calling thread
 * for a stage already complete); a throwing or null operation releases at once; a refused call
 * changes nothing. The release is checked on a permit, an access and a read section, each through
 * its own waiter (an exclusive acquire, {@code revoke()}, {@code synchronize()}); the edge cases on
 * a permit.
 */
class StageTrackingTest {

    private static final long DEADLINE_SECONDS = 30;

    @Test
    void aPermitIsHeldUntilTheStageCompletesAndReleasedBeforeTheFutureCompletes() throws Exception {
        RwSemaphore s = RwSemaphore.create("stage");
        Permit p = s.tryAcquireShared();
        CompletableFuture<String> op = new CompletableFuture<>();
        CompletableFuture<String> result = p.closeOnCompletion(() -> op);
        assertFalse(p.isOpen(), "the handle was detached");
        p.close();                                         // a no-op now: try-with-resources stays correct
        assertNull(s.tryAcquireExclusive(), "released before the stage completed");
        // Seen from a dependent of the returned future, the permit is already released.
        CompletableFuture<Boolean> writerGotIn = result.thenApply(v -> {
            Permit w = s.tryAcquireExclusive();
            if (w == null) {
                return false;
            }
            w.close();
            return true;
        });
        Thread completer = new Thread(() -> op.complete("sent"), "completer");
        completer.start();
        completer.join();
        assertEquals("sent", result.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        assertTrue(writerGotIn.get(DEADLINE_SECONDS, TimeUnit.SECONDS), "not released before the future completed");
    }

    @Test
    void aStageAlreadyCompleteIsReleasedBeforeTheCallReturns() throws Exception {
        RwSemaphore s = RwSemaphore.create("stage-done");
        Permit p = s.tryAcquireShared();
        CompletableFuture<String> result = p.closeOnCompletion(() -> CompletableFuture.completedFuture("x"));
        assertTrue(result.isDone(), "the future of a completed stage is not complete");
        Permit w = s.tryAcquireExclusive();
        assertNotNull(w, "a completed stage left the permit held");
        w.close();
        assertEquals("x", result.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void aFailedStageReleasesAndFailsTheFutureWithTheSameCause() throws Exception {
        RwSemaphore s = RwSemaphore.create("stage-failed");
        Permit p = s.tryAcquireShared();
        CompletableFuture<String> op = new CompletableFuture<>();
        CompletableFuture<String> result = p.closeOnCompletion(() -> op);
        IOException cause = new IOException("connection reset");
        op.completeExceptionally(cause);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> result.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        assertSame(cause, e.getCause());
        assertNotNull(s.tryAcquireExclusive(), "a failed stage left the permit held");
    }

    @Test
    void anOperationThatThrowsReleasesAtOnceAndTheExceptionPropagates() {
        RwSemaphore s = RwSemaphore.create("stage-throws");
        Permit p = s.tryAcquireShared();
        IllegalStateException thrown = new IllegalStateException("no route");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> p.closeOnCompletion(() -> { throw thrown; }));
        assertSame(thrown, e);
        assertFalse(p.isOpen());
        assertNotNull(s.tryAcquireExclusive(), "a throwing operation left the permit held");
    }

    @Test
    void anOperationThatReturnsNullReleasesAtOnce() {
        RwSemaphore s = RwSemaphore.create("stage-null");
        Permit p = s.tryAcquireShared();
        String m = assertThrows(NullPointerException.class,
                () -> p.closeOnCompletion(() -> (CompletionStage<String>) null)).getMessage();
        assertEquals("operation returned null", m);
        assertNotNull(s.tryAcquireExclusive(), "a null stage left the permit held");
    }

    @Test
    void aStageWhoseWhenCompleteThrowsReleasesAtOnce() {
        RwSemaphore s = RwSemaphore.create("stage-broken");
        Permit p = s.tryAcquireShared();
        IllegalStateException refused = new IllegalStateException("this stage takes no actions");
        CompletableFuture<String> broken = new CompletableFuture<>() {
            @Override
            public CompletableFuture<String> whenComplete(BiConsumer<? super String, ? super Throwable> action) {
                throw refused;
            }
        };
        assertSame(refused, assertThrows(IllegalStateException.class, () -> p.closeOnCompletion(() -> broken)));
        assertNotNull(s.tryAcquireExclusive(), "a stage that took no action left the permit held for ever");
    }

    @Test
    void refusedCallsChangeNothingAndDoNotStartTheOperation() {
        RwSemaphore s = RwSemaphore.create("stage-refused");
        Permit p = s.tryAcquireShared();
        assertThrows(NullPointerException.class,
                () -> p.closeOnCompletion((java.util.function.Supplier<CompletionStage<String>>) null));
        assertTrue(p.isOpen(), "a null operation detached the handle");
        assertNull(s.tryAcquireExclusive(), "a null operation released the permit");
        p.close();
        AtomicBoolean started = new AtomicBoolean();
        assertThrows(IllegalStateException.class, () -> p.closeOnCompletion(() -> {
            started.set(true);
            return CompletableFuture.completedFuture("x");
        }));
        assertFalse(started.get(), "the operation ran on a closed handle");
        Permit w = s.tryAcquireExclusive();
        assertNotNull(w, "the refused call on a closed handle changed the count");
        w.close();
        Permit q = s.tryAcquireShared();
        Permit moved = q.detach();
        assertThrows(IllegalStateException.class, () -> q.closeOnCompletion(() -> {
            started.set(true);
            return CompletableFuture.completedFuture("x");
        }));
        assertFalse(started.get(), "the operation ran on a detached handle");
        assertNull(s.tryAcquireExclusive(), "the refused call on a detached handle released the permit");
        moved.close();
        assertNotNull(s.tryAcquireExclusive(), "the permit was not released by its new handle");
    }

    @Test
    void cancellingTheFutureDoesNotRelease() throws Exception {
        RwSemaphore s = RwSemaphore.create("stage-cancel");
        Permit p = s.tryAcquireShared();
        CompletableFuture<String> op = new CompletableFuture<>();
        CompletableFuture<String> result = p.closeOnCompletion(() -> op);
        assertTrue(result.cancel(false));
        assertNull(s.tryAcquireExclusive(), "cancelling the future released the permit");
        op.complete("late");
        assertNotNull(s.tryAcquireExclusive(), "the stage's completion did not release");
    }

    @Test
    void anAccessKeepsRevokeWaitingUntilTheStageCompletes() throws Exception {
        AtomicReference<String> releasedOn = new AtomicReference<>();
        Revocable<String> conn = Revocable.of("conn", "socket",
                r -> releasedOn.set(Thread.currentThread().getName()));
        Access<String> a = conn.tryAccess();
        String resource = a.get();                         // before the hand-off
        CompletableFuture<String> op = new CompletableFuture<>();
        CompletableFuture<String> result = a.closeOnCompletion(() -> op.thenApply(v -> resource + ":" + v));
        assertFalse(conn.revoke(0, TimeUnit.SECONDS), "revoke() did not wait for the stage");
        assertNull(releasedOn.get());
        // revoke() gave up: the release action runs in the last access's close, which the stage's
        // completion does on the completing thread, before the future completes.
        CompletableFuture<String> seen = result.thenApply(v -> releasedOn.get());
        Thread completer = new Thread(() -> op.complete("done"), "completer");
        completer.start();
        completer.join();
        assertEquals("socket:done", result.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        assertEquals("completer", seen.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        assertTrue(conn.revoke(DEADLINE_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void aReadSectionKeepsTheGracePeriodWaitingUntilTheStageCompletes() throws Exception {
        Srcu srcu = Srcu.create("stage-section");
        CompletableFuture<Integer> op = new CompletableFuture<>();
        CompletableFuture<Integer> result = srcu.enter().closeOnCompletion(() -> op);
        assertEquals(1, srcu.stats().sectionsOpen());
        assertFalse(srcu.synchronize(0, TimeUnit.SECONDS), "the grace period did not wait for the stage");
        op.complete(7);
        assertEquals(7, result.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        assertTrue(srcu.synchronize(DEADLINE_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, srcu.stats().sectionsOpen());
    }
}
