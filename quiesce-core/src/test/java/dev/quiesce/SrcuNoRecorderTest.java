package dev.quiesce;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression: the first grace period of a JVM created a JFR event object although no recording was
 * ever started, which loads about a hundred {@code jdk.jfr} classes (240 ms on the first
 * {@code synchronize()}, 600–900 ms as the demo's first {@code syncFs()} under load). Runs a fresh JVM
 * that takes grace periods, with class loading logged, and checks that none of the recorder's
 * internal classes was loaded; then the same with the recorder initialised, where they are.
 */
class SrcuNoRecorderTest {

    /** The child JVM's work. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            if (args.length > 0) {
                jdk.jfr.FlightRecorder.getFlightRecorder();      // as a started recording would
            }
            Srcu s = Srcu.builder().name("child").reportHandler(r -> { }).build();
            s.synchronize();
            int token = s.downRead();
            s.upRead(token);
            s.synchronize();
            s.callAfterGracePeriod(() -> { });
            s.barrier();
            RwSemaphore sem = RwSemaphore.builder().reportHandler(r -> { }).build();
            sem.acquireExclusive().close();
        }
    }

    private static String run(String... args) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(), "-Xlog:class+load=info",
                "-cp", System.getProperty("java.class.path"), Child.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not end");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void theRecorderIsNotSetUpUntilSomeoneStartsIt() throws Exception {
        String quiet = run();
        assertFalse(quiet.contains(" jdk.jfr.internal."), "the JFR machinery was set up without a recorder");
        String recording = run("with-recorder");
        assertTrue(recording.contains(" jdk.jfr.internal."), "the child's recorder check is broken");
        assertTrue(recording.contains("dev.quiesce.internal.Events$GracePeriodEvent"),
                "with a recorder, grace periods must create events");
    }
}
