package dev.quiesce.validate;

import static dev.quiesce.validate.ValidationTestSupport.onThread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.Permit;
import dev.quiesce.Report;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;

import java.nio.channels.CompletionHandler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The completion-handler forms (and the stage form) under the validator: the section or permit leaves the submitting
 * thread's held set at the call, and the completion thread attaches it before it closes it, so a
 * strict validator reports nothing and counts no foreign close.
 */
class CompletionHandlerValidationTest {

    private final List<Report> reports = new CopyOnWriteArrayList<>();

    @BeforeEach
    void collect() {
        assertTrue(Validator.isEnabled(), "these tests need -Ddev.quiesce.validate=true");
        Validator.setReportHandler(reports::add);
        Validator.setStrict(true);
    }

    @AfterEach
    void restore() {
        Validator.setStrict(false);
        Validator.setReportHandler(null);
    }

    /** Completes the future it is given; keeps the handler the operation received for a later call. */
    private static <V> CompletionHandler<V, Void> into(CompletableFuture<V> f) {
        return new CompletionHandler<>() {
            @Override public void completed(V v, Void a) { f.complete(v); }
            @Override public void failed(Throwable e, Void a) { f.completeExceptionally(e); }
        };
    }

    @Test
    void aSectionEndedOnTheCompletionThreadIsNeitherHeldByTheSubmitterNorReported() throws Exception {
        Srcu s = Srcu.create("handler-tracked");
        long before = Validator.foreignCloses();
        AtomicReference<CompletionHandler<Integer, Void>> pending = new AtomicReference<>();
        CompletableFuture<Integer> done = new CompletableFuture<>();
        s.track((a, h) -> pending.set(h), null, into(done));
        assertThrows(AssertionError.class, () -> Validator.assertHeld(s), "the submitter does not hold it");
        onThread("completion", () -> pending.get().completed(1, null));
        assertEquals(1, done.get(30, TimeUnit.SECONDS));
        assertEquals(before, Validator.foreignCloses());
        assertEquals(List.of(), reports);
        s.close();
    }

    @Test
    void aPermitHandedToAnOperationIsReleasedOnTheCompletionThreadWithoutReports() throws Exception {
        RwSemaphore sem = RwSemaphore.create("handler-permit");
        long before = Validator.foreignCloses();
        AtomicReference<CompletionHandler<Integer, Void>> pending = new AtomicReference<>();
        CompletableFuture<Integer> done = new CompletableFuture<>();
        Permit p = sem.tryAcquireShared();
        p.closeOnCompletion((a, h) -> pending.set(h), null, into(done));
        onThread("completion", () -> pending.get().failed(new IllegalStateException("io"), null));
        assertTrue(done.isCompletedExceptionally());
        assertEquals(before, Validator.foreignCloses());
        assertEquals(List.of(), reports);
        sem.kill();
    }

    @Test
    void aPermitHandedToAStageIsReleasedOnTheCompletingThreadWithoutReports() throws Exception {
        RwSemaphore sem = RwSemaphore.create("stage-permit");
        long before = Validator.foreignCloses();
        CompletableFuture<Integer> op = new CompletableFuture<>();
        Permit p = sem.tryAcquireShared();
        CompletableFuture<Integer> done = p.closeOnCompletion(() -> op);
        assertThrows(AssertionError.class, () -> Validator.assertHeld(sem), "the submitter does not hold it");
        onThread("completion", () -> op.complete(3));
        assertEquals(3, done.get(30, TimeUnit.SECONDS));
        assertEquals(before, Validator.foreignCloses());
        assertEquals(List.of(), reports);
        // A stage already complete: released on the calling thread, inside the call.
        CompletableFuture<Integer> now = sem.tryAcquireShared()
                .closeOnCompletion(() -> CompletableFuture.completedFuture(4));
        assertTrue(now.isDone());
        assertEquals(before, Validator.foreignCloses());
        assertEquals(List.of(), reports);
        sem.kill();
    }
}
