package dev.quiesce.nio;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import static dev.quiesce.nio.VolumeTesting.get;
import static dev.quiesce.nio.VolumeTesting.parkedOn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MBeans of a tracking provider's roots, in a private {@code MBeanServer}, used through MXBean
 * proxies as a JMX client uses them; the timed freeze's timer is fired by hand (no sleeping).
 */
class VolumeMXBeanTest {

    /** A timer the test fires: each armed task, with whether it was cancelled. */
    static final class ManualTimer implements VolumeControl.Scheduler {
        final List<Armed> armed = new CopyOnWriteArrayList<>();

        @Override
        public Runnable schedule(Runnable task, long delayNanos) {
            Armed a = new Armed(task, delayNanos);
            armed.add(a);
            return () -> a.cancelled = true;
        }

        Armed last() {
            return armed.get(armed.size() - 1);
        }
    }

    static final class Armed {
        final Runnable task;
        final long delayNanos;
        volatile boolean cancelled;

        Armed(Runnable task, long delayNanos) {
            this.task = task;
            this.delayNanos = delayNanos;
        }

        /** Fires the task, as a timer that lost the race with its cancel() would. */
        void fire() {
            task.run();
        }
    }

    @TempDir
    Path tmp;

    Path rootDir;
    MBeanServer server;
    ManualTimer timer;
    TrackingFileSystemProvider provider;
    FileSystem fs;

    @BeforeEach
    void setUp() throws IOException {
        // A name with the characters ObjectName.quote() exists for.
        rootDir = Files.createDirectory(tmp.resolve("ro,ot=\"1\"*?"));
        server = MBeanServerFactory.newMBeanServer();
        timer = new ManualTimer();
        provider = new TrackingFileSystemProvider(FileSystems.getDefault().provider(), rootDir.toString(),
                () -> server, timer);
        fs = provider.getFileSystem(URI.create("file:///"));
    }

    /** Makes the program's first modification under the root, then returns the registered bean. */
    VolumeMXBean firstWriteAndBean() throws Exception {
        assertNull(provider.registration(), "nothing registered before the first modification");
        Files.write(fs.getPath(rootDir.toString(), "first"), new byte[] {1});
        List<ObjectName> names = get(provider.registration().names);
        ObjectName name = new ObjectName("dev.quiesce:type=Volume,name=" + ObjectName.quote(rootDir.toString()));
        assertEquals(List.of(name), names);
        assertTrue(server.isRegistered(name));
        assertTrue(JMX.isMXBeanInterface(VolumeMXBean.class));
        return JMX.newMXBeanProxy(server, name, VolumeMXBean.class);
    }

    Volume volume() throws IOException {
        return provider.volumeOf(fs.getPath(rootDir.toString())).orElseThrow();
    }

    @Test
    void attributesNameTheRootAndFollowTheVolume() throws Exception {
        VolumeMXBean bean = firstWriteAndBean();
        assertEquals(rootDir.toString(), bean.getName());
        assertEquals(rootDir.toRealPath().toString(), bean.getRoot());
        assertTrue(bean.isOpen());
        assertFalse(bean.isFrozen());
        assertEquals("", bean.getFreezeDeadline());
        bean.syncFs();
        volume().freeze();
        assertTrue(bean.isFrozen(), "frozen by the program is frozen too");
        volume().thaw();
    }

    @Test
    void theFiguresAreTheVolumesStats() throws Exception {
        VolumeMXBean bean = firstWriteAndBean();        // Files.write: CREATE + WRITE
        assertEquals(2, bean.getModificationsStarted());
        assertEquals(0, bean.getModificationsInFlight());
        assertEquals(1, bean.getDirtyFiles());
        assertEquals(0, bean.getOpenChannels());
        bean.syncFs();
        assertEquals(1, bean.getSyncs());
        assertEquals(0, bean.getDirtyFiles());
        assertTrue(bean.getLastSyncSeconds() >= 0 && bean.getLastSyncSeconds() <= bean.getLongestSyncSeconds());
        bean.freeze(30);
        bean.thaw();
        assertEquals(1, bean.getFreezes());
        assertEquals(0, bean.getWaits());
        assertEquals(0, bean.getListenerFailures());
        VolumeStats stats = volume().stats();
        assertEquals(stats.modificationsStarted(), bean.getModificationsStarted());
        assertEquals(stats.syncs(), bean.getSyncs());
    }

