package dev.quiesce.examples;

import dev.quiesce.Dump;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import dev.quiesce.micrometer.RwSemaphoreMetrics;
import dev.quiesce.micrometer.SrcuMetrics;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The README's integrations sample: a volume-like pair of primitives exported to Micrometer, and
 * the dump to take when a freeze hangs.
 */
public final class Diagnostics {

    /** Creates the pair. */
    public Diagnostics() {
    }

    private final Srcu writes = Srcu.create("volume-writes");
    private final RwSemaphore freeze = RwSemaphore.create("volume-freeze");

    // @sample figures
    void export(MeterRegistry registry) {              // each meter tagged with a unique id; held weakly
        new SrcuMetrics(writes).bindTo(registry);      // quiesce.srcu.grace.periods, .sections.open, ...
        new RwSemaphoreMetrics(freeze).bindTo(registry);
    }

    String whyIsFreezeStuck() {      // holders by count, waiting threads with their stacks
        Dump dump = freeze.dump();   // with -Ddev.quiesce.validate=true, each holder's acquisition stack too
        dump.record();               // and a dev.quiesce.Dump event, if a JFR recording enables it
        return dump.toString();
    }
    // @end

    /** The domain, for tests. */
    Srcu writes() {
        return writes;
    }

    /** The semaphore, for tests. */
    RwSemaphore freeze() {
        return freeze;
    }
}
