package dev.quiesce.nio;

import dev.quiesce.Report;
import dev.quiesce.validate.Validator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The volume under the lock-dependency validator (run in its own JVM with
 * {@code -Ddev.quiesce.validate=true}): its orders are acyclic, its hand-offs to completion threads
 * and its thaw from another thread are clean, and the seed's assertion — an announcement holds the
 * write section and not freeze protection — is live.
 */
class VolumeValidationTest {

    @TempDir
    Path dir;

    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private Volume volume;

    @BeforeEach
    void open() throws Exception {
        assertTrue(Validator.isEnabled(), "run with -Ddev.quiesce.validate=true");
        Validator.setReportHandler(reports::add);
        volume = Volume.builder(dir).name("validated").reportHandler(reports::add).open();
    }

    @AfterEach
    void close() throws Exception {
        volume.close();
        Validator.setReportHandler(null);
    }

    @Test
    void theWriteProtocolIsCleanUnderValidation() throws Exception {
        Path file = volume.path("v.log");
        List<Modification> seen = new CopyOnWriteArrayList<>();
        Path audit = volume.path("audit.log");
        try (Watch w = volume.watch(m -> {
            seen.add(m);
            if (m.path().equals(file) && m.kind() == Modification.Kind.WRITE) {
                try {
                    Files.write(audit, new byte[] {1});           // a listener that writes
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }); AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, WRITE, CREATE)) {
            for (int i = 0; i < 50; i++) {
                Future<Integer> f = ch.write(ByteBuffer.allocate(512), i * 512L);   // ends on a pool thread
                assertEquals(512, f.get(30, TimeUnit.SECONDS));
            }
            volume.freeze();
            Thread thawer = new Thread(volume::thaw, "thawer");   // thaw from another thread
            thawer.start();
            thawer.join();
            volume.truncate(file, 1024);
            volume.syncFs();
            assertTrue(w.isActive());
        }
        assertTrue(seen.size() >= 100, "writes and the listener's own writes were announced");
        assertEquals(List.of(), reports);
    }

    @Test
    void anAnnouncementUnderFreezeProtectionFailsTheSeedsAssertion() throws Exception {
        Path file = Files.createFile(volume.path("a.log"));
        FileNode node = volume.files().acquireNode(dir.toRealPath().resolve("a.log"));
        WriteProtocol protocol = volume.protocol();
        Pass outer = protocol.begin(new Modification(Modification.Kind.WRITE, file, 0, 1, null), node, true, null);
        try {
            AssertionError e = assertThrows(AssertionError.class, () -> protocol.begin(
                    new Modification(Modification.Kind.CREATE, file, 0, 0, null), null, true, null));
            assertTrue(e.getMessage().contains("freeze protection"), e.getMessage());
        } finally {
            outer.end();
            volume.files().releaseNode(node);
        }
        volume.syncFs();          // nothing leaked: a grace period completes
    }
}
