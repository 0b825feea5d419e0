package dev.quiesce;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static dev.quiesce.SrcuTestSupport.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Explicit, weak registration with unique ids; aggregates per lock class; the one periodic JFR hook,
 * read back from a recording.
 */
class MetricsTest {

    @Test
    void twoDomainsNamedAlikeAreTwoRegistrations() throws Exception {
        Srcu a = Srcu.create("same");
        Srcu b = Srcu.create("same");
        Metrics.Registration<Srcu.Stats> ra = Metrics.register(a);
        Metrics.Registration<Srcu.Stats> rb = Metrics.register(b);
        assertSame(ra, Metrics.register(a), "registering again returns the registration");
        assertNotEquals(ra.id(), rb.id());
        assertEquals("same", ra.name());
        assertEquals("srcu", ra.kind());
        a.synchronize();
        assertEquals(1, ra.stats().gracePeriodsCompleted());
        assertEquals(0, rb.stats().gracePeriodsCompleted());
        assertTrue(Metrics.registrations().containsAll(List.of(ra, rb)));
        rb.unregister();
        assertNull(rb.stats());
        assertFalse(Metrics.registrations().contains(rb));
    }

    @Test
    void registrationHoldsItsInstanceWeakly() {
        Metrics.Registration<RwSemaphore.Stats> r = registerAndDrop();
        awaitCondition("the semaphore is collected", () -> {
            System.gc();
            return !r.isLive();
        });
        assertNull(r.stats());
        assertFalse(Metrics.registrations().contains(r));
    }

    private static Metrics.Registration<RwSemaphore.Stats> registerAndDrop() {
        return Metrics.register(RwSemaphore.create("dropped"));
    }

    @Test
    void aLockClassAggregatesItsReachableMembers() throws Exception {
        LockClass files = LockClass.named("file");
        LockClass otherFiles = LockClass.named("file");        // alike by name, another class
        RwSemaphore[] sems = new RwSemaphore[100];
        for (int i = 0; i < sems.length; i++) {
            sems[i] = RwSemaphore.create("file-" + i);
            Metrics.registerInClass(sems[i], files);
        }
        Metrics.registerInClass(RwSemaphore.create("other"), otherFiles);
        Permit p1 = sems[1].acquireShared();
        Permit p2 = sems[2].acquireShared();
        sems[3].kill();
        Metrics.ClassStats st = Metrics.classStats(files);
        assertEquals(new Metrics.ClassStats(st.id(), "rwsemaphore", "file", 100, 2, 0, 1), st);
        assertNotEquals(st.id(), Metrics.classStats(otherFiles).id());
        assertThrows(IllegalArgumentException.class, () -> Metrics.registerInClass(Srcu.create(), files));
        p1.close();
        p2.close();
        WeakReference<RwSemaphore> last = new WeakReference<>(sems[99]);
        sems[99] = null;
        awaitCondition("a member is collected", () -> {
            System.gc();
            return last.get() == null;
        });
        assertEquals(99, Metrics.classStats(files).instances());
        Reference.reachabilityFence(sems);                 // the 99 others reachable until here
    }

    @Test
    void oneHookEmitsEveryRegistrationsFiguresToARecording() throws Exception {
        Path file = Files.createTempFile("quiesce-metrics", ".jfr");
        Srcu a = Srcu.create("recorded-twin");
        Srcu b = Srcu.create("recorded-twin");
        RwSemaphore sem = RwSemaphore.create("recorded-sem");
        LockClass cls = LockClass.named("recorded-class");
        Metrics.Registration<Srcu.Stats> ra = Metrics.register(a);
        Metrics.Registration<Srcu.Stats> rb = Metrics.register(b);
        Metrics.Registration<RwSemaphore.Stats> rs = Metrics.register(sem);
        Metrics.registerInClass(RwSemaphore.create("member"), cls);
        a.synchronize();
        a.synchronize();
        Permit held = sem.acquireShared();
        try (Recording recording = new Recording()) {
            recording.enable("dev.quiesce.Stats").withPeriod(Duration.ofMillis(50));
            recording.start();
            long before = Metrics.POLLS.get();
            awaitCondition("the hook ran twice", () -> Metrics.POLLS.get() >= before + 2);
            recording.stop();
            recording.dump(file);
        } finally {
            held.close();
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        Files.delete(file);
        List<RecordedEvent> srcu = byName(events, "dev.quiesce.SrcuStats");
        RecordedEvent ea = srcu.stream().filter(e -> e.getLong("id") == ra.id()).findFirst().orElseThrow();
        RecordedEvent eb = srcu.stream().filter(e -> e.getLong("id") == rb.id()).findFirst().orElseThrow();
        assertEquals("recorded-twin", ea.getString("name"));
        assertEquals("recorded-twin", eb.getString("name"));
        assertEquals(2, ea.getLong("gracePeriodsCompleted"));
        assertEquals(0, eb.getLong("gracePeriodsCompleted"));
        RecordedEvent es = byName(events, "dev.quiesce.RwSemaphoreStats").stream()
                .filter(e -> e.getLong("id") == rs.id()).findFirst().orElseThrow();
        assertEquals(1, es.getLong("sharedHolders"));
        assertTrue(byName(events, "dev.quiesce.RwSemaphoreClassStats").stream()
                .anyMatch(e -> e.getString("lockClass").equals("recorded-class") && e.getLong("instances") == 1),
                () -> "events: " + events);
        assertFalse(byName(events, "dev.quiesce.Stats").isEmpty());
    }

    @Test
    void aDumpIsAnEventOnDemand() throws Exception {
        Path file = Files.createTempFile("quiesce-dump", ".jfr");
        RwSemaphore sem = RwSemaphore.create("dumped");
        Permit p = sem.acquireShared();
        boolean recorded;
        try (Recording recording = new Recording()) {
            recording.enable("dev.quiesce.Dump");
            recording.start();
            recorded = sem.dump().record();
            recording.stop();
            recording.dump(file);
        }
        p.close();
        assertTrue(recorded);
        List<RecordedEvent> dumps = byName(RecordingFile.readAllEvents(file), "dev.quiesce.Dump");
        Files.delete(file);
        assertEquals(1, dumps.size());
        assertTrue(dumps.get(0).getString("text").contains("1 shared permit(s) held"), dumps::toString);
        assertFalse(sem.dump().record(), "no recording enables it now");
    }

    private static List<RecordedEvent> byName(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }
}
