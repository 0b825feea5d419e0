package dev.quiesce;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registering for export must not set up the periodic JFR event until a recorder exists: the event
 * class pulls in about a hundred {@code jdk.jfr} classes (the first registration took 0.6 to 1.1 s
 * on a loaded 2-core machine when it installed the hook at once; 23 ms with a recorder listener).
 * A child JVM registers with class loading logged; then the same with a recording started after
 * the registration, where the hook must be installed and run.
 */
class MetricsNoRecorderTest {

    /** The child JVM's work. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Srcu s = Srcu.create("child");
            Metrics.register(s);
            s.synchronize();
            if (args.length > 0) {
                try (jdk.jfr.Recording r = new jdk.jfr.Recording()) {
                    r.enable("dev.quiesce.Stats").withPeriod(java.time.Duration.ofMillis(10));
                    long before = Metrics.POLLS.get();
                    r.start();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (Metrics.POLLS.get() == before) {
                        if (System.nanoTime() - deadline > 0) {
                            System.exit(3);
                        }
                        Thread.onSpinWait();
                    }
                }
            }
        }
    }

    private static String run(String... args) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xlog:class+load=info",
                "-cp", System.getProperty("java.class.path"), Child.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not end");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void theHookWaitsForARecorder() throws Exception {
        String quiet = run();
        assertFalse(quiet.contains("dev.quiesce.internal.Events$StatsEvent"),
                "the periodic event was set up without a recorder");
        String recording = run("with-recording");
        assertTrue(recording.contains("dev.quiesce.internal.Events$StatsEvent"),
                "a recording started after the registration must install the hook");
    }
}
