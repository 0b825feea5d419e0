package dev.quiesce.nio;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * The {@link VolumeMXBean} of one root of a {@link TrackingFileSystemProvider}, and the registration
 * of a provider's beans.
 */
final class VolumeControl implements VolumeMXBean {

    /*
     * Implementation notes.
     *
     * Ownership of the timed freeze. The bean holds at most one nesting level of the volume's
     * freeze (held). Every change of what it holds - a freeze, a renewal, a thaw, the self-thaw -
     * happens under state and bumps generation; a self-thaw task carries the generation it was
     * armed for and releases only if the bean still holds that very freeze. So a timer that fires
     * late, after thaw() and a new freeze(), or after a renewal whose cancel() lost the race with it,
     * does nothing; and since the bean only ever releases the level it took, neither a thaw() here
     * nor a deadline undoes a freeze the program made itself (Volume counts nesting, and the bean is
     * one level of it).
     *
     *   held  generation-match   self-thaw task does
     *   no    -                  nothing (thawed already, or a freeze still draining)
     *   yes   no                 nothing (renewed or re-frozen: a newer task owns the deadline)
     *   yes   yes                held = false, then volume.thaw()
     *
     * Two locks. freezing serializes freeze() calls, so that two operators' freezes make one level
     * (the second renews); the volume's drain runs under it but not under state. state guards
     * held/generation/timer/deadline and is held only briefly, never across I/O or a wait: the shared
     * timer thread (every bean's deadlines) takes only state, so one volume's long drain cannot delay
     * another volume's self-thaw. volume.thaw() never waits, and is called after state is released.
     *
     * The timer is a Scheduler: tests pass one they fire by hand; the default is one daemon thread
     * shared by every bean, made on the first timed freeze.
     */

    /** Arms a task; returns what cancels it. */
    interface Scheduler {
        Runnable schedule(Runnable task, long delayNanos);
    }

    private static final System.Logger LOG = System.getLogger("dev.quiesce.nio");

    private final TrackedRoot root;
    private final Scheduler scheduler;
    private final Clock clock;

    /** Serializes freeze() calls (held across the volume's drain). */
    private final ReentrantLock freezing = new ReentrantLock();
    /** Guards the fields below; held briefly, never across I/O. */
    private final Object state = new Object();
    private boolean held;                 // guarded by state
    private long generation;              // guarded by state
    private Runnable cancelTimer;         // guarded by state
    private Instant deadline;             // guarded by state