    @Test
    void aTimedFreezeBlocksWritesAndThawsItselfAtItsDeadline() throws Exception {
        VolumeMXBean bean = firstWriteAndBean();
        Instant before = Instant.now();
        bean.freeze(30);
        assertTrue(bean.isFrozen());
        Instant deadline = Instant.parse(bean.getFreezeDeadline());
        assertFalse(deadline.isBefore(before.plusSeconds(30)), deadline + " is 30 s after the freeze");
        assertEquals(TimeUnit.SECONDS.toNanos(30), timer.last().delayNanos);

        VolumeTesting.Waiting writer = parkedOn("writer", () -> Files.write(fs.getPath(rootDir.toString(), "w"),
                new byte[] {2}));
        assertFalse(writer.result().isDone(), "the program's write waits for the thaw");

        timer.last().fire();            // the deadline passes
        assertFalse(bean.isFrozen(), "thawed by itself");
        assertEquals("", bean.getFreezeDeadline());
        get(writer.result());
        IllegalStateException e = assertThrows(IllegalStateException.class, bean::thaw);
        assertEquals("volume " + rootDir + " holds no freeze made through JMX", e.getMessage());
    }

    @Test
    void thawBeforeTheDeadlineCancelsItAndAStaleTimerThawsNothing() throws Exception {
        VolumeMXBean bean = firstWriteAndBean();
        bean.freeze(30);
        Armed first = timer.last();
        bean.thaw();
        assertTrue(first.cancelled, "thaw() cancels the timer");
        assertFalse(bean.isFrozen());

        bean.freeze(30);
        Armed second = timer.last();
        first.fire();                   // a timer that fired anyway, after the new freeze
        assertTrue(bean.isFrozen(), "a stale deadline does not thaw a later freeze");
        second.fire();
        assertFalse(bean.isFrozen());
    }

    @Test
    void aSecondFreezeRenewsTheDeadlineInsteadOfNesting() throws Exception {
        VolumeMXBean bean = firstWriteAndBean();
        bean.freeze(30);
        Armed first = timer.last();
        bean.freeze(600);
        Armed renewed = timer.last();
        assertTrue(first.cancelled);
        assertEquals(TimeUnit.SECONDS.toNanos(600), renewed.delayNanos);
        first.fire();
        assertTrue(bean.isFrozen(), "the renewed deadline holds, not the first");
        bean.thaw();                    // one thaw undoes both freeze() calls: they did not nest
        assertFalse(bean.isFrozen());
        assertFalse(volume().isFrozen());
    }

    @Test
    void neitherThawNorTheDeadlineUndoesTheProgramsOwnFreeze() throws Exception {
        VolumeMXBean bean = firstWriteAndBean();
        Volume volume = volume();
        volume.freeze();                // the program's freeze
        bean.freeze(30);
        timer.last().fire();
        assertTrue(bean.isFrozen(), "the deadline released the bean's level only");
        IllegalStateException e = assertThrows(IllegalStateException.class, bean::thaw);
        assertEquals("volume " + rootDir + " holds no freeze made through JMX (the program itself froze it)",
                e.getMessage());
        assertTrue(volume.isFrozen());
        bean.freeze(30);
        bean.thaw();
        assertTrue(volume.isFrozen());
        volume.thaw();
        assertFalse(bean.isFrozen());
    }

