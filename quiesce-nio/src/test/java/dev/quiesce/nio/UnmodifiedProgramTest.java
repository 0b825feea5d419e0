package dev.quiesce.nio;

import com.sun.tools.attach.VirtualMachine;
import example.unmodified.Indexer;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import static dev.quiesce.nio.VolumeTesting.DEADLINE_S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An unmodified program — {@link Indexer}, a Lucene indexer that knows nothing of Quiesce — in a
 * child JVM with the tracking provider installed from a jar, its index under a tracked root. The
 * test is the operator: it attaches to the child (local attach: the management agent listens on
 * the loopback only), finds the root's MBean, freezes it while the indexer commits, copies the
 * index, thaws, and opens the copy with Lucene.
 */
class UnmodifiedProgramTest {

    @TempDir
    static Path shared;
    static Path jar;

    @TempDir
    Path tmp;

    @BeforeAll
    static void buildJar() throws IOException {
        jar = ChildJvm.providerJar(shared);
    }

    /** The running child, its root, and the operator's JMX connection to its root's MBean. */
    static final class Operated implements AutoCloseable {
        final ChildJvm child;
        final Path root;
        final Path index;
        final JMXConnector connector;
        final VolumeMXBean volume;

        Operated(ChildJvm child, Path root, JMXConnector connector, VolumeMXBean volume) {
            this.child = child;
            this.root = root;
            this.index = root.resolve("index");
            this.connector = connector;
            this.volume = volume;
        }

        /** Closes the connection, then ends the child: what was left of either. */
        @Override
        public void close() throws IOException {
            try {
                connector.close();
            } catch (IOException e) {
                if (child.process.isAlive()) {
                    throw e;
                }
                // The child ended first (finish()): its end of the connection is gone.
            } finally {
                child.close();
            }
        }
    }

    /** Starts the indexer under a fresh root, waits for its first commit, and connects to its MBean. */
    Operated startIndexer() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("data"));
        List<String> jvmArgs = Runtime.version().feature() >= 22 ? List.of("--enable-native-access=ALL-UNNAMED")
                : List.of();
        ChildJvm child = ChildJvm.start(Path.of(System.getProperty("java.home")), jar, root.toString(), jvmArgs,
                Indexer.class, root.resolve("index").toString());
        try {
            child.awaitLine(l -> l.startsWith("committed "), "of a first commit");
            VirtualMachine vm = VirtualMachine.attach(Long.toString(child.process.pid()));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
            MBeanServerConnection mbeans = connector.getMBeanServerConnection();
            ObjectName name = new ObjectName("dev.quiesce:type=Volume,name=" + ObjectName.quote(root.toString()));
            // Registered on a daemon thread after the first modification under the root: poll for it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_S);
            while (!mbeans.isRegistered(name)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + " not registered within " + DEADLINE_S + " s:\n"
                            + child.transcript() + "\nregistered: " + mbeans.queryNames(null, null));
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            return new Operated(child, root, connector, JMX.newMXBeanProxy(mbeans, name, VolumeMXBean.class));
        } catch (Exception | Error e) {
            child.close();
            throw e;
        }
    }

    @Test
    void frozenThroughJmxWhileItIndexesTheCopyIsACleanIndex() throws Exception {
        Path copy = tmp.resolve("copy");
        long committedBefore;
        try (Operated op = startIndexer()) {
            assertTrue(op.volume.isOpen());
            assertEquals(op.root.toString(), op.volume.getName());
            committedBefore = docs(op.child.awaitLine(l -> l.startsWith("committed "), "of a commit"));

            op.volume.freeze(60);
            try {
                assertTrue(op.volume.isFrozen());
                assertFalse(op.volume.getFreezeDeadline().isEmpty());
                Map<String, String> before = listing(op.index);
                copyFiles(op.index, copy);
                Map<String, String> after = listing(op.index);
                assertEquals(before, after, "nothing under the frozen root changed while it was copied");
            } finally {
                op.volume.thaw();
            }
            assertFalse(op.volume.isFrozen());
            assertEquals("", op.volume.getFreezeDeadline());
            // The indexer goes on after the thaw.
            long last = committedBefore;
            while (last <= committedBefore + 2 * Indexer.BATCH) {
                last = docs(op.child.awaitLine(l -> l.startsWith("committed "), "after the thaw"));
            }
            assertEquals(0, op.child.finish(), op.child.transcript());
            assertTrue(op.child.transcript().contains("done "), op.child.transcript());
        }

        try (Directory dir = FSDirectory.open(copy)) {
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                assertTrue(reader.numDocs() >= committedBefore, reader.numDocs() + " documents in the copy");
                assertEquals(0, reader.numDocs() % Indexer.BATCH, "a whole commit: " + reader.numDocs());
            }
            try (CheckIndex check = new CheckIndex(dir)) {
                assertTrue(check.checkIndex().clean, "the copy is a clean index");
            }
        }
    }

    @Test
    void aFreezeWhoseDeadlinePassesThawsByItself() throws Exception {
        try (Operated op = startIndexer()) {
            long asked = System.nanoTime();
            op.volume.freeze(3);
            assertFalse(op.volume.getFreezeDeadline().isEmpty());
            long committedAtFreeze = lastCommitted(op);
            // The operator goes away: nothing thaws the volume but its deadline. Poll the attribute.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_S);
            while (op.volume.isFrozen()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("still frozen " + DEADLINE_S + " s after freeze(3)");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            long thawedAfter = System.nanoTime() - asked;
            assertTrue(thawedAfter >= TimeUnit.SECONDS.toNanos(3),
                    "not before its deadline: " + TimeUnit.NANOSECONDS.toMillis(thawedAfter) + " ms");
            assertEquals("", op.volume.getFreezeDeadline());
            long now = committedAtFreeze;
            while (now <= committedAtFreeze) {
                now = docs(op.child.awaitLine(l -> l.startsWith("committed "), "after the deadline"));
            }
            assertEquals(0, op.child.finish(), op.child.transcript());
        }
    }

    /** The last commit line the child printed so far (0 if none is waiting). */
    private static long lastCommitted(Operated op) {
        long last = 0;
        for (String l : op.child.transcript().split("\n")) {
            if (l.startsWith("committed ")) {
                last = docs(l);
            }
        }
        return last;
    }

    private static long docs(String committedLine) {
        return Long.parseLong(committedLine.substring("committed ".length()).trim());
    }

    /** Name to size and modification time of every file in {@code dir}. */
    private static Map<String, String> listing(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    m.put(f.getFileName().toString(), a.size() + "@" + a.lastModifiedTime());
                } catch (NoSuchFileException gone) {
                    m.put(f.getFileName().toString(), "deleted while listed");
                }
            }
        }
        return m;
    }

    private static void copyFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f) && !f.getFileName().toString().equals("write.lock")) {
                    Files.copy(f, to.resolve(f.getFileName().toString()));
                }
            }
        }
    }
}
