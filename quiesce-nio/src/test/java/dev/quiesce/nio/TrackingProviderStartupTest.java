package dev.quiesce.nio;

import example.unmodified.DelegatingLoader;
import example.unmodified.StartupProbe;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.spi.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider installed the JDK's way in child JVMs: from a jar on the class path (whose loading
 * itself opens that jar), on this JDK and on Temurin 25 when this is an older one, also under a
 * custom system class loader; and the class files the start-up path runs hold no
 * {@code invokedynamic}.
 */
class TrackingProviderStartupTest {

    static final Path TEMURIN_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    @TempDir
    static Path shared;
    static Path jar;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildJar() throws IOException {
        jar = ChildJvm.providerJar(shared);
    }

    /**
     * The JDKs to start children on: this one, and Temurin 25 when this is older (the test classes
     * are compiled for this JDK's release, so a Maven run on 25 cannot start them on 17).
     */
    static Stream<Arguments> jdks() {
        List<Arguments> jdks = new ArrayList<>();
        Path self = Path.of(System.getProperty("java.home"));
        for (boolean customLoader : new boolean[] {false, true}) {
            jdks.add(Arguments.of(self, Runtime.version().feature(), customLoader));
            if (Runtime.version().feature() < 25 && Files.isExecutable(TEMURIN_25.resolve("bin/java"))) {
                jdks.add(Arguments.of(TEMURIN_25, 25, customLoader));
            }
        }
        return jdks.stream();
    }

    @ParameterizedTest(name = "JDK {1}, custom system class loader: {2}")
    @MethodSource("jdks")
    void aProgramStartsWithTheProviderFromAJarAndItsWritesUnderTheRootAreTracked(Path javaHome, int feature,
            boolean customLoader) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        List<String> jvmArgs = customLoader ? List.of("-Djava.system.class.loader=" + DelegatingLoader.class.getName())
                : List.of();
        try (ChildJvm child = ChildJvm.start(javaHome, jar, root.toString(), jvmArgs, StartupProbe.class,
                root.toString(), outside.toString())) {
            int rc = child.finish();
            String out = child.transcript();
            assertEquals(0, rc, out);
            assertTrue(out.contains("provider " + TrackingFileSystemProvider.class.getName() + "\n"), out);
            assertTrue(out.contains("loaded from file:" + jar + "\n"), "from the jar:\n" + out);
            assertTrue(out.contains("system class loader " + (customLoader ? DelegatingLoader.class.getName()
                    : "jdk.internal.loader.ClassLoaders$AppClassLoader")), out);
            assertTrue(out.contains("seen [CREATE second.txt"), "the write under the root reached the volume:\n" + out);
            assertFalse(out.contains("elsewhere"), "the write outside did not:\n" + out);
            assertEquals("second", Files.readString(root.resolve("second.txt")));
            assertEquals("elsewhere", Files.readString(outside.resolve("elsewhere.txt")));
        }
    }

    /** A relative root stops the program at its first use of the file system, naming the root. */
    @Test
    void aBadRootStopsTheJvmWithItsName() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        try (ChildJvm child = ChildJvm.start(Path.of(System.getProperty("java.home")), jar, "relative/root",
                List.of(), StartupProbe.class, outside.toString(), outside.toString())) {
            int rc = child.finish();
            String out = child.transcript();
            assertTrue(rc != 0, "the program did not run untracked:\n" + out);
            assertTrue(out.contains("dev.quiesce.nio.volumes: root relative/root is not an absolute path"), out);
            assertFalse(out.contains("provider "), "main never ran:\n" + out);
        }
    }

    /**
     * The classes the JVM's first use of the default file system runs (the constructor, paths,
     * reads) contain no {@code invokedynamic}: lambdas and string concatenation would bootstrap
     * java.lang.invoke machinery on the start-up path (see TrackingFileSystemProvider's notes).
     */
    @Test
    void theStartUpPathHasNoInvokedynamic() throws Exception {
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        for (Class<?> c : List.of(TrackingFileSystemProvider.class, TrackingFileSystem.class, TrackingPath.class,
                ForwardingPath.class,
                TrackedRoot.class, TrackingWatchService.class)) {
            Path file = ChildJvm.mainClasses().resolve(c.getName().replace('.', '/') + ".class");
            StringWriter out = new StringWriter();
            assertEquals(0, javap.run(new PrintWriter(out), new PrintWriter(out), "-c", "-p", file.toString()), out::toString);
            assertTrue(out.toString().contains("Code:"), "javap disassembled " + c);
            assertFalse(out.toString().contains("invokedynamic"), c + " has invokedynamic:\n" + out);
        }
    }
}
