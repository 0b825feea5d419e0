package dev.quiesce;

import dev.quiesce.internal.Events;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The primitives whose figures are exported: each registered explicitly, held weakly, and given a
 * unique {@linkplain Registration#id() id}. Names are labels, not keys: two domains named alike are
 * two registrations with two ids, and exporters tag every figure with the id so that they do not
 * collide into one meter.
 *
 * <p>Two ways to register:
 * <ul>
 * <li>{@link #register(Srcu)}, {@link #register(RwSemaphore)}: one instance, exported with its own
 *     figures ({@code stats()}) — for a few long-lived instances (a volume's domain, a freeze
 *     semaphore);
 * <li>{@link #registerInClass(RwSemaphore, LockClass)}, {@link #registerInClass(Srcu, LockClass)}:
 *     counted into its lock class's aggregate only ({@link #classes()}), with no figures of its own
 *     — for the million per-file semaphores, where a meter each would swamp any back end. The
 *     aggregate is summed over the instances still reachable when it is read.
 * </ul>
 * Nothing is exported until registered, and registering keeps nothing alive: an instance that
 * becomes unreachable leaves its registration dead ({@link Registration#isLive()} false) and then
 * disappears from {@link #registrations()}.
 *
 * <p>JDK Flight Recorder: one periodic hook for every registration, installed when the recorder is
 * first initialised after the first registration (the registration itself only adds a recorder
 * listener, about twenty {@code jdk.jfr} classes), off unless a recording enables the event
 * {@code dev.quiesce.Stats} ({@code Recording.enable("dev.quiesce.Stats")}, or a {@code .jfc}
 * settings file with {@code <event name="dev.quiesce.Stats"><setting name="enabled">true</setting>}).
 * At each period (1 s by default) it emits one {@code dev.quiesce.Stats} summary event and one
 * {@code dev.quiesce.SrcuStats}, {@code dev.quiesce.RwSemaphoreStats} event per live registration
 * and one {@code dev.quiesce.SrcuClassStats}, {@code dev.quiesce.RwSemaphoreClassStats} event per
 * lock class, readable with {@code jfr print --categories Quiesce} and in JDK Mission Control.
 *
 * <p>Thread-safe. Registration and reading take one lock, never held while a primitive is read
 * for an instance's figures; readers and updaters of the primitives never touch it.
 *
 * @since 0.1.0
 */
public final class Metrics {

    /*
     * Implementation notes. Per-instance registrations live in a WeakHashMap keyed by the
     * instance (identity: the primitives do not override equals), whose value, the Registration,
     * refers to the instance only weakly — so the map keeps nothing alive. Both maps are guarded
     * by LOCK; an instance's figures are read outside it.
     *
     * Lock classes are keyed by LockClass identity (LockClass does not override equals: two
     * classes named alike stay two). A class's members are a "weak bag" built for the million
     * per-file semaphores: an array of weak references, appended to under the class's own
     * monitor, published with its fill count in one immutable Slots object, so that a scan reads
     * one Slots and walks slots[0, size) with no lock while registrations go on (an append writes
     * beyond the size the scan read, or into a new array). A full array is replaced by a compacted
     * copy (dead references dropped), doubled if more than half of it is live; the old array is
     * never written again, so a scan that holds it sees a consistent prefix. No hash map per
     * member: one WeakReference each.
     */

    private static final Object LOCK = new Object();
    private static final AtomicLong IDS = new AtomicLong();
    /** Guarded by LOCK. */
    private static final Map<Object, Registration<?>> INSTANCES = new WeakHashMap<>();
    /** Guarded by LOCK. */
    private static final Map<LockClass, ClassMembers> CLASSES = new IdentityHashMap<>();
    /** Guarded by LOCK; the classes in the order of first use. */
    private static final List<ClassMembers> CLASS_ORDER = new ArrayList<>();
    /** Guarded by LOCK. */
    private static boolean hookInstalled;
    /** Periodic JFR hook runs, for tests. */
    static final AtomicLong POLLS = new AtomicLong();

    private Metrics() {
    }

    /**
     * Registers a domain for export with its own figures. Registering the same domain again
     * returns its registration.
     *
     * @param srcu the domain; held weakly
     * @return its registration
     * @throws NullPointerException if {@code srcu} is null
     */
    @SuppressWarnings("unchecked")
    public static Registration<Srcu.Stats> register(Srcu srcu) {
        Objects.requireNonNull(srcu, "srcu");
        return (Registration<Srcu.Stats>) register(srcu, Kind.SRCU);
    }

    /**
     * Registers a semaphore for export with its own figures. Registering the same semaphore again
     * returns its registration.
     *
     * @param semaphore the semaphore; held weakly
     * @return its registration
     * @throws NullPointerException if {@code semaphore} is null
     */
    @SuppressWarnings("unchecked")
    public static Registration<RwSemaphore.Stats> register(RwSemaphore semaphore) {
        Objects.requireNonNull(semaphore, "semaphore");
        return (Registration<RwSemaphore.Stats>) register(semaphore, Kind.RW_SEMAPHORE);
    }

    /**
     * Counts a semaphore into the aggregate of {@code lockClass} (no figures of its own). Add each
     * semaphore once, when it is made: one added twice counts twice. Held weakly, at the cost of
     * one {@code WeakReference} per member.
     *
     * @param semaphore the semaphore
     * @param lockClass its class, an identity key (its name is a label)
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code lockClass} aggregates domains
     */
    public static void registerInClass(RwSemaphore semaphore, LockClass lockClass) {
        addMember(Objects.requireNonNull(semaphore, "semaphore"), lockClass, Kind.RW_SEMAPHORE);
    }

    /**
     * Counts a domain into the aggregate of {@code lockClass} (no figures of its own). Add each
     * domain once: one added twice counts twice.
     *
     * @param srcu      the domain
     * @param lockClass its class, an identity key (its name is a label)
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code lockClass} aggregates semaphores
     */
    public static void registerInClass(Srcu srcu, LockClass lockClass) {
        addMember(Objects.requireNonNull(srcu, "srcu"), lockClass, Kind.SRCU);
    }

    /**
     * Returns the live per-instance registrations, in the order they were made.
     *
     * @return a new list
     */
    public static List<Registration<?>> registrations() {
        List<Registration<?>> list;
        synchronized (LOCK) {
            list = new ArrayList<>(INSTANCES.values());
        }
        list.removeIf(r -> !r.isLive());
        list.sort((a, b) -> Long.compare(a.id, b.id));
        return list;
    }

    /**
     * Returns the aggregate of every lock class that has members, in the order the classes were
     * first used. Each is summed now over its reachable members (see {@link ClassStats}).
     *
     * @return a new list
     */
    public static List<ClassStats> classes() {
        List<ClassMembers> all;
        synchronized (LOCK) {
            all = new ArrayList<>(CLASS_ORDER);
        }
        List<ClassStats> out = new ArrayList<>(all.size());
        for (ClassMembers m : all) {
            out.add(m.stats());
        }
        return out;
    }

    /**
     * Returns the aggregate of one lock class now, summed over its reachable members: a walk over
     * every member (a weak reference and the member's state each, no lock held), so its cost grows
     * with the class — poll it at the usual intervals of seconds. The class's
     * {@linkplain ClassStats#id() id} is fixed at its first use, here or at its first member.
     *
     * @param lockClass the class
     * @return its aggregate; zero instances if it has no members
     * @throws NullPointerException if {@code lockClass} is null
     */
    public static ClassStats classStats(LockClass lockClass) {
        Objects.requireNonNull(lockClass, "lockClass");
        return members(lockClass).stats();
    }

    /** The members of a class, created (with no kind yet) on first use: its id is fixed from then on. */
    private static ClassMembers members(LockClass lockClass) {
        synchronized (LOCK) {
            ClassMembers m = CLASSES.get(lockClass);
            if (m == null) {
                m = new ClassMembers(lockClass, IDS.incrementAndGet());
                CLASSES.put(lockClass, m);
                CLASS_ORDER.add(m);
            }
            return m;
        }
    }

    private static Registration<?> register(Object instance, Kind kind) {
        Registration<?> r;
        synchronized (LOCK) {
            r = INSTANCES.get(instance);
            if (r == null) {
                r = new Registration<>(IDS.incrementAndGet(), kind, instance);
                INSTANCES.put(instance, r);
            }
            installHook();
        }
        return r;
    }

    private static void addMember(Object instance, LockClass lockClass, Kind kind) {
        Objects.requireNonNull(lockClass, "lockClass");
        ClassMembers m;
        synchronized (LOCK) {
            m = members(lockClass);
            if (m.kind == null) {
                m.kind = kind;
            } else if (m.kind != kind) {
                throw new IllegalArgumentException("lock class " + lockClass + " aggregates "
                        + m.kind.word + "s; a " + kind.word + " cannot join it");
            }
            installHook();
        }
        m.add(instance);
    }

    /** Guarded by LOCK. */
    private static void installHook() {
        if (!hookInstalled) {
            hookInstalled = true;
            if (Events.AVAILABLE) {
                Events.installStatsHook(Metrics::emitEvents);
            }
        }
    }

    /** The periodic hook: runs on the recorder's thread, only while dev.quiesce.Stats is enabled. */
    private static void emitEvents() {
        POLLS.incrementAndGet();
        List<Registration<?>> regs = registrations();
        List<ClassStats> classes = classes();
        Events.statsSummary(regs.size(), classes.size());
        for (Registration<?> r : regs) {
            Object st = r.stats();
            if (st instanceof Srcu.Stats) {
                Events.srcuStats(r.id, (Srcu.Stats) st);
            } else if (st instanceof RwSemaphore.Stats) {
                Events.rwSemaphoreStats(r.id, (RwSemaphore.Stats) st);
            }
        }
        for (ClassStats c : classes) {
            if (c.instances() == 0 && c.kind().equals("none")) {
                continue;                                  // asked about, never joined
            }
            Events.classStats(c.id(), c.kind().equals(Kind.SRCU.word), c.lockClass(), c.instances(),
                    c.sectionsOrHolders(), c.waiting(), c.killed());
        }
    }

    /** What a registration or class holds. */
    private enum Kind {
        SRCU("srcu"), RW_SEMAPHORE("rwsemaphore");

        final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    /**
     * One registered instance: a unique id, and the instance's figures while it is reachable.
     *
     * @param <S> the type of its figures, {@link Srcu.Stats} or {@link RwSemaphore.Stats}
     * @since 0.1.0
     */
    public static final class Registration<S> {
        private final long id;
        private final Kind kind;
        private final String name;
        private final WeakReference<Object> instance;

        Registration(long id, Kind kind, Object instance) {
            this.id = id;
            this.kind = kind;
            this.name = instance instanceof Srcu ? ((Srcu) instance).name() : ((RwSemaphore) instance).name();
            this.instance = new WeakReference<>(instance);
        }

        /**
         * Returns the id, unique in this JVM among registrations and lock-class aggregates — the
         * key exporters tag figures with.
         *
         * @return the id, positive
         */
        public long id() {
            return id;
        }

        /**
         * Returns the instance's kind in exporters' words: {@code "srcu"} or {@code "rwsemaphore"}.
         *
         * @return the kind
         */
        public String kind() {
            return kind.word;
        }

        /**
         * Returns the instance's name, read at registration (a label, not a key).
         *
         * @return the name
         */
        public String name() {
            return name;
        }

        /**
         * Returns whether the instance is still reachable (and registered).
         *
         * @return whether it is live
         */
        public boolean isLive() {
            return instance.get() != null;
        }

        /**
         * Returns the instance's figures now (its {@code stats()}), or null once it has been
         * garbage-collected or unregistered.
         *
         * @return its figures, or null
         */
        @SuppressWarnings("unchecked")
        public S stats() {
            Object o = instance.get();
            if (o instanceof Srcu) {
                return (S) ((Srcu) o).stats();
            }
            if (o instanceof RwSemaphore) {
                return (S) ((RwSemaphore) o).stats();
            }
            return null;
        }

        /** Ends the export: the instance's figures are no longer listed or emitted. */
        public void unregister() {
            Object o = instance.get();
            instance.clear();
            if (o != null) {
                synchronized (LOCK) {
                    INSTANCES.remove(o, this);
                }
            }
        }

        @Override
        public String toString() {
            return "Registration[" + kind.word + " " + name + ", id " + id + (isLive() ? "]" : ", gone]");
        }
    }

    /**
     * The aggregate of one lock class: sums over its members reachable when it was read, each
     * member read as its {@code stats()} reads it (approximate while they are in use).
     *
     * @param id                the aggregate's id, unique among registrations and aggregates
     * @param kind              {@code "srcu"} or {@code "rwsemaphore"}; {@code "none"} before the
     *                          first member joins
     * @param lockClass         the class's name (a label; the id is the key)
     * @param instances         members still reachable
     * @param sectionsOrHolders read sections open (domains) or shared permits held (semaphores),
     *                          summed
     * @param waiting           domains with a grace period in progress, or semaphores with a
     *                          writer queued
     * @param killed            semaphores killed (killing or dead); 0 for domains
     * @since 0.1.0
     */
    public record ClassStats(long id, String kind, String lockClass, long instances, long sectionsOrHolders,
                             long waiting, long killed) {

        /**
         * Checks the strings.
         *
         * @param id                the id
         * @param kind              the kind
         * @param lockClass         the class's name
         * @param instances         reachable members
         * @param sectionsOrHolders sections or shared holders
         * @param waiting           members waited for
         * @param killed            semaphores killed
         */
        public ClassStats {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(lockClass, "lockClass");
        }
    }

    /** A lock class's weakly held members: the weak bag of the notes. */
    private static final class ClassMembers {
        final LockClass lockClass;
        final long id;
        /** Guarded by LOCK; null until the first member joins. */
        Kind kind;
        /** Written under this object's monitor; read by scans without it. */
        private volatile Slots slots = new Slots(new WeakReference<?>[16], 0);

        ClassMembers(LockClass lockClass, long id) {
            this.lockClass = lockClass;
            this.id = id;
        }

        synchronized void add(Object instance) {
            Slots s = slots;
            WeakReference<?>[] a = s.refs;
            int n = s.size;
            if (n == a.length) {                           // full: compact into a new array
                int live = 0;
                for (WeakReference<?> r : a) {
                    if (r.get() != null) {
                        live++;
                    }
                }
                WeakReference<?>[] b = new WeakReference<?>[live * 2 >= a.length ? a.length * 2 : a.length];
                n = 0;
                for (WeakReference<?> r : a) {
                    if (r.get() != null) {
                        b[n++] = r;
                    }
                }
                a = b;
            }
            a[n] = new WeakReference<>(instance);
            slots = new Slots(a, n + 1);                   // volatile: publishes a[n] with the size
        }

        ClassStats stats() {
            Slots s = slots;
            Kind k;
            synchronized (LOCK) {
                k = kind;
            }
            long instances = 0;
            long open = 0;
            long waiting = 0;
            long killed = 0;
            for (int i = 0; i < s.size; i++) {
                Object o = s.refs[i].get();
                if (o instanceof RwSemaphore) {
                    RwSemaphore sem = (RwSemaphore) o;
                    instances++;
                    open += sem.sharedHoldersQuick();
                    waiting += sem.isWriterWaiting() ? 1 : 0;
                    killed += sem.isKilled() ? 1 : 0;
                } else if (o instanceof Srcu) {
                    Srcu.Stats st = ((Srcu) o).stats();
                    instances++;
                    open += st.sectionsOpen();
                    waiting += st.gracePeriodInProgress() ? 1 : 0;
                }
            }
            return new ClassStats(id, k == null ? "none" : k.word, lockClass.toString(), instances, open,
                    waiting, killed);
        }
    }

    /** A members array and how much of it is filled; immutable once published. */
    private static final class Slots {
        final WeakReference<?>[] refs;
        final int size;

        Slots(WeakReference<?>[] refs, int size) {
            this.refs = refs;
            this.size = size;
        }
    }
}
