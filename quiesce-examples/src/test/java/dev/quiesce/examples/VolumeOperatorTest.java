package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.nio.TrackingFileSystemProvider;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator sample against a tracking provider made here as the JVM would make it (its public
 * constructor, the roots from the system property), its beans in this JVM's platform MBeanServer.
 */
class VolumeOperatorTest {

    @Test
    void theBackupIsTakenFrozenAndThawedAfter(@TempDir Path tmp) throws Exception {
        Path root = Files.createDirectory(tmp.resolve("data"));
        Path backup = Files.createDirectory(tmp.resolve("backup"));
        System.setProperty(TrackingFileSystemProvider.VOLUMES_PROPERTY, root.toString());
        FileSystem fs;
        try {
            fs = new TrackingFileSystemProvider(FileSystems.getDefault().provider())
                    .getFileSystem(URI.create("file:///"));
        } finally {
            System.clearProperty(TrackingFileSystemProvider.VOLUMES_PROPERTY);
        }
        Files.writeString(fs.getPath(root.toString(), "a.txt"), "a");   // the program's first write

        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.quiesce:type=Volume,name=" + ObjectName.quote(root.toString()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!server.isRegistered(name)) {        // registered on a daemon thread: poll
            assertTrue(System.nanoTime() < deadline, name + " registered");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }

        VolumeOperator.backup(server, root, backup);

        assertEquals("a", Files.readString(backup.resolve("a.txt")));
        assertFalse((Boolean) server.getAttribute(name, "Frozen"), "thawed after the copy");
        assertEquals("", server.getAttribute(name, "FreezeDeadline"));
    }
}