    VolumeControl(TrackedRoot root, Scheduler scheduler, Clock clock) {
        this.root = root;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /**
     * Registers a bean per root on a new daemon thread.
     *
     * @param server    where, or null for the platform MBeanServer
     * @param scheduler the timer, or null for the shared daemon timer
     * @return completes with the names registered; exceptionally if the server could not be had (each
     *         root that could not be registered is logged and left out)
     */
    static Registration register(TrackedRoot[] roots, Supplier<? extends MBeanServer> server, Scheduler scheduler) {
        Registration r = new Registration();
        Thread t = new Thread(() -> r.run(roots, server, scheduler), "quiesce-volume-jmx");
        t.setDaemon(true);
        t.start();
        return r;
    }

    /** The registration of a provider's beans, done on its own thread. */
    static final class Registration {
        final CompletableFuture<List<ObjectName>> names = new CompletableFuture<>();

        private void run(TrackedRoot[] roots, Supplier<? extends MBeanServer> server, Scheduler scheduler) {
            try {
                MBeanServer s = server != null ? server.get() : ManagementFactory.getPlatformMBeanServer();
                Scheduler timer = scheduler != null ? scheduler : DefaultTimer::schedule;
                List<ObjectName> registered = new ArrayList<>();
                for (TrackedRoot root : roots) {
                    try {
                        ObjectName name = objectName(root.name());
                        s.registerMBean(new StandardMBean(new VolumeControl(root, timer, Clock.systemUTC()),
                                VolumeMXBean.class, true), name);
                        registered.add(name);
                    } catch (Exception | LinkageError e) {
                        LOG.log(System.Logger.Level.WARNING, "quiesce-nio: the MBean of volume root " + root
                                + " could not be registered; it is tracked, but operators cannot reach it", e);
                    }
                }
                names.complete(registered);
            } catch (Throwable e) {
                names.completeExceptionally(e);
                LOG.log(System.Logger.Level.WARNING, "quiesce-nio: no MBeanServer for the volume roots", e);
            }
        }
    }

    /** {@code dev.quiesce:type=Volume,name="<root>"}. */
    static ObjectName objectName(String root) throws MalformedObjectNameException {
        return new ObjectName("dev.quiesce:type=Volume,name=" + ObjectName.quote(root));
    }

    @Override
    public String getName() {
        return root.name();
    }

    @Override
    public String getRoot() {
        Volume v = root.openedVolume();
        return v != null ? v.directory().toString() : root.name();
    }

    @Override
    public boolean isOpen() {
        Volume v = root.openedVolume();
        return v != null && v.isOpen();
    }

    @Override
    public boolean isFrozen() {
        Volume v = root.openedVolume();
        return v != null && v.isFrozen();
    }

    /** The open volume's figures, or null before it opens (every figure is then 0). */
    private VolumeStats stats() {
        Volume v = root.openedVolume();
        return v != null ? v.stats() : null;
    }

    @Override
    public long getModificationsStarted() {
        VolumeStats s = stats();
        return s == null ? 0 : s.modificationsStarted();
    }

    @Override
    public long getModificationsInFlight() {
        VolumeStats s = stats();
        return s == null ? 0 : s.modificationsInFlight();
    }

    @Override
    public long getWaits() {
        VolumeStats s = stats();
        return s == null ? 0 : s.waits();
    }

    @Override
    public long getFreezes() {
        VolumeStats s = stats();
        return s == null ? 0 : s.freezes();
    }

    @Override
    public long getSyncs() {
        VolumeStats s = stats();
        return s == null ? 0 : s.syncs();
    }

    @Override
    public double getLastSyncSeconds() {
        VolumeStats s = stats();
        return s == null ? 0 : s.lastSync().toNanos() / 1e9;
    }

    @Override
    public double getLongestSyncSeconds() {
        VolumeStats s = stats();
        return s == null ? 0 : s.longestSync().toNanos() / 1e9;
    }

    @Override
    public int getDirtyFiles() {
        VolumeStats s = stats();
        return s == null ? 0 : s.dirtyFiles();
    }

    @Override
    public int getOpenChannels() {
        VolumeStats s = stats();
        return s == null ? 0 : s.openChannels();
    }

    @Override
    public long getListenerFailures() {
        VolumeStats s = stats();
        return s == null ? 0 : s.listenerFailures();
    }

    @Override
    public String getFreezeDeadline() {
        synchronized (state) {
            return deadline == null ? "" : deadline.toString();
        }
    }

    @Override
    public void syncFs() throws IOException {
        Volume v = volume("syncFs()");
        try {
            v.syncFs();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted("syncFs()");
        } catch (IOException | RuntimeException e) {
            throw remote(e);
        }
    }

    @Override
    public void freeze(long seconds) throws IOException {
        if (seconds <= 0) {
            throw new IllegalArgumentException("freeze(" + seconds + "): the deadline must be more than 0 seconds");
        }
        Volume v = volume("freeze(" + seconds + ")");
        freezing.lock();
        try {
            boolean renew;
            synchronized (state) {
                renew = held;
                if (renew) {
                    arm(seconds);
                }
            }
            if (renew) {
                return;
            }
            try {
                v.freeze();                     // drains: not under state (see the notes)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw interrupted("freeze(" + seconds + ")");
            } catch (IOException | RuntimeException e) {
                throw remote(e);
            }
            synchronized (state) {
                held = true;
                arm(seconds);
            }
        } finally {
            freezing.unlock();
        }
    }

    /** (Re)arms the self-thaw {@code seconds} from now, for a new generation. Under state. */
    private void arm(long seconds) {
        if (cancelTimer != null) {
            cancelTimer.run();
        }
        long armed = ++generation;
        deadline = clock.instant().plusSeconds(seconds);
        cancelTimer = scheduler.schedule(() -> selfThaw(armed), TimeUnit.SECONDS.toNanos(seconds));
    }

    @Override
    public void thaw() {
        synchronized (state) {
            if (!held) {
                Volume v = root.openedVolume();
                throw new IllegalStateException("volume " + root + " holds no freeze made through JMX"
                        + (v != null && v.isFrozen() ? " (the program itself froze it)" : ""));
            }
            disown();
        }
        thawVolume();
    }

    /** The deadline of generation {@code armed}: see the table in the notes. */
    void selfThaw(long armed) {
        synchronized (state) {
            if (!held || generation != armed) {
                return;
            }
            disown();
        }
        thawVolume();
    }

    /** Gives up the bean's level of the freeze (the caller then thaws the volume). Under state. */
    private void disown() {
        held = false;
        generation++;
        deadline = null;
        if (cancelTimer != null) {
            cancelTimer.run();
            cancelTimer = null;
        }
    }

    /** Thaws the bean's level; never waits. Not under state. */
    private void thawVolume() {
        try {
            root.openedVolume().thaw();
        } catch (RuntimeException e) {
            throw new IllegalStateException("volume " + root + ": " + e.getMessage());
        }
    }

    private Volume volume(String op) throws IOException {
        Volume v;
        try {
            v = root.volume();
        } catch (IOException | RuntimeException e) {
            throw remote(e);
        }
        if (v == null) {
            throw new IOException(op + ": volume root " + root + " is not a directory");
        }
        return v;
    }

    private static InterruptedIOException interrupted(String op) {
        return new InterruptedIOException(op + " was interrupted");
    }

    /**
     * {@code e} as a client without Quiesce's classes can read it: a JDK exception class, with the
     * message and stack, and no cause of a foreign class. A runtime exception is thrown from here;
     * an {@code IOException} is returned for the caller to throw.
     */
    private static IOException remote(Exception e) {
        boolean plain = e.getClass().getName().startsWith("java.") && e.getCause() == null;
        if (e instanceof RuntimeException) {
            RuntimeException r = plain ? (RuntimeException) e : new IllegalStateException(e.toString());
            r.setStackTrace(e.getStackTrace());
            throw r;
        }
        IOException io = plain ? (IOException) e : new IOException(e.toString());
        io.setStackTrace(e.getStackTrace());
        return io;
    }

    @Override
    public String toString() {
        return "VolumeControl[" + root + "]";
    }

    /** The shared timer of the timed freezes: one daemon thread, made on first use. */
    private static final class DefaultTimer {
        private static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "quiesce-volume-thaw");
            t.setDaemon(true);
            return t;
        });

        static {
            TIMER.setRemoveOnCancelPolicy(true);
        }

        static Runnable schedule(Runnable task, long delayNanos) {
            ScheduledFuture<?> f = TIMER.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }
}
