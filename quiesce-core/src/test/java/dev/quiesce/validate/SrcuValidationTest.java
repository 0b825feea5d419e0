package dev.quiesce.validate;

import dev.quiesce.LockClass;
import dev.quiesce.ReadSection;
import dev.quiesce.Report;
import dev.quiesce.Srcu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.quiesce.validate.ValidationTestSupport.onThread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The validator on Srcu, written as the bugs a user makes. Runs in its own JVM with
 * {@code -Ddev.quiesce.validate=true} (see the surefire execution "validator-tests").
 */
class SrcuValidationTest {

    private final List<Report> reports = new CopyOnWriteArrayList<>();

    /** Thrown by the test handler so that a reported wait does not go on to deadlock. */
    static final class Reported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Reported(Report r) {
            super(r.message());
        }
    }

    @BeforeEach
    void collect() {
        assertTrue(Validator.isEnabled(), "these tests need -Ddev.quiesce.validate=true");
        Validator.setReportHandler(reports::add);
        Validator.setStrict(false);
    }

    @AfterEach
    void restore() {
        Validator.setReportHandler(null);
        Validator.setStrict(false);
    }

    private void throwOnReport() {
        Validator.setReportHandler(r -> {
            reports.add(r);
            throw new Reported(r);
        });
    }


    private static void sync(Srcu s) {
        s.synchronizeUninterruptibly();
    }

    private List<Report> ofKind(Report.Kind kind) {
        return ValidationTestSupport.ofKind(reports, kind);
    }

    @Test
    void crossDomainReadSyncCycleIsReportedBeforeAnyDeadlock() throws Exception {
        Srcu inodes = Srcu.create("inodes");
        Srcu journal = Srcu.create("journal");
        onThread("first", () -> {
            int t = inodes.readLock();
            sync(journal);                                  // inodes-read -> journal-sync
            inodes.readUnlock(t);
        });
        assertEquals(List.of(), reports, "one order alone is fine");
        onThread("second", () -> {
            int t = journal.readLock();
            sync(inodes);                                   // journal-read -> inodes-sync: closes the cycle
            journal.readUnlock(t);
        });
        List<Report> cycles = ofKind(Report.Kind.LOCK_ORDER);
        assertEquals(1, cycles.size(), () -> "reports: " + reports);
        String text = cycles.get(0).message();
        assertTrue(text.contains("possible circular locking dependency"), text);
        assertTrue(text.contains("'inodes'") && text.contains("'journal'"), text);
        assertTrue(text.contains("first seen on thread \"first\""), text);
        assertTrue(text.contains("thread \"second\""), text);
        assertTrue(text.contains("crossDomainReadSyncCycleIsReportedBeforeAnyDeadlock"), "stacks name the test: " + text);
    }

    @Test
    void synchronizeInsideOwnReadSectionIsReportedInsteadOfHanging() {
        throwOnReport();
        Srcu s = Srcu.create("self");
        try (ReadSection r = s.enter()) {
            Reported e = assertThrows(Reported.class, s::synchronize);
            // Issue 11: this was "both are the same lock class ... (declare an ordered nesting
            // with LockClass.subclass)", the fix for two instances, not for one.
            String m = e.getMessage();
            assertTrue(m.contains("this is the same instance, Srcu[self"), m);
            assertTrue(m.contains("the thread would wait for its own read section, which can never end while it"
                    + " waits — a self-deadlock; end the read section before synchronize()"), m);
            assertTrue(m.contains("LockClass.subclass does not apply") && !m.contains("declare"), m);
            assertTrue(r.isOpen());
        }
        assertEquals(1, ofKind(Report.Kind.LOCK_ORDER).size());
        Validator.setReportHandler(reports::add);
        sync(s);                                             // outside the section: fine
        assertEquals(1, reports.size());
    }

    @Test
    void readSectionCyclesAreHarmless() throws Exception {
        Srcu a = Srcu.create("a");
        Srcu b = Srcu.create("b");
        onThread("ab", () -> {
            int x = a.readLock();
            int y = b.readLock();
            b.readUnlock(y);
            a.readUnlock(x);
        });
        onThread("ba", () -> {
            int y = b.readLock();
            int x = a.readLock();
            a.readUnlock(x);
            b.readUnlock(y);
        });
        assertEquals(List.of(), reports);
    }

    @Test
    void edgesFollowTheHandOffToTheAttachingThread() throws Exception {
        Srcu a = Srcu.create("handed");
        Srcu b = Srcu.create("other");
        ReadSection[] moved = new ReadSection[1];
        onThread("submitter", () -> {
            ReadSection s = a.enter();
            moved[0] = s.detach();
            sync(b);                                        // submitter no longer holds a: no edge
            s.close();                                      // no-op
        });
        onThread("completion", () -> moved[0].attach().close());
        onThread("unrelated", () -> {
            int t = b.readLock();
            sync(a);                                        // b-read -> a-sync: no a -> b edge exists
            b.readUnlock(t);
        });
        assertEquals(List.of(), reports, "the detached section must not count on the submitter");

        ReadSection next = a.enter().detach();
        onThread("completion2", () -> {
            next.attach();
            sync(b);                                        // a (attached here) -> b-sync closes the cycle
            next.close();
        });
        List<Report> cycles = ofKind(Report.Kind.LOCK_ORDER);
        assertEquals(1, cycles.size(), () -> "reports: " + reports);
        assertTrue(cycles.get(0).message().contains("thread \"completion2\""), cycles.get(0).message());
        assertTrue(cycles.get(0).message().contains("first seen on thread \"unrelated\""), cycles.get(0).message());
        assertEquals(0, ofKind(Report.Kind.UNBALANCED).size());
    }

    @Test
    void readUnlockOnAThreadThatHoldsNoneIsReported() throws Exception {
        Srcu s = Srcu.create("tokens");
        int token = s.readLock();
        onThread("stranger", () -> s.readUnlock(token));    // should have been downRead/upRead
        List<Report> unbalanced = ofKind(Report.Kind.UNBALANCED);
        assertEquals(1, unbalanced.size(), () -> "reports: " + reports);
        assertTrue(unbalanced.get(0).message().contains("downRead/upRead"), unbalanced.get(0).message());
        assertTrue(s.synchronize(30, TimeUnit.SECONDS), "the count itself was released");
    }

    @Test
    void downReadUpReadIsNotTracked() throws Exception {
        Srcu s = Srcu.create("untracked");
        int token = s.downRead();
        onThread("completion", () -> s.upRead(token));
        assertThrows(AssertionError.class, () -> Validator.assertHeld(s));
        assertEquals(List.of(), reports);
    }

    @Test
    void assertHeldFollowsReadLockEnterAndHandOff() throws Exception {
        Srcu s = Srcu.create("asserted");
        assertThrows(AssertionError.class, () -> Validator.assertHeld(s));
        int t = s.readLock();
        Validator.assertHeld(s);
        s.readUnlock(t);
        AssertionError none = assertThrows(AssertionError.class, () -> Validator.assertHeld(s));
        assertTrue(none.getMessage().contains("holds no read section"), none.getMessage());

        ReadSection r = s.enter();
        Validator.assertHeld(s);
        ReadSection moved = r.detach();
        assertThrows(AssertionError.class, () -> Validator.assertHeld(s));
        onThread("receiver", () -> {
            moved.attach();
            Validator.assertHeld(s);
            moved.close();
            assertThrows(AssertionError.class, () -> Validator.assertHeld(s));
        });
    }

    @Test
    void creationSiteIsTheClassAndNamesAreOnlyLabels() throws Exception {
        // Same name, two lines: two classes, so the cycle between them is reported.
        Srcu first = Srcu.create("cache");
        Srcu second = Srcu.create("cache");
        onThread("one", () -> {
            int t = first.readLock();
            sync(second);
            first.readUnlock(t);
        });
        onThread("two", () -> {
            int t = second.readLock();
            sync(first);
            second.readUnlock(t);
        });
        assertEquals(1, ofKind(Report.Kind.LOCK_ORDER).size(), () -> "reports: " + reports);
    }

    @Test
    void manyDomainsFromOneLineAreOneClassAndSubclassesDeclareNesting() throws Exception {
        throwOnReport();
        Srcu[] perFile = new Srcu[1000];
        for (int i = 0; i < perFile.length; i++) {
            perFile[i] = Srcu.create("file-" + i);          // one creation site: one class
        }
        int t = perFile[1].readLock();
        Reported e = assertThrows(Reported.class, () -> perFile[2].synchronize());
        String m = e.getMessage();
        assertTrue(m.contains("same lock class, two instances of it (Srcu[file-1") && m.contains(" held, Srcu[file-2"), m);
        assertTrue(m.contains("declare it with LockClass.subclass") && !m.contains("same instance"), m);
        perFile[1].readUnlock(t);

        LockClass files = LockClass.named("file");
        Srcu outer = Srcu.builder().name("outer").lockClass(files).build();
        Srcu inner = Srcu.builder().name("inner").lockClass(files.subclass(1)).build();
        int o = outer.readLock();
        inner.synchronize();                                // declared nesting: no report
        outer.readUnlock(o);
        assertEquals(1, reports.size(), () -> "reports: " + reports);
    }

    @Test
    void foreignCloseIsCountedAndReportedInStrictMode() throws Exception {
        Srcu s = Srcu.create("strict");
        long before = Validator.foreignCloses();
        ReadSection moved = s.enter().detach();
        onThread("closer", moved::close);                   // never attached
        assertEquals(before + 1, Validator.foreignCloses());
        assertEquals(List.of(), reports);

        Validator.setStrict(true);
        ReadSection again = s.enter().detach();
        onThread("closer2", again::close);
        List<Report> unbalanced = ofKind(Report.Kind.UNBALANCED);
        assertEquals(1, unbalanced.size(), () -> "reports: " + reports);
        assertTrue(unbalanced.get(0).message().contains("detached"), unbalanced.get(0).message());
        // A newcomer's trial (2026-12-03): the report now says what a correct hand-off does.
        assertTrue(unbalanced.get(0).message().contains("attach() it on the closing thread before closing it, as in"
                + " handle.attach().close()"), unbalanced.get(0).message());
        ReadSection attached = s.enter().detach();
        onThread("closer3", () -> attached.attach().close());
        assertEquals(1, ofKind(Report.Kind.UNBALANCED).size(), () -> "an attached close was reported: " + reports);
    }

    @Test
    void trackedOperationsEndOnTheCompletionThreadWithoutReports() throws Exception {
        Validator.setStrict(true);
        Srcu s = Srcu.create("tracked");
        long before = Validator.foreignCloses();
        CompletableFuture<String> op = new CompletableFuture<>();
        CompletableFuture<String> tracked = s.track(() -> op);
        assertThrows(AssertionError.class, () -> Validator.assertHeld(s), "the submitter does not hold it");
        onThread("completion", () -> op.complete("done"));
        assertEquals("done", tracked.get(30, TimeUnit.SECONDS));
        assertEquals(before, Validator.foreignCloses());
        assertEquals(List.of(), reports);
    }
}
