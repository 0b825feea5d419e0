package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.Permit;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * The README's integrations sample: meters after known work, and the dump of a freeze that waits
 * for a permit a reader still holds.
 */
class DiagnosticsTest {

    @Test
    void metersReadTheWorkAndTheDumpNamesTheStuckFreeze() throws Exception {
        Diagnostics d = new Diagnostics();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        d.export(registry);
        d.writes().synchronize();
        assertEquals(1.0, registry.get("quiesce.srcu.grace.periods").tag("name", "volume-writes")
                .functionCounter().count());

        Permit reader = d.freeze().acquireShared();
        assertEquals(1.0, registry.get("quiesce.rwsemaphore.shared.holders").gauge().value());
        Thread freezer = Parked.waiting("freezer", () -> d.freeze().acquireExclusive().close());
        String dump = d.whyIsFreezeStuck();
        assertTrue(dump.contains("1 shared permit(s) held, 1 writer(s) and 0 reader(s) queued"), dump);
        assertTrue(dump.contains("waiting: \"freezer\""), dump);
        assertTrue(dump.contains("queued for the exclusive permit"), dump);
        assertEquals(1.0, registry.get("quiesce.rwsemaphore.writers.waiting").gauge().value());
        reader.close();
        freezer.join(TimeUnit.SECONDS.toMillis(30));
        assertTrue(!freezer.isAlive(), "the freeze never got its permit");
    }
}
