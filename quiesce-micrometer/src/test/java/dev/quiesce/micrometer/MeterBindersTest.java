package dev.quiesce.micrometer;

import dev.quiesce.LockClass;
import dev.quiesce.Metrics;
import dev.quiesce.Permit;
import dev.quiesce.ReadSection;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The binders against a real {@link SimpleMeterRegistry}: readings after known work. */
class MeterBindersTest {

    @Test
    void srcuMetersReadTheDomainsFigures() throws Exception {
        AtomicLong now = new AtomicLong();
        Srcu srcu = Srcu.builder().name("volume").clock(now::get).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SrcuMetrics binder = new SrcuMetrics(srcu);
        binder.bindTo(registry);
        String id = Long.toString(binder.registration().id());

        srcu.upRead(srcu.downRead());
        ReadSection section = srcu.enter();
        assertEquals(1.0, gauge(registry, "quiesce.srcu.sections.open", id).value());
        assertEquals(2.0, counter(registry, "quiesce.srcu.sections", id).count());
        Thread updater = new Thread(srcu::synchronizeUninterruptibly, "updater");
        updater.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (LockSupport.getBlocker(updater) != srcu) {
            if (System.nanoTime() - deadline > 0) {
                fail("the updater never waited");
            }
            Thread.onSpinWait();
        }
        assertEquals(1.0, gauge(registry, "quiesce.srcu.grace.period.active", id).value());
        now.addAndGet(Duration.ofMillis(250).toNanos());
        section.close();
        updater.join(TimeUnit.SECONDS.toMillis(30));
        CountDownLatch ran = new CountDownLatch(2);
        srcu.callAfterGracePeriod(ran::countDown);
        srcu.callAfterGracePeriod(ran::countDown);
        srcu.barrier();

        assertTrue(counter(registry, "quiesce.srcu.grace.periods", id).count() >= 2);
        TimeGauge longest = registry.find("quiesce.srcu.grace.period.longest").tag("id", id).timeGauge();
        assertEquals(TimeUnit.SECONDS, longest.baseTimeUnit());
        assertEquals(0.25, longest.value(TimeUnit.SECONDS), 1e-9);
        assertEquals(2.0, counter(registry, "quiesce.srcu.callbacks.queued", id).count());
        assertEquals(2.0, counter(registry, "quiesce.srcu.callbacks.run", id).count());
        assertEquals(0.0, gauge(registry, "quiesce.srcu.sections.open", id).value());
        assertEquals("volume", gauge(registry, "quiesce.srcu.sections.open", id).getId().getTag("name"));
    }

    /** Names are labels: two domains named alike must be two meters, not one that drops the other. */
    @Test
    void twoDomainsNamedAlikeAreTwoMeters() throws Exception {
        Srcu first = Srcu.create("orders");
        Srcu second = Srcu.create("orders");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SrcuMetrics(first).bindTo(registry);
        new SrcuMetrics(second).bindTo(registry);
        first.synchronize();
        first.synchronize();
        second.synchronize();
        List<FunctionCounter> counters = List.copyOf(registry.find("quiesce.srcu.grace.periods")
                .tag("name", "orders").functionCounters());
        assertEquals(2, counters.size());
        assertNotEquals(counters.get(0).getId().getTag("id"), counters.get(1).getId().getTag("id"));
        assertEquals(List.of(1.0, 2.0), counters.stream().map(FunctionCounter::count).sorted()
                .collect(Collectors.toList()));
    }

    @Test
    void semaphoreMetersShowHoldersQueuesAndKill() throws Exception {
        RwSemaphore sem = RwSemaphore.create("freeze");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RwSemaphoreMetrics binder = new RwSemaphoreMetrics(sem);
        binder.bindTo(registry);
        String id = Long.toString(binder.registration().id());
        Permit a = sem.acquireShared();
        Permit b = sem.acquireShared();
        CompletableFuture<Permit> writer = sem.acquireExclusiveAsync();
        assertEquals(2.0, gauge(registry, "quiesce.rwsemaphore.shared.holders", id).value());
        assertEquals(1.0, gauge(registry, "quiesce.rwsemaphore.writers.waiting", id).value());
        a.close();
        b.close();
        Permit w = writer.get(30, TimeUnit.SECONDS);
        assertEquals(1.0, gauge(registry, "quiesce.rwsemaphore.exclusive.held", id).value());
        assertEquals(0.0, gauge(registry, "quiesce.rwsemaphore.writers.waiting", id).value());
        assertEquals(0.0, gauge(registry, "quiesce.rwsemaphore.killed", id).value());
        w.kill();
        assertEquals(1.0, gauge(registry, "quiesce.rwsemaphore.killed", id).value());
    }

    @Test
    void aLockClassIsFourMetersForAnyNumberOfMembers() throws Exception {
        LockClass files = LockClass.named("file");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RwSemaphore[] sems = new RwSemaphore[1000];
        for (int i = 0; i < sems.length; i++) {
            sems[i] = RwSemaphore.create("file-" + i);
            Metrics.registerInClass(sems[i], files);
        }
        new LockClassMetrics(files).bindTo(registry);
        new LockClassMetrics(LockClass.named("file")).bindTo(registry);   // alike by name: its own meters
        Permit p = sems[7].acquireShared();
        sems[8].kill();
        List<Meter> meters = registry.getMeters();
        assertEquals(8, meters.size(), meters.toString());
        Gauge instances = registry.find("quiesce.lockclass.instances")
                .tag("id", Long.toString(Metrics.classStats(files).id())).gauge();
        assertEquals(1000.0, instances.value());
        assertEquals("file", instances.getId().getTag("class"));
        String id = instances.getId().getTag("id");
        assertEquals(1.0, registry.find("quiesce.lockclass.open").tag("id", id).gauge().value());
        assertEquals(1.0, registry.find("quiesce.lockclass.killed").tag("id", id).gauge().value());
        p.close();
        Reference.reachabilityFence(sems);                 // every member reachable until here
    }

    private static Gauge gauge(SimpleMeterRegistry registry, String name, String id) {
        Gauge g = registry.find(name).tag("id", id).gauge();
        assertTrue(g != null, () -> name + " not registered: " + registry.getMetersAsString());
        return g;
    }

    private static FunctionCounter counter(SimpleMeterRegistry registry, String name, String id) {
        FunctionCounter c = registry.find(name).tag("id", id).functionCounter();
        assertTrue(c != null, () -> name + " not registered: " + registry.getMetersAsString());
        return c;
    }
}
