package dev.quiesce.validate;

import dev.quiesce.LockClass;
import dev.quiesce.Permit;
import dev.quiesce.Report;
import dev.quiesce.RwSemaphore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.quiesce.validate.ValidationTestSupport.onThread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a LOCK_ORDER report names things: a class by its LockClass name or its creation site, an
 * instance by its own name; a class's creation frame once per report; and the kernel's "possible
 * unsafe locking scenario", one column per thread.
 */
class CycleReportTest {

    private final List<Report> reports = new CopyOnWriteArrayList<>();

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
    }

    @AfterEach
    void restore() {
        Validator.setReportHandler(null);
    }

    private String onlyCycle() {
        List<Report> cycles = ValidationTestSupport.ofKind(reports, Report.Kind.LOCK_ORDER);
        assertEquals(1, cycles.size(), () -> "reports: " + reports);
        return cycles.get(0).message();
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /**
     * Issue 14: two inodes created on one line are one class, which was labelled with the first
     * instance's name ('inode-1') in a report about 'inode-2'.
     */
    @Test
    void aClassIsLabelledByItsCreationSiteAndTheInstanceByItsOwnName() throws Exception {
        RwSemaphore[] inodes = new RwSemaphore[2];
        int inodeLine = new Throwable().getStackTrace()[0].getLineNumber() + 2;
        for (int i = 0; i < inodes.length; i++) {
            inodes[i] = RwSemaphore.create("inode-" + (i + 1));
        }
        int journalLine = new Throwable().getStackTrace()[0].getLineNumber() + 1;
        RwSemaphore journal = RwSemaphore.create();          // unnamed: "rwsem@…", never a class label
        RwSemaphore inode = inodes[1];
        onThread("writeback", () -> {
            try (Permit i = inode.acquireExclusiveUninterruptibly(); Permit j = journal.acquireSharedUninterruptibly()) {
                assertTrue(i.isOpen() && j.isOpen());
            }
        });
        onThread("commit", () -> {
            try (Permit j = journal.acquireExclusiveUninterruptibly(); Permit i = inode.acquireSharedUninterruptibly()) {
                assertTrue(i.isOpen() && j.isOpen());
            }
        });
        String m = onlyCycle();
        String inodeClass = "class 'CycleReportTest.java:" + inodeLine + "'";
        String journalClass = "class 'CycleReportTest.java:" + journalLine + "'";
        String site = " (created at " + getClass().getName() + ".aClassIsLabelledByItsCreationSiteAndTheInstanceByItsOwnName"
                + "(CycleReportTest.java:";
        assertTrue(m.startsWith("possible circular locking dependency\nthread \"commit\" is trying to acquire"
                + " RwSemaphore 'inode-2' (shared) of " + inodeClass + site + inodeLine + "))\nwhile holding"
                + " RwSemaphore '" + journal.name() + "' (exclusive) of " + journalClass + site + journalLine + ")), "), m);
        assertTrue(m.contains("\n#1 held RwSemaphore 'inode-2' (exclusive) of " + inodeClass + ", then acquired"
                + " RwSemaphore '" + journal.name() + "' (shared) of " + journalClass + " — first seen on thread"
                + " \"writeback\" at:\n"), m);
        assertFalse(m.contains("inode-1"), m);
        assertFalse(m.contains("class 'rwsem@") || m.contains("class 'inode"), m);
        assertEquals(2, count(m, "(created at "), m);        // once per class
    }

    @Test
    void theScenarioShowsTheTwoThreadsAsTheKernelDoes() throws Exception {
        RwSemaphore inode = RwSemaphore.builder().name("i").lockClass(LockClass.named("inode")).build();
        RwSemaphore journal = RwSemaphore.builder().name("j").lockClass(LockClass.named("journal")).build();
        onThread("writeback", () -> {
            try (Permit i = inode.acquireExclusiveUninterruptibly(); Permit j = journal.acquireSharedUninterruptibly()) {
                assertTrue(i.isOpen() && j.isOpen());
            }
        });
        onThread("commit", () -> {
            try (Permit j = journal.acquireExclusiveUninterruptibly(); Permit i = inode.acquireSharedUninterruptibly()) {
                assertTrue(i.isOpen() && j.isOpen());
            }
        });
        String m = onlyCycle();
        String column2 = " ".repeat(31);
        String scenario = "\npossible unsafe locking scenario:\n\n"
                + "       Thread 1" + " ".repeat(16) + "Thread 2\n"
                + "       --------" + " ".repeat(16) + "--------\n"
                + "  lock(journal);\n"
                + column2 + "lock(inode);\n"
                + column2 + "rlock(journal);\n"
                + "  rlock(inode);\n"
                + "\n *** DEADLOCK ***\n";
        assertTrue(m.contains(scenario), m);
        assertTrue(m.contains("RwSemaphore 'i' (shared) of class 'inode'") && !m.contains("(created at"), m);
    }

    @Test
    void aChainOfThreeHasAThreadPerLink() throws Exception {
        RwSemaphore a = RwSemaphore.builder().name("a").lockClass(LockClass.named("A")).build();
        RwSemaphore b = RwSemaphore.builder().name("b").lockClass(LockClass.named("B")).build();
        RwSemaphore c = RwSemaphore.builder().name("c").lockClass(LockClass.named("C")).build();
        try (Permit pa = a.acquireExclusive(); Permit pb = b.acquireExclusive()) {
            assertTrue(pa.isOpen() && pb.isOpen());
        }
        try (Permit pb = b.acquireExclusive(); Permit pc = c.acquireExclusive()) {
            assertTrue(pb.isOpen() && pc.isOpen());
        }
        assertEquals(List.of(), reports);
        try (Permit pc = c.acquireExclusive(); Permit pa = a.acquireShared()) {
            assertTrue(pc.isOpen() && pa.isOpen());
        }
        String m = onlyCycle();
        String scenario = m.substring(m.indexOf("possible unsafe locking scenario:"));
        String[] lines = scenario.split("\n");
        assertTrue(lines[2].contains("Thread 1") && lines[2].contains("Thread 2") && lines[2].contains("Thread 3"), scenario);
        int col2 = lines[2].indexOf("Thread 2");
        int col3 = lines[2].indexOf("Thread 3");
        List<String> expected = List.of(
                "  lock(C);",
                " ".repeat(col2) + "lock(A);",
                " ".repeat(col3) + "lock(B);",
                " ".repeat(col2) + "lock(B);",
                " ".repeat(col3) + "lock(C);",
                "  rlock(A);");
        assertEquals(expected, List.of(lines).subList(4, 10), scenario);
    }

    @Test
    void aSelfDeadlockIsOneThread() {
        Validator.setReportHandler(r -> {
            reports.add(r);
            throw new Reported(r);
        });
        RwSemaphore s = RwSemaphore.builder().name("upgrade").lockClass(LockClass.named("upg")).build();
        try (Permit shared = s.acquireSharedUninterruptibly()) {
            String m = assertThrows(Reported.class, s::acquireExclusiveUninterruptibly).getMessage();
            assertTrue(m.contains("       Thread 1\n       --------\n  rlock(upg);\n  lock(upg);\n\n *** DEADLOCK ***"), m);
            assertFalse(m.contains("Thread 2"), m);
            assertTrue(shared.isOpen());
        }
    }
}
