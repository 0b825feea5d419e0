package dev.quiesce.micrometer;

import dev.quiesce.LockClass;
import dev.quiesce.Metrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds the aggregate of one lock class ({@link Metrics#classStats(LockClass)}) to a Micrometer
 * registry: four meters for any number of members — the shape for a semaphore per file, where a
 * meter per instance would swamp the back end. Members join with
 * {@link Metrics#registerInClass(dev.quiesce.RwSemaphore, LockClass)} (held weakly).
 *
 * <table>
 * <caption>Meters (tags: {@code id}, {@code class}, and those given)</caption>
 * <tr><th>name</th><th>meaning</th></tr>
 * <tr><td>{@code quiesce.lockclass.instances}</td><td>members still reachable</td></tr>
 * <tr><td>{@code quiesce.lockclass.open}</td>
 *     <td>shared permits held (semaphores) or read sections open (domains), summed</td></tr>
 * <tr><td>{@code quiesce.lockclass.waiting}</td>
 *     <td>semaphores with a writer queued, or domains with a grace period in progress</td></tr>
 * <tr><td>{@code quiesce.lockclass.killed}</td><td>semaphores killed</td></tr>
 * </table>
 * The {@code id} tag is the class's aggregate id: two classes named alike stay two sets of meters.
 * Each reading sums over every member: poll it at the usual intervals (seconds), not in a loop.
 *
 * @since 0.1.0
 */
public final class LockClassMetrics implements MeterBinder {

    private final LockClass lockClass;
    private final Tags tags;

    /**
     * Creates a binder for the aggregate of {@code lockClass}.
     *
     * @param lockClass the class (an identity key; its name is the {@code class} tag)
     */
    public LockClassMetrics(LockClass lockClass) {
        this(lockClass, Tags.empty());
    }

    /**
     * Creates a binder for the aggregate of {@code lockClass} with extra tags.
     *
     * @param lockClass the class
     * @param tags      tags added to every meter
     */
    public LockClassMetrics(LockClass lockClass, Iterable<Tag> tags) {
        this.lockClass = Objects.requireNonNull(lockClass, "lockClass");
        Metrics.ClassStats now = Metrics.classStats(lockClass);
        this.tags = Tags.of(tags).and("id", Long.toString(now.id()), "class", now.lockClass());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        LockClass c = lockClass;
        Gauge.builder("quiesce.lockclass.instances", c, read(Metrics.ClassStats::instances))
                .tags(tags).description("Members of the lock class still reachable").strongReference(true)
                .register(registry);
        Gauge.builder("quiesce.lockclass.open", c, read(Metrics.ClassStats::sectionsOrHolders))
                .tags(tags).description("Shared permits held or read sections open, summed").strongReference(true)
                .register(registry);
        Gauge.builder("quiesce.lockclass.waiting", c, read(Metrics.ClassStats::waiting))
                .tags(tags).description("Members with a writer queued or a grace period in progress")
                .strongReference(true).register(registry);
        Gauge.builder("quiesce.lockclass.killed", c, read(Metrics.ClassStats::killed))
                .tags(tags).description("Semaphores killed").strongReference(true).register(registry);
    }

    private static ToDoubleFunction<LockClass> read(ToDoubleFunction<Metrics.ClassStats> f) {
        return c -> f.applyAsDouble(Metrics.classStats(c));
    }
}
