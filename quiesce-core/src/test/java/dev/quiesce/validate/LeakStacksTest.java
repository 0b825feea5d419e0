package dev.quiesce.validate;

import dev.quiesce.LockClass;
import dev.quiesce.Permit;
import dev.quiesce.Report;
import dev.quiesce.RwSemaphore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.quiesce.validate.ValidationTestSupport.onThread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The levels of acquisition stacks ({@code dev.quiesce.validate.leakStacks}): every handle is
 * tracked and reported at every level; only which acquisitions record their stack changes. Seen
 * through lease reports, which a test can make on the validator's replaceable clock, and which
 * show the same stack text and hand-off history as leak and stall reports.
 */
class LeakStacksTest {

    private static final String NOT_RECORDED = "acquisition stack not recorded (dev.quiesce.validate.leakStacks=";

    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final AtomicLong now = new AtomicLong();

    @BeforeEach
    void collect() {
        assertTrue(Validator.isEnabled(), "these tests need -Ddev.quiesce.validate=true");
        Validator.setReportHandler(reports::add);
        Validator.setClock(now::get);
    }

    @AfterEach
    void restore() {
        Validator.setReportHandler(null);
        Validator.setClock(null);
        Validator.setLeakStacks(Validator.LeakStacks.SIMPLE);
    }

    /**
     * Takes n shared permits of a new class at the level (tries: a shared re-acquire of one
     * instance would be reported as a lock-order problem), leases each, expires them all, and
     * returns their reports — some may come from the validator's own lease thread, which checks
     * every second on the same clock: the latch waits for all n.
     */
    private List<String> expired(Validator.LeakStacks level, int n) throws InterruptedException {
        Validator.setLeakStacks(level);
        String name = "leased-" + level;
        List<String> texts = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(n);
        Validator.setReportHandler(r -> {
            if (r.kind() == Report.Kind.LEASE_EXPIRED && r.message().contains(name)) {
                texts.add(r.message());
                all.countDown();
            } else {
                reports.add(r);
            }
        });
        RwSemaphore s = RwSemaphore.builder().name(name).lockClass(LockClass.named(name)).build();
        List<Permit> permits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Permit p = s.tryAcquireShared();
            Validator.lease(p, Duration.ofSeconds(1));
            permits.add(p);
        }
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        Validator.checkLeases();
        assertTrue(all.await(30, TimeUnit.SECONDS), "every handle is tracked at every level: " + texts.size() + " of " + n);
        permits.forEach(Permit::close);
        assertEquals(List.of(), reports);
        assertEquals(n, texts.size(), "each expired lease is reported once");
        return texts;
    }

    private static long withStack(List<String> texts) {
        return texts.stream().filter(t -> t.contains("acquired at:\n      at ")).count();
    }

    @Test
    void theDefaultIsSimple() {
        // The surefire execution sets no dev.quiesce.validate.leakStacks; other tests restore SIMPLE.
        assertEquals(Validator.LeakStacks.SIMPLE, Validator.leakStacks());
        assertThrows(NullPointerException.class, () -> Validator.setLeakStacks(null));
    }

    @Test
    void disabledRecordsNoStackAndSaysSo() throws InterruptedException {
        List<String> texts = expired(Validator.LeakStacks.DISABLED, 3);
        assertEquals(0, withStack(texts));
        for (String t : texts) {
            assertTrue(t.contains(NOT_RECORDED + "disabled; =advanced records every one)"), t);
        }
    }

    /**
     * SIMPLE records the first acquisition of the class and 1 in 128 after it, at random: of 4096,
     * about 33. The bounds fail by chance with a probability below 1e-13.
     */
    @Test
    void simpleSamplesStacksAndCountsEveryHandle() throws InterruptedException {
        List<String> texts = expired(Validator.LeakStacks.SIMPLE, 4096);
        long stacks = withStack(texts);
        assertTrue(stacks >= 2 && stacks <= 300, "stacks recorded: " + stacks);
        for (String t : texts) {
            assertTrue(t.contains("acquired at:\n      at ") || t.contains(NOT_RECORDED + "simple, which records the"
                    + " first acquisition of each lock class and 1 in 128 after it; =advanced records every one)"), t);
        }
    }

    @Test
    void advancedRecordsEveryAcquisitionButNoHandOffSites() throws Exception {
        List<String> texts = expired(Validator.LeakStacks.ADVANCED, 8);
        assertEquals(8, withStack(texts));
        assertTrue(texts.get(0).contains("advancedRecordsEveryAcquisitionButNoHandOffSites"), texts.get(0));
        String history = handedOff(Validator.LeakStacks.ADVANCED);
        assertTrue(history.contains("detached on thread \"" + Thread.currentThread().getName() + "\"\n"), history);
        assertTrue(history.contains("attached on thread \"completion\"\n"), history);
    }

    @Test
    void paranoidAlsoRecordsWhereEachHandOffWasMade() throws Exception {
        String history = handedOff(Validator.LeakStacks.PARANOID);
        assertTrue(history.contains("detached on thread \"" + Thread.currentThread().getName() + "\" at "
                + getClass().getName() + ".handedOff(LeakStacksTest.java:"), history);
        assertTrue(history.contains("attached on thread \"completion\" at " + getClass().getName()
                + ".lambda$handedOff$"), history);
    }

    /** A permit detached here and attached on another thread, then leased and expired: its report. */
    private String handedOff(Validator.LeakStacks level) throws Exception {
        Validator.setLeakStacks(level);
        RwSemaphore s = RwSemaphore.builder().name("handed-" + level).lockClass(LockClass.named("handed-" + level)).build();
        Permit moved = s.acquireSharedUninterruptibly().detach();
        onThread("completion", () -> moved.attach());
        CountDownLatch reported = new CountDownLatch(1);
        Validator.setReportHandler(r -> {
            reports.add(r);
            reported.countDown();
        });
        Validator.lease(moved, Duration.ofSeconds(1));
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        Validator.checkLeases();
        assertTrue(reported.await(30, TimeUnit.SECONDS), "no lease report");
        moved.close();
        List<Report> expired = ValidationTestSupport.ofKind(reports, Report.Kind.LEASE_EXPIRED);
        assertEquals(1, expired.size(), () -> "reports: " + reports);
        String m = expired.get(0).message();
        assertFalse(m.contains(NOT_RECORDED), m);
        return m;
    }
}
