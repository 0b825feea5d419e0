package dev.quiesce.micrometer;

import dev.quiesce.Metrics;
import dev.quiesce.Srcu;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds the figures of one {@link Srcu} domain ({@link Srcu#stats()}) to a Micrometer registry.
 *
 * <table>
 * <caption>Meters (tags: {@code id}, {@code name}, and those given)</caption>
 * <tr><th>name</th><th>type</th><th>meaning</th></tr>
 * <tr><td>{@code quiesce.srcu.grace.periods}</td><td>function counter</td>
 *     <td>grace periods completed</td></tr>
 * <tr><td>{@code quiesce.srcu.grace.period.active}</td><td>gauge</td>
 *     <td>1 while a grace period is in progress, else 0</td></tr>
 * <tr><td>{@code quiesce.srcu.grace.period.last}</td><td>time gauge, seconds</td>
 *     <td>the duration of the last completed grace period</td></tr>
 * <tr><td>{@code quiesce.srcu.grace.period.longest}</td><td>time gauge, seconds</td>
 *     <td>the longest grace period since creation</td></tr>
 * <tr><td>{@code quiesce.srcu.sections.open}</td><td>gauge</td>
 *     <td>read sections open (approximate: a scan racing with readers)</td></tr>
 * <tr><td>{@code quiesce.srcu.sections}</td><td>function counter</td>
 *     <td>read sections begun (its rate is the domain's read rate)</td></tr>
 * <tr><td>{@code quiesce.srcu.callbacks.queued}</td><td>function counter</td>
 *     <td>callbacks queued by {@code callAfterGracePeriod}</td></tr>
 * <tr><td>{@code quiesce.srcu.callbacks.run}</td><td>function counter</td>
 *     <td>callbacks run</td></tr>
 * </table>
 *
 * <p>The domain is registered with {@link Metrics#register(Srcu)} and held weakly; its
 * registration's id is the {@code id} tag.
 *
 * @since 0.1.0
 */
public final class SrcuMetrics implements MeterBinder {

    private final Metrics.Registration<Srcu.Stats> registration;
    private final Tags tags;

    /**
     * Creates a binder for {@code srcu}, registering it for export.
     *
     * @param srcu the domain (held weakly)
     */
    public SrcuMetrics(Srcu srcu) {
        this(srcu, Tags.empty());
    }

    /**
     * Creates a binder for {@code srcu} with extra tags, registering it for export.
     *
     * @param srcu the domain (held weakly)
     * @param tags tags added to every meter
     */
    public SrcuMetrics(Srcu srcu, Iterable<Tag> tags) {
        this.registration = Metrics.register(Objects.requireNonNull(srcu, "srcu"));
        this.tags = Tags.of(tags).and("id", Long.toString(registration.id()), "name", registration.name());
    }

    /**
     * Returns the registration whose id tags the meters.
     *
     * @return the registration
     */
    public Metrics.Registration<Srcu.Stats> registration() {
        return registration;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Metrics.Registration<Srcu.Stats> r = registration;
        FunctionCounter.builder("quiesce.srcu.grace.periods", r, read(Srcu.Stats::gracePeriodsCompleted))
                .tags(tags).description("Grace periods completed").register(registry);
        Gauge.builder("quiesce.srcu.grace.period.active", r, read(s -> s.gracePeriodInProgress() ? 1 : 0))
                .tags(tags).description("1 while a grace period is in progress").register(registry);
        TimeGauge.builder("quiesce.srcu.grace.period.last", r, TimeUnit.NANOSECONDS,
                        read(Srcu.Stats::lastGracePeriodNanos))
                .tags(tags).description("Duration of the last completed grace period").register(registry);
        TimeGauge.builder("quiesce.srcu.grace.period.longest", r, TimeUnit.NANOSECONDS,
                        read(Srcu.Stats::longestGracePeriodNanos))
                .tags(tags).description("Longest grace period since the domain was created").register(registry);
        Gauge.builder("quiesce.srcu.sections.open", r, read(Srcu.Stats::sectionsOpen))
                .tags(tags).description("Read sections open (approximate)").baseUnit("sections").register(registry);
        FunctionCounter.builder("quiesce.srcu.sections", r, read(Srcu.Stats::sectionsBegun))
                .tags(tags).description("Read sections begun").baseUnit("sections").register(registry);
        FunctionCounter.builder("quiesce.srcu.callbacks.queued", r, read(Srcu.Stats::callbacksQueued))
                .tags(tags).description("Callbacks queued by callAfterGracePeriod").register(registry);
        FunctionCounter.builder("quiesce.srcu.callbacks.run", r, read(Srcu.Stats::callbacksRun))
                .tags(tags).description("Callbacks run").register(registry);
    }

    private static ToDoubleFunction<Metrics.Registration<Srcu.Stats>> read(ToDoubleFunction<Srcu.Stats> f) {
        return r -> {
            Srcu.Stats s = r.stats();
            return s == null ? Double.NaN : f.applyAsDouble(s);
        };
    }
}
