package dev.quiesce.micrometer;

import dev.quiesce.nio.Volume;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link VolumeMetrics} against a real {@link SimpleMeterRegistry} and a real volume: readings after known work. */
class VolumeMetricsTest {

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("try")     // the channel is held open for the block's sake: the gauge counts it
    void theMetersReadTheVolumesFigures() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Volume volume = Volume.builder(dir).name("journal").open()) {
            VolumeMetrics binder = new VolumeMetrics(volume);
            binder.bindTo(registry);
            String id = Long.toString(binder.id());

            Path f = Files.write(volume.path("a.log"), new byte[] {1, 2, 3});     // CREATE + WRITE
            assertEquals(2.0, counter(registry, "quiesce.volume.modifications", id));
            assertEquals(1.0, gauge(registry, "quiesce.volume.files.dirty", id));
            try (FileChannel ch = FileChannel.open(f, WRITE)) {
                assertEquals(1.0, gauge(registry, "quiesce.volume.channels.open", id));
            }
            assertEquals(0.0, gauge(registry, "quiesce.volume.channels.open", id));
            volume.syncFs();
            volume.syncFs();
            FunctionTimer syncs = registry.get("quiesce.volume.syncs").tag("id", id).functionTimer();
            assertEquals(2.0, syncs.count());
            assertTrue(syncs.totalTime(TimeUnit.NANOSECONDS) > 0);
            TimeGauge longest = registry.get("quiesce.volume.sync.longest").tag("id", id).timeGauge();
            assertTrue(longest.value(TimeUnit.NANOSECONDS) > 0
                    && longest.value(TimeUnit.NANOSECONDS) <= syncs.totalTime(TimeUnit.NANOSECONDS));
            assertEquals(0.0, gauge(registry, "quiesce.volume.files.dirty", id));

            volume.freeze();
            assertEquals(1.0, gauge(registry, "quiesce.volume.frozen", id));
            volume.thaw();
            assertEquals(0.0, gauge(registry, "quiesce.volume.frozen", id));
            assertEquals(1.0, counter(registry, "quiesce.volume.freezes", id));
            volume.watch(m -> {
                throw new IllegalStateException("a listener that fails, for the test");
            });
            assertEquals(1.0, gauge(registry, "quiesce.volume.watchers", id));
            Files.write(f, new byte[] {4});                                           // TRUNCATE + WRITE
            assertEquals(2.0, counter(registry, "quiesce.volume.listener.failures", id));
            assertEquals(0.0, gauge(registry, "quiesce.volume.modifications.in.flight", id));
            assertEquals(0.0, counter(registry, "quiesce.volume.waits", id));
        }
    }

    @Test
    void twoVolumesNamedAlikeAreTwoSetsOfMeters() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Volume a = Volume.builder(Files.createDirectory(dir.resolve("a"))).name("data").open();
             Volume b = Volume.builder(Files.createDirectory(dir.resolve("b"))).name("data").open()) {
            VolumeMetrics ma = new VolumeMetrics(a);
            VolumeMetrics mb = new VolumeMetrics(b);
            ma.bindTo(registry);
            mb.bindTo(registry);
            assertNotEquals(ma.id(), mb.id());
            Files.write(a.path("x"), new byte[1]);
            assertEquals(2.0, counter(registry, "quiesce.volume.modifications", Long.toString(ma.id())));
            assertEquals(0.0, counter(registry, "quiesce.volume.modifications", Long.toString(mb.id())));
            assertEquals(2, registry.get("quiesce.volume.modifications").tag("name", "data").meters().size());
        }
    }

    private static double counter(SimpleMeterRegistry registry, String name, String id) {
        FunctionCounter c = registry.get(name).tag("id", id).functionCounter();
        return c.count();
    }

    private static double gauge(SimpleMeterRegistry registry, String name, String id) {
        Gauge g = registry.get(name).tag("id", id).gauge();
        return g.value();
    }
}
