package dev.quiesce.micrometer;

import dev.quiesce.Metrics;
import dev.quiesce.RwSemaphore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds the figures of one {@link RwSemaphore} ({@link RwSemaphore#stats()}) to a Micrometer
 * registry.
 *
 * <table>
 * <caption>Meters (tags: {@code id}, {@code name}, and those given)</caption>
 * <tr><th>name</th><th>type</th><th>meaning</th></tr>
 * <tr><td>{@code quiesce.rwsemaphore.shared.holders}</td><td>gauge</td>
 *     <td>shared permits held (approximate once inflated)</td></tr>
 * <tr><td>{@code quiesce.rwsemaphore.exclusive.held}</td><td>gauge</td>
 *     <td>1 while the exclusive permit is held, else 0</td></tr>
 * <tr><td>{@code quiesce.rwsemaphore.writers.waiting}</td><td>gauge</td>
 *     <td>acquirers queued for the exclusive permit</td></tr>
 * <tr><td>{@code quiesce.rwsemaphore.readers.waiting}</td><td>gauge</td>
 *     <td>acquirers queued for a shared permit</td></tr>
 * <tr><td>{@code quiesce.rwsemaphore.killed}</td><td>gauge</td>
 *     <td>1 once {@code kill()} has begun, else 0</td></tr>
 * </table>
 *
 * <p>The semaphore is registered with {@link Metrics#register(RwSemaphore)} and held weakly; its
 * registration's id is the {@code id} tag. For many semaphores of one kind (one per file), bind
 * their lock class instead: {@link LockClassMetrics}.
 *
 * @since 0.1.0
 */
public final class RwSemaphoreMetrics implements MeterBinder {

    private final Metrics.Registration<RwSemaphore.Stats> registration;
    private final Tags tags;

    /**
     * Creates a binder for {@code semaphore}, registering it for export.
     *
     * @param semaphore the semaphore (held weakly)
     */
    public RwSemaphoreMetrics(RwSemaphore semaphore) {
        this(semaphore, Tags.empty());
    }

    /**
     * Creates a binder for {@code semaphore} with extra tags, registering it for export.
     *
     * @param semaphore the semaphore (held weakly)
     * @param tags      tags added to every meter
     */
    public RwSemaphoreMetrics(RwSemaphore semaphore, Iterable<Tag> tags) {
        this.registration = Metrics.register(Objects.requireNonNull(semaphore, "semaphore"));
        this.tags = Tags.of(tags).and("id", Long.toString(registration.id()), "name", registration.name());
    }

    /**
     * Returns the registration whose id tags the meters.
     *
     * @return the registration
     */
    public Metrics.Registration<RwSemaphore.Stats> registration() {
        return registration;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Metrics.Registration<RwSemaphore.Stats> r = registration;
        Gauge.builder("quiesce.rwsemaphore.shared.holders", r, read(RwSemaphore.Stats::sharedHolders))
                .tags(tags).description("Shared permits held (approximate once inflated)").baseUnit("permits")
                .register(registry);
        Gauge.builder("quiesce.rwsemaphore.exclusive.held", r, read(s -> s.exclusiveHeld() ? 1 : 0))
                .tags(tags).description("1 while the exclusive permit is held").register(registry);
        Gauge.builder("quiesce.rwsemaphore.writers.waiting", r, read(RwSemaphore.Stats::waitingWriters))
                .tags(tags).description("Acquirers queued for the exclusive permit").register(registry);
        Gauge.builder("quiesce.rwsemaphore.readers.waiting", r, read(RwSemaphore.Stats::waitingReaders))
                .tags(tags).description("Acquirers queued for a shared permit").register(registry);
        Gauge.builder("quiesce.rwsemaphore.killed", r, read(s -> s.killed() ? 1 : 0))
                .tags(tags).description("1 once kill() has begun").register(registry);
    }

    private static ToDoubleFunction<Metrics.Registration<RwSemaphore.Stats>> read(
            ToDoubleFunction<RwSemaphore.Stats> f) {
        return r -> {
            RwSemaphore.Stats s = r.stats();
            return s == null ? Double.NaN : f.applyAsDouble(s);
        };
    }
}
