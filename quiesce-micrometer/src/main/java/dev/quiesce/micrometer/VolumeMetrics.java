package dev.quiesce.micrometer;

import dev.quiesce.nio.Volume;
import dev.quiesce.nio.VolumeStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * Binds the figures of one {@link Volume} ({@link Volume#stats()}) to a Micrometer registry. Needs
 * {@code quiesce-nio} at run time (an optional dependency of this module).
 *
 * <table>
 * <caption>Meters (tags: {@code id}, {@code name}, and those given)</caption>
 * <tr><th>name</th><th>type</th><th>meaning</th></tr>
 * <tr><td>{@code quiesce.volume.modifications}</td><td>function counter</td>
 *     <td>modifications started (writes, truncations, creations, deletions, copies, moves; a
 *     modification that waited for a thaw counts again when it starts over: see
 *     {@link VolumeStats#modificationsStarted()})</td></tr>
 * <tr><td>{@code quiesce.volume.modifications.in.flight}</td><td>gauge</td>
 *     <td>modifications started and not yet ended</td></tr>
 * <tr><td>{@code quiesce.volume.waits}</td><td>function counter</td>
 *     <td>times a modification waited for a thaw or a truncation</td></tr>
 * <tr><td>{@code quiesce.volume.freezes}</td><td>function counter</td><td>freezes</td></tr>
 * <tr><td>{@code quiesce.volume.frozen}</td><td>gauge</td><td>1 while frozen, else 0</td></tr>
 * <tr><td>{@code quiesce.volume.syncs}</td><td>function timer, seconds</td>
 *     <td>{@code syncFs()} calls that returned normally, and their total time</td></tr>
 * <tr><td>{@code quiesce.volume.sync.last}, {@code .sync.longest}</td><td>time gauges, seconds</td>
 *     <td>the last and the longest {@code syncFs()}</td></tr>
 * <tr><td>{@code quiesce.volume.files.dirty}</td><td>gauge</td>
 *     <td>files written since they were last forced</td></tr>
 * <tr><td>{@code quiesce.volume.channels.open}</td><td>gauge</td><td>channels open through the volume</td></tr>
 * <tr><td>{@code quiesce.volume.watchers}</td><td>gauge</td><td>registered listeners</td></tr>
 * <tr><td>{@code quiesce.volume.listener.failures}</td><td>function counter</td>
 *     <td>times a listener threw</td></tr>
 * </table>
 *
 * <p>The volume is held weakly: once it is collected its meters read {@code NaN}. The {@code id}
 * tag is unique among this class's binders (names are labels, not keys: two volumes named alike
 * are two sets of meters).
 *
 * @since 0.1.0
 */
public final class VolumeMetrics implements MeterBinder {

    private static final AtomicLong IDS = new AtomicLong();

    private final WeakReference<Volume> volume;
    private final long id;
    private final Tags tags;

    /**
     * Creates a binder for {@code volume}.
     *
     * @param volume the volume (held weakly)
     */
    public VolumeMetrics(Volume volume) {
        this(volume, Tags.empty());
    }

    /**
     * Creates a binder for {@code volume} with extra tags.
     *
     * @param volume the volume (held weakly)
     * @param tags   tags added to every meter
     */
    public VolumeMetrics(Volume volume, Iterable<Tag> tags) {
        this.volume = new WeakReference<>(Objects.requireNonNull(volume, "volume"));
        this.id = IDS.incrementAndGet();
        this.tags = Tags.of(tags).and("id", Long.toString(id), "name", volume.name());
    }

    /**
     * Returns the {@code id} tag of this binder's meters.
     *
     * @return the id, unique among {@code VolumeMetrics} binders in this JVM
     */
    public long id() {
        return id;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("quiesce.volume.modifications", this, read(VolumeStats::modificationsStarted))
                .tags(tags).description("Modifications started").register(registry);
        Gauge.builder("quiesce.volume.modifications.in.flight", this, read(VolumeStats::modificationsInFlight))
                .tags(tags).description("Modifications started and not yet ended").register(registry);
        FunctionCounter.builder("quiesce.volume.waits", this, read(VolumeStats::waits))
                .tags(tags).description("Times a modification waited for a thaw or a truncation").register(registry);
        FunctionCounter.builder("quiesce.volume.freezes", this, read(VolumeStats::freezes))
                .tags(tags).description("Freezes").register(registry);
        Gauge.builder("quiesce.volume.frozen", this, read(s -> s.frozen() ? 1 : 0))
                .tags(tags).description("1 while the volume is frozen").register(registry);
        FunctionTimer.builder("quiesce.volume.syncs", this, b -> (long) b.figure(VolumeStats::syncs),
                        read(s -> s.totalSync().toNanos()), TimeUnit.NANOSECONDS)
                .tags(tags).description("syncFs() calls and their total time").register(registry);
        TimeGauge.builder("quiesce.volume.sync.last", this, TimeUnit.NANOSECONDS, read(s -> s.lastSync().toNanos()))
                .tags(tags).description("Duration of the last syncFs()").register(registry);
        TimeGauge.builder("quiesce.volume.sync.longest", this, TimeUnit.NANOSECONDS,
                        read(s -> s.longestSync().toNanos()))
                .tags(tags).description("Longest syncFs()").register(registry);
        Gauge.builder("quiesce.volume.files.dirty", this, read(VolumeStats::dirtyFiles))
                .tags(tags).description("Files written since they were last forced").baseUnit("files")
                .register(registry);
        Gauge.builder("quiesce.volume.channels.open", this, read(VolumeStats::openChannels))
                .tags(tags).description("Channels open through the volume").baseUnit("channels").register(registry);
        Gauge.builder("quiesce.volume.watchers", this, read(VolumeStats::watchers))
                .tags(tags).description("Registered listeners").register(registry);
        FunctionCounter.builder("quiesce.volume.listener.failures", this, read(VolumeStats::listenerFailures))
                .tags(tags).description("Times a listener threw").register(registry);
    }

    /** A figure of the volume, or NaN once it has been collected. */
    private double figure(ToDoubleFunction<VolumeStats> figure) {
        Volume v = volume.get();
        return v == null ? Double.NaN : figure.applyAsDouble(v.stats());
    }

    private static ToDoubleFunction<VolumeMetrics> read(ToDoubleFunction<VolumeStats> figure) {
        return b -> b.figure(figure);
    }
}
