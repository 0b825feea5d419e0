package dev.quiesce;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Records, triggers a stall and a grace period, and reads the events back — with the validator
 * off (the default suite): stalls and grace periods need no validation.
 */
class SrcuFlightRecorderTest {

    @Test
    void gracePeriodsAndStallsAreRecorded() throws Exception {
        Path file = Files.createTempFile("quiesce-srcu", ".jfr");
        AtomicLong now = new AtomicLong();
        CountDownLatch stalled = new CountDownLatch(1);
        try (Recording recording = new Recording()) {
            recording.enable("dev.quiesce.GracePeriod").withThreshold(Duration.ZERO);
            recording.enable("dev.quiesce.Stall");
            recording.start();

            Srcu s = Srcu.builder().name("recorded").clock(now::get).stallThreshold(Duration.ofSeconds(1))
                    .reportHandler(r -> stalled.countDown()).build();
            ReadSection blocker = s.enter();
            ReadSection waker = s.enter();
            Thread updater = new Thread(s::synchronizeUninterruptibly, "updater");
            updater.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (LockSupport.getBlocker(updater) != s) {   // the driver parks on its domain
                if (System.nanoTime() - deadline > 0) {
                    fail("the updater never waited");
                }
                Thread.onSpinWait();
            }
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            waker.close();                                   // wakes the updater; it sees the stall
            assertTrue(stalled.await(30, TimeUnit.SECONDS));
            blocker.close();
            updater.join(TimeUnit.SECONDS.toMillis(30));

            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Files.delete(file);
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("dev.quiesce.Stall")
                && e.getString("source").equals("recorded")), () -> "events: " + events);
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("dev.quiesce.GracePeriod")
                && e.getString("domain").equals("recorded")), () -> "events: " + events);
    }
}