    /**
     * The shared timer thread never waits for a bean's drain: a stale deadline (and an attribute
     * read) returns while a freeze of the same bean waits for a write in flight. When the bean held
     * one lock across the drain, the timer thread waited there, holding up every volume's deadline.
     */
    @Test
    void aDeadlineOrAnAttributeDoesNotWaitForAFreezeThatDrains() throws Exception {
        VolumeMXBean bean = firstWriteAndBean();
        bean.freeze(30);
        Armed stale = timer.last();
        bean.thaw();

        // An async write through a plain path, held in flight: the freeze drains it.
        Files.write(fs.getPath(rootDir.toString(), "slow"), new byte[1]);
        HeldBackExecutor completions = new HeldBackExecutor();
        try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(fs.getPath(rootDir.toString(), "slow"),
                Set.of(StandardOpenOption.WRITE), completions)) {
            java.util.concurrent.Future<Integer> write = ch.write(ByteBuffer.wrap(new byte[] {1}), 0);
            completions.awaitHeld(1);
            VolumeTesting.Waiting freezer = parkedOn("freezer", () -> bean.freeze(30));
            try {
                assertFalse(freezer.result().isDone(), "the freeze drains the write in flight");
                Thread[] started = new Thread[1];
                get(VolumeTesting.onThread("timer", () -> {
                    stale.fire();
                    return bean.getFreezeDeadline();
                }, started));
            } finally {
                completions.releaseAllAndJoin();
            }
            assertEquals(1, get(write));
            get(freezer.result());
        }
        assertTrue(bean.isFrozen());
        bean.thaw();
    }

    @Test
    void aFreezeOfZeroSecondsIsRefused() throws Exception {
        VolumeMXBean bean = firstWriteAndBean();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bean.freeze(0));
        assertEquals("freeze(0): the deadline must be more than 0 seconds", e.getMessage());
        assertFalse(bean.isFrozen());
        assertTrue(timer.armed.isEmpty());
    }

    @Test
    void aBeanCanFreezeARootBeforeTheProgramWroteThereAndReportsAMissingRoot() throws Exception {
        Path second = Files.createDirectory(tmp.resolve("second"));
        Path missing = tmp.resolve("missing");
        TrackingFileSystemProvider p2 = new TrackingFileSystemProvider(FileSystems.getDefault().provider(),
                rootDir + ":" + second + ":" + missing, () -> server, timer);
        FileSystem fs2 = p2.getFileSystem(URI.create("file:///"));
        Files.write(fs2.getPath(second.toString(), "x"), new byte[0]);
        List<ObjectName> names = get(p2.registration().names);
        assertEquals(3, names.size(), "every root, written or not: " + names);
        VolumeMXBean unwritten = JMX.newMXBeanProxy(server, names.get(0), VolumeMXBean.class);
        assertFalse(unwritten.isOpen(), "no volume before its first use");
        unwritten.freeze(30);
        VolumeTesting.Waiting writer = parkedOn("writer", () -> Files.write(fs2.getPath(rootDir.toString(), "y"),
                new byte[0]));
        assertFalse(writer.result().isDone(), "the program's first write waits for the operator's thaw");
        unwritten.thaw();
        get(writer.result());

        VolumeMXBean absent = JMX.newMXBeanProxy(server, names.get(2), VolumeMXBean.class);
        IOException e = assertThrows(IOException.class, absent::syncFs);
        assertEquals("syncFs(): volume root " + missing + " is not a directory", e.getMessage());
        assertEquals(IOException.class, e.getClass(), "a JDK class for a remote client");
    }

    @Test
    void aVolumeClosedByTheProgramIsReportedInJdkClasses() throws Exception {
        VolumeMXBean bean = firstWriteAndBean();
        volume().close();
        assertFalse(bean.isOpen());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bean.freeze(1));
        assertTrue(e.getMessage().startsWith(VolumeClosedException.class.getName()), e.getMessage());
        assertNull(e.getCause());
    }
}
