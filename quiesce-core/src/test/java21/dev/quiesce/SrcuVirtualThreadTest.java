package dev.quiesce;

import static dev.quiesce.SrcuTestSupport.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Srcu under virtual threads (JDK 21+; compiled by the {@code jdk21-tests} profile): sections
 * begun on one virtual thread end on another, and blocked updaters park — they unmount instead
 * of pinning a carrier — so many more of them than carriers can wait at once and all complete.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SrcuVirtualThreadTest {

    private static final long GUARD = SrcuTestSupport.GUARD_SECONDS;

    @Test
    void sectionBegunOnOneVirtualThreadEndedOnAnother() throws Exception {
        Srcu srcu = Srcu.create("vt-handoff");
        for (int form = 0; form < 2; form++) {
            boolean handle = form == 1;
            AtomicReference<ReadSection> section = new AtomicReference<>();
            AtomicInteger token = new AtomicInteger();
            CountDownLatch begun = new CountDownLatch(1);
            CountDownLatch mayEnd = new CountDownLatch(1);
            AtomicBoolean ended = new AtomicBoolean();
            AtomicBoolean endedWhenReturned = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();

            Thread a = Thread.ofVirtual().name("vt-a").start(() -> {
                if (handle) {
                    try (ReadSection s = srcu.enter()) {
                        section.set(s.detach());           // s.close() becomes a no-op
                    }
                } else {
                    token.set(srcu.downRead());
                }
                begun.countDown();
            });
            assertTrue(begun.await(GUARD, TimeUnit.SECONDS));
            a.join();
            Thread c = Thread.ofVirtual().name("vt-c").start(() -> {
                try {
                    srcu.synchronize();
                    endedWhenReturned.set(ended.get());
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            int probe = handle ? -1 : token.get();
            awaitCondition("the updater waits", () -> handle ? section.get().blocksGracePeriod()
                                                             : srcu.blocksGracePeriod(probe));
            Thread b = Thread.ofVirtual().name("vt-b").start(() -> {
                try {
                    mayEnd.await();
                    ended.set(true);
                    if (handle) {
                        section.get().attach().close();
                    } else {
                        srcu.upRead(token.get());
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            mayEnd.countDown();
            assertTrue(b.join(java.time.Duration.ofSeconds(GUARD)));
            assertTrue(c.join(java.time.Duration.ofSeconds(GUARD)));
            assertEquals(null, failure.get());
            assertTrue(endedWhenReturned.get(), "synchronize() returned before the handed-off section ended");
        }
        srcu.synchronize();
        srcu.close();
    }

    /** Many more blocked updaters than carriers: each parks (unmounts), and all complete. */
    @Test
    void manyVirtualThreadsBlockedInGracePeriodWaitsAllComplete() throws Exception {
        Srcu srcu = Srcu.builder().name("vt-many").callbackExecutor(Executors.newVirtualThreadPerTaskExecutor()).build();
        int n = 400;
        int token = srcu.downRead();
        AtomicBoolean ended = new AtomicBoolean();
        AtomicInteger early = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> updaters = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int kind = i % 4;
            updaters.add(Thread.ofVirtual().name("vt-updater-" + i).start(() -> {
                try {
                    switch (kind) {
                        case 0 -> srcu.synchronize();
                        case 1 -> srcu.synchronizeExpedited();
                        case 2 -> srcu.synchronizeUninterruptibly();
                        default -> srcu.awaitCompleted(srcu.startPoll());
                    }
                    if (!ended.get()) {
                        early.incrementAndGet();
                    }
                    done.incrementAndGet();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }));
        }
        // Every one of them must reach a parked state while only a couple of carriers exist: a
        // wait that spun or pinned its carrier would keep the others from ever starting.
        awaitCondition("all " + n + " virtual updaters park", () -> {
            for (Thread t : updaters) {
                Thread.State s = t.getState();
                if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) {
                    return false;
                }
            }
            return true;
        });
        assertEquals(0, done.get());
        ended.set(true);
        Thread.ofVirtual().start(() -> srcu.upRead(token)).join();
        for (Thread t : updaters) {
            assertTrue(t.join(java.time.Duration.ofSeconds(GUARD)), t + " did not complete");
        }
        assertEquals(null, failure.get());
        assertEquals(n, done.get());
        assertEquals(0, early.get(), "updaters returned before the older section ended");
        // Callbacks on a virtual-thread executor, queued from virtual threads.
        AtomicInteger ran = new AtomicInteger();
        try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100; i++) {
                vts.execute(() -> srcu.callAfterGracePeriod(ran::incrementAndGet));
            }
        }
        srcu.barrier();
        assertEquals(100, ran.get());
        srcu.synchronize();
        SrcuTestSupport.closeWhenIdle(srcu);
    }
}
