package consumer;

import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import dev.quiesce.micrometer.SrcuMetrics;
import dev.quiesce.nio.Volume;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Files;
import java.nio.file.Path;

/** Uses each published module once and prints what it saw; exits non-zero if something is off. */
public final class Main {
    public static void main(String[] args) throws Exception {
        Srcu srcu = Srcu.create("consumer");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SrcuMetrics(srcu).bindTo(registry);
        int token = srcu.downRead();
        srcu.upRead(token);
        srcu.synchronize();
        double gracePeriods = registry.get("quiesce.srcu.grace.periods").functionCounter().count();

        RwSemaphore sem = RwSemaphore.create();
        sem.tryAcquireShared().close();
        sem.kill();

        Path dir = Files.createTempDirectory("quiesce-consumer");
        try (Volume volume = Volume.open(dir)) {
            Files.writeString(volume.path("f.txt"), "written through a volume");
            volume.syncFs();
        }
        String back = Files.readString(dir.resolve("f.txt"));
        Files.delete(dir.resolve("f.txt"));
        Files.delete(dir);
        if (!back.equals("written through a volume") || !sem.isKilled() || gracePeriods != 1.0) {
            throw new AssertionError("unexpected: " + back + ", grace periods " + gracePeriods);
        }
        System.out.println("consumer: quiesce-core, quiesce-nio and quiesce-micrometer from the local repository work");
    }
}
