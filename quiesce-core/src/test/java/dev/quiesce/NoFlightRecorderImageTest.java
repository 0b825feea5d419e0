package dev.quiesce;

import dev.quiesce.imagecheck.ImageChild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jdk.jfr} is optional ({@code requires static}): a runtime image made by {@code jlink} with
 * {@code java.base} alone runs a grace period, a report and a kill with the library as a named
 * module, in a child process. Fails if any path touched a {@code jdk.jfr} class unguarded
 * (NoClassDefFoundError or IllegalAccessError in the child).
 */
class NoFlightRecorderImageTest {

    @Test
    void aRuntimeWithoutJfrRunsTheLibrary(@TempDir Path dir) throws Exception {
        Optional<ToolProvider> jlink = ToolProvider.findFirst("jlink");
        assumeTrue(jlink.isPresent(), "this JDK has no jlink tool: cannot build an image without jdk.jfr");
        Path image = dir.resolve("image");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        int rc = jlink.get().run(out, out, "--add-modules", "java.base", "--output", image.toString());
        assertEquals(0, rc, () -> "jlink failed: " + log.toString(StandardCharsets.UTF_8));

        Path java = image.resolve("bin").resolve("java");
        List<String> cmd = List.of(java.toString(),
                "--module-path", location(Srcu.class).toString(), "--add-modules", "dev.quiesce",
                "-cp", location(ImageChild.class).toString(), ImageChild.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not end");
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + "\n" + output);
        assertTrue(output.endsWith("ok\n") || output.endsWith("ok\r\n"), output);
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
