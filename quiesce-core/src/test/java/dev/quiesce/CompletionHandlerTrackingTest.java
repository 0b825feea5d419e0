package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The completion-handler forms: {@link Srcu#track(java.util.function.BiConsumer, Object, CompletionHandler)}
 * and {@link Held#closeOnCompletion}. What the user's handler sees is checked from inside the
 * handler: the section, permit or access has already ended when it runs, on {@code completed} and
 * on {@code failed}, on a channel's own thread and on the initiating thread; a synchronous throw
 * leaves nothing open.
 */
class CompletionHandlerTrackingTest {

    /** Records, inside the handler, whether {@code ended} held and on which thread it ran. */
    static final class Observed<V> implements CompletionHandler<V, String> {
        final CompletableFuture<V> result = new CompletableFuture<>();
        final BooleanSupplier ended;
        volatile Boolean endedWhenCalled;
        volatile Thread thread;
        volatile String attachment;

        Observed(BooleanSupplier ended) {
            this.ended = ended;
        }

        @Override
        public void completed(V value, String attachment) {
            record(attachment);
            result.complete(value);
        }

        @Override
        public void failed(Throwable failure, String attachment) {
            record(attachment);
            result.completeExceptionally(failure);
        }

        private void record(String a) {
            endedWhenCalled = ended.getAsBoolean();
            thread = Thread.currentThread();
            attachment = a;
        }
    }

    /**
     * True when no section of {@code srcu} is open: a grace period completes. If one were open (a
     * handler called before its section ended), this waits for the guard and returns false.
     */
    private static boolean noSectionOpen(Srcu srcu) {
        try {
            return srcu.synchronize(Threads.GUARD_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void aRealAsyncWriteEndsItsSectionBeforeTheHandlerRuns(@TempDir Path dir) throws Exception {
        Srcu srcu = Srcu.create("writes");
        Observed<Integer> handler = new Observed<>(() -> noSectionOpen(srcu));
        byte[] data = "tracked".getBytes(StandardCharsets.US_ASCII);
        Path file = dir.resolve("f");
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            srcu.track((a, h) -> ch.write(ByteBuffer.wrap(data), 0, a, h), "att", handler);
            assertEquals(data.length, handler.result.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS));
        }
        assertEquals(Boolean.TRUE, handler.endedWhenCalled, "the section was still open in the handler");
        assertEquals("att", handler.attachment);
        assertEquals("tracked", Files.readString(file));
        srcu.close();                                      // refuses if a section were left open
    }

    @Test
    void aFailedOperationEndsItsSectionBeforeTheHandlerRuns(@TempDir Path dir) throws Exception {
        Srcu srcu = Srcu.create("writes");
        Observed<Integer> handler = new Observed<>(() -> noSectionOpen(srcu));
        AsynchronousFileChannel ch = AsynchronousFileChannel.open(dir.resolve("f"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        ch.close();                                        // the write fails through the handler
        srcu.track((a, h) -> ch.write(ByteBuffer.allocate(1), 0, a, h), "att", handler);
        Throwable failure = assertThrows(Exception.class,
                () -> handler.result.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS)).getCause();
        assertInstanceOf(ClosedChannelException.class, failure);
        assertEquals(Boolean.TRUE, handler.endedWhenCalled, "the section was still open in failed()");
        srcu.close();
    }

    @Test
    void aHandlerCalledOnTheInitiatingThreadStillFindsTheSectionEnded() {
        Srcu srcu = Srcu.create("writes");
        Observed<Integer> handler = new Observed<>(() -> noSectionOpen(srcu));
        // As a channel group does when the I/O completes at once: the handler runs inside the call.
        srcu.track((a, h) -> h.completed(42, a), "att", handler);
        assertTrue(handler.result.isDone(), "the handler ran inside track()");
        assertSame(Thread.currentThread(), handler.thread);
        assertEquals(Boolean.TRUE, handler.endedWhenCalled);
        srcu.close();
    }

    @Test
    void aSynchronousThrowEndsTheSectionAndPropagatesWithoutCallingTheHandler() {
        Srcu srcu = Srcu.create("writes");
        Observed<Integer> handler = new Observed<>(() -> noSectionOpen(srcu));
        IllegalStateException thrown = new IllegalStateException("channel refused");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> srcu.track((a, h) -> { throw thrown; }, "att", handler));
        assertSame(thrown, e);
        assertFalse(handler.result.isDone(), "the handler was called for a synchronous throw");
        assertTrue(noSectionOpen(srcu), "a section was left open");
        srcu.close();
    }

    @Test
    void aChannelThatThrowsAfterCompletingEndsTheSectionOnce() {
        Srcu srcu = Srcu.create("writes");
        Observed<Integer> handler = new Observed<>(() -> noSectionOpen(srcu));
        assertThrows(IllegalStateException.class, () -> srcu.track((a, h) -> {
            h.completed(1, a);
            throw new IllegalStateException("and then threw");
        }, "att", handler));
        assertTrue(handler.result.isDone());
        srcu.close();                                      // a second end would have thrown or miscounted
    }

    @Test
    void nullArgumentsBeginNoSection() {
        Srcu srcu = Srcu.create("writes");
        Observed<Integer> handler = new Observed<>(() -> true);
        assertThrows(NullPointerException.class, () -> srcu.track(null, "att", handler));
        assertThrows(NullPointerException.class,
                () -> srcu.<Integer, String>track((a, h) -> h.completed(1, a), "att", null));
        srcu.close();
    }

    @Test
    void aPermitIsReleasedBeforeTheHandlerRunsAndTheTryBlockAroundItStaysCorrect() throws Exception {
        RwSemaphore sem = RwSemaphore.create("file");
        AtomicReference<CompletionHandler<Integer, String>> pending = new AtomicReference<>();
        Observed<Integer> handler = new Observed<>(() -> {
            long t = sem.tryAcquireExclusiveToken();
            if (t == 0) {
                return false;
            }
            sem.releaseExclusive(t);
            return true;
        });
        try (Permit p = sem.tryAcquireShared()) {
            assertNotNull(p);
            p.closeOnCompletion((a, h) -> pending.set(h), "att", handler);
            assertFalse(p.isOpen(), "the permit was handed to the operation");
        }                                                   // a no-op close: the completion owns it
        assertEquals(0, sem.tryAcquireExclusiveToken(), "the permit was released before completion");

        Threads.Started<Void> io = Threads.start("io-completion", () -> {
            pending.get().completed(7, "att");
            return null;
        });
        io.join();
        assertEquals(7, handler.result.get(Threads.GUARD_SECONDS, TimeUnit.SECONDS));
        assertEquals(Boolean.TRUE, handler.endedWhenCalled, "the permit was still held in the handler");
        assertNotEquals(Thread.currentThread(), handler.thread);
        sem.kill();
    }

    @Test
    void anAccessIsEndedBeforeTheHandlerRuns() throws Exception {
        AtomicReference<String> released = new AtomicReference<>();
        Revocable<String> resource = Revocable.of("channel", released::set);
        Observed<Integer> handler = new Observed<>(() -> {
            try {
                return resource.revoke(0, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        Access<String> access = resource.tryAccess();
        access.closeOnCompletion((a, h) -> h.failed(new ClosedChannelException(), a), "att", handler);
        assertTrue(handler.result.isCompletedExceptionally());
        assertEquals(Boolean.TRUE, handler.endedWhenCalled, "the access was still open in the handler");
        assertEquals("channel", released.get(), "revoke ran the release once the access had ended");
    }

    @Test
    void cancellingTheFutureOfTrackLeavesTheSectionOpenUntilTheOperationCompletes() throws Exception {
        Srcu srcu = Srcu.create("writes");
        CompletableFuture<Integer> operation = new CompletableFuture<>();
        CompletableFuture<Integer> tracked = srcu.track(() -> operation);
        assertTrue(tracked.cancel(true));
        assertFalse(operation.isDone(), "cancelling track's future cancelled the operation");
        assertThrows(IllegalStateException.class, srcu::close,
                "cancelling track's future ended the section under the operation (close() refuses while one is open)");
        operation.complete(1);
        assertTrue(noSectionOpen(srcu), "the operation's completion did not end the section");
        srcu.close();
    }
}
