package dev.quiesce.validate;

import dev.quiesce.ReadSection;
import dev.quiesce.Report;
import dev.quiesce.Srcu;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leases on a replaceable clock, and the validator's JFR events. Validation on. */
class LeaseAndEventsTest {

    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @BeforeEach
    void setUp() {
        assertTrue(Validator.isEnabled(), "these tests need -Ddev.quiesce.validate=true");
        Validator.setReportHandler(reports::add);
        Validator.setClock(now::get);
    }

    @AfterEach
    void tearDown() {
        Validator.setReportHandler(null);
        Validator.setClock(null);
        Validator.setEndLeakedSections(false);
    }

    private List<Report> ofKind(Report.Kind kind) {
        return ValidationTestSupport.ofKind(reports, kind);
    }

    @Test
    void aSectionPastItsLeaseIsReportedOnceWithItsHistory() throws Exception {
        Srcu s = Srcu.create("leased");
        ReadSection section = s.enter();
        Validator.lease(section, Duration.ofSeconds(30));
        ReadSection moved = section.detach();
        now.addAndGet(Duration.ofSeconds(29).toNanos());
        assertEquals(0, Validator.checkLeases(), "not yet");
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertEquals(1, Validator.checkLeases());
        assertEquals(0, Validator.checkLeases(), "reported once");
        List<Report> expired = ofKind(Report.Kind.LEASE_EXPIRED);
        assertEquals(1, expired.size(), () -> "reports: " + reports);
        String text = expired.get(0).message();
        assertTrue(text.contains("past its lease by PT1S"), text);
        assertTrue(text.contains("detached"), text);
        assertTrue(text.contains("aSectionPastItsLeaseIsReportedOnceWithItsHistory"), text);
        assertFalse(s.synchronize(0, TimeUnit.SECONDS), "without the policy it still blocks grace periods");
        moved.close();
        assertTrue(s.synchronize(30, TimeUnit.SECONDS));
    }

    @Test
    void thePolicyEndsAnExpiredSectionAndTheOwnersCloseIsReportedNotThrown() throws Exception {
        Validator.setEndLeakedSections(true);
        Srcu s = Srcu.create("expired");
        ReadSection section = s.enter();
        Validator.lease(section, Duration.ofMillis(10));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertEquals(1, Validator.checkLeases());
        assertTrue(ofKind(Report.Kind.LEASE_EXPIRED).get(0).message().contains("ended it"));
        assertTrue(s.synchronize(30, TimeUnit.SECONDS), "grace periods go on");
        assertDoesNotThrow(section::close);                  // returns, does not release twice
        List<Report> late = ofKind(Report.Kind.UNBALANCED);
        assertEquals(1, late.size(), () -> "reports: " + reports);
        assertTrue(late.get(0).message().contains("after the validator had ended it"), late.get(0).message());
        s.close();                                           // counts balanced: one release, not two
    }

    @Test
    void leaseRefusesBadInput() {
        Srcu s = Srcu.create("bad-lease");
        ReadSection section = s.enter();
        assertThrows(NullPointerException.class, () -> Validator.lease(section, null));
        assertThrows(IllegalArgumentException.class, () -> Validator.lease(section, Duration.ofSeconds(-1)));
        section.close();
        assertThrows(IllegalStateException.class, () -> Validator.lease(section, Duration.ofSeconds(1)));
    }

    @Test
    void lockOrderViolationsAndGracePeriodsAreFlightRecorderEvents() throws Exception {
        Path file = Files.createTempFile("quiesce", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("dev.quiesce.LockOrderViolation");
            recording.enable("dev.quiesce.GracePeriod").withThreshold(Duration.ZERO);
            recording.start();
            Srcu a = Srcu.create("jfr-a");
            int t = a.readLock();
            a.synchronize(0, TimeUnit.SECONDS);              // sync in own section: reported, no wait
            a.readUnlock(t);
            a.synchronize();
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Files.delete(file);
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("dev.quiesce.LockOrderViolation")
                && e.getString("message").contains("'jfr-a'")), () -> "events: " + events);
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("dev.quiesce.GracePeriod")
                && "jfr-a".equals(e.getString("domain"))), () -> "events: " + events);
    }
}
