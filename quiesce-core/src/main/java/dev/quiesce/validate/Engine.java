package dev.quiesce.validate;

import dev.quiesce.LockClass;
import dev.quiesce.Report;
import dev.quiesce.internal.Tracker;

import java.lang.ref.Cleaner;
import java.security.CodeSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The validator behind {@link Tracker}: lock classes, the threads' held sets, and the graph of
 * "held A, then acquired B" edges, checked for cycles that can deadlock.
 */
final class Engine extends Tracker {

    /*
     * Implementation notes.
     *
     * Classes. A node per lock class: an explicit LockClass (by identity) or a creation site (the
     * first frame whose class does not come from this library's code source).
     *
     * Held sets. Every acquisition is a Held record: class, instance, mode, the thread that holds
     * it now (null while detached), its acquisition stack and hand-off history. A thread's list
     * holds the records it acquired or attached; records that were released or moved to another
     * thread are dropped lazily when the list is next read, because another thread cannot safely
     * edit this thread's list. A handle carries its record (the primitive keeps what acquired()
     * returned); token-form sections (readLock, a wrapped JDK lock) have no handle and are matched
     * per thread and instance, most recent first.
     *
     * Leaks. Each handle is registered with a Cleaner whose action refers to the record, never to
     * the handle; when a handle becomes unreachable while its record is open, the action reports
     * it — and, under the opt-in policy, ends a read section through the record's forceEnd so
     * grace periods go on. Permits have no forceEnd: ending one would break exclusion.
     *
     * Edges and the recursive-read model (after the kernel's lockdep, kernel/locking/lockdep.c).
     * An edge A -> B is typed by the mode A is held in (S: shared, E: exclusive) and the mode B is
     * acquired in (R: a read that never waits — an Srcu read section; N: anything that can wait —
     * a writer-biased shared acquire, an exclusive acquire, a synchronize()). A cycle can deadlock
     * only if it is "strong": no lock in it is entered by an -(*R)-> edge and left by an -(S*)->
     * edge, since a recursive reader that holds a shared lock waits for nobody at that lock. So
     * Srcu read -> Srcu read cycles are harmless, while synchronize() inside a read section of the
     * same class, or A-read -> B-sync with B-read -> A-sync, are reported. The search runs when an
     * edge is first seen: breadth-first over (class, entered-by-R) states from the new edge's
     * target back to its source. All graph changes happen under one lock: validation is a
     * debugging mode, and edges are added rarely (once per distinct pair and type).
     *
     * Self-edges. A cycle of one class (A -> A) has two causes with different fixes: two
     * instances of the class nested (declare the order with LockClass.subclass), or a wait for the
     * very instance the thread holds (a self-deadlock: no subclass helps; the section, permit or
     * access must end first). checkOrder() is told the awaited instance and tries the thread's
     * records of that instance first, so the report that the class's first self-edge produces
     * says which case it saw (cycleReport(), selfWait()). As every edge, it is reported once.
     */

    private static final System.Logger LOG = System.getLogger("dev.quiesce.validate");

    private final ConcurrentHashMap<Object, Node> nodes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Object, Set<Held>> openByInstance = new ConcurrentHashMap<>();
    /** Classes of primitives that keep no field for them; weak keys, identity (they do not override equals). */
    private final java.util.WeakHashMap<Object, Node> classByInstance = new java.util.WeakHashMap<>();
    /** Records of handles that keep no field for them (permits); weak keys, identity. */
    private final java.util.WeakHashMap<Object, Held> recordByHandle = new java.util.WeakHashMap<>();
    private final Cleaner cleaner = Cleaner.create(r -> {
        Thread t = new Thread(r, "quiesce-validator-leaks");
        t.setDaemon(true);
        return t;
    });
    private final ThreadLocal<ArrayList<Held>> heldByThread = ThreadLocal.withInitial(ArrayList::new);
    private final ReentrantLock graphLock = new ReentrantLock();
    private final AtomicInteger nodeIds = new AtomicInteger();
    final AtomicLong foreignCloses = new AtomicLong();
    private final CodeSource library = Tracker.class.getProtectionDomain().getCodeSource();
    private final StackWalker walker = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    volatile java.util.function.Consumer<? super Report> handler = Engine::log;
    volatile boolean strict;
    volatile boolean endLeaked;

    Engine() {
    }

    // ------------------------------------------------------------------------------------------
    // Tracker

    @Override
    public Object lockClass(LockClass key, String kind, String name) {
        if (key != null) {
            return nodes.computeIfAbsent(key, k -> new Node(nodeIds.incrementAndGet(), key.toString(), kind, null));
        }
        String site = creationSite();
        return nodes.computeIfAbsent(kind + "@" + site,
                k -> new Node(nodeIds.incrementAndGet(), name, kind, site));
    }

    @Override
    public void waitFor(Object cls, Object instance, int mode, String what) {
        checkOrder((Node) cls, instance, mode, what);
    }

    @Override
    public void beforeAcquire(Object cls, Object instance, int mode) {
        checkOrder((Node) cls, instance, mode, null);
    }

    @Override
    public Object acquired(Object cls, Object instance, int mode, Object handle, Runnable forceEnd) {
        Held h = record((Node) cls, instance, mode, false, forceEnd);
        h.watch(handle);
        return h;
    }

    @Override
    public Object acquiredUnowned(Object cls, Object instance, int mode, Object handle) {
        Held h = record((Node) cls, instance, mode, false, null);
        heldByThread.get().remove(h);
        h.owner = null;
        h.history.set(0, "granted to a future on thread \"" + Thread.currentThread().getName() + "\"");
        h.watch(handle);
        return h;
    }

    @Override
    public void bind(Object handle, Object record) {
        synchronized (recordByHandle) {
            recordByHandle.put(handle, (Held) record);
        }
    }

    @Override
    public Object bound(Object handle) {
        synchronized (recordByHandle) {
            return recordByHandle.get(handle);
        }
    }

    @Override
    public void register(Object instance, Object cls) {
        synchronized (classByInstance) {
            classByInstance.put(instance, (Node) cls);
        }
    }

    @Override
    public Object classOf(Object instance) {
        synchronized (classByInstance) {
            return classByInstance.get(instance);
        }
    }

    @Override
    public boolean claim(Object record) {
        return record == null || ((Held) record).claim();
    }

    @Override
    public void released(Object record) {
        if (record == null) {
            return;                                        // acquired before tracking could see it
        }
        Held h = (Held) record;
        h.unwatch();
        if (h.endedBy != null) {
            report(Report.Kind.UNBALANCED, "closed " + h.describe() + " after the validator had ended it ("
                    + h.endedBy + "); the close did nothing\n  " + h.historyText());
            return;
        }
        close(h);
        Thread me = Thread.currentThread();
        Thread owner = h.owner;
        if (owner == me) {
            heldByThread.get().remove(h);
        } else {
            foreignCloses.incrementAndGet();
            if (strict) {
                report(Report.Kind.UNBALANCED, "closed " + h.describe() + " on thread \"" + me.getName()
                        + "\", which neither acquired nor attached it"
                        + (owner == null ? " (it was detached)" : " (thread \"" + owner.getName() + "\" holds it)")
                        + "\n  " + h.historyText());
            }
        }
    }

    @Override
    public void tokenAcquired(Object cls, Object instance, int mode) {
        record((Node) cls, instance, mode, true, null);
    }

    @Override
    public void tokenReleased(Object instance, String what) {
        ArrayList<Held> list = liveHeld();
        for (int i = list.size() - 1; i >= 0; i--) {
            Held h = list.get(i);
            if (h.instance == instance && h.token) {
                close(h);
                list.remove(i);
                return;
            }
        }
        report(Report.Kind.UNBALANCED, what + " of " + instance + " on thread \""
                + Thread.currentThread().getName() + "\", which holds nothing it acquired that way "
                + "(a section that ends on another thread needs downRead/upRead or a handle with detach())",
                null, new Throwable(what));
    }

    @Override
    public void detached(Object record, Object newHandle) {
        if (record == null) {
            return;
        }
        Held h = (Held) record;
        Thread me = Thread.currentThread();
        if (h.owner == me) {
            heldByThread.get().remove(h);
        }
        h.owner = null;
        h.history.add("detached on thread \"" + me.getName() + "\" at " + creationSite());
        h.unwatch();
        h.watch(newHandle);
    }

    @Override
    public void attached(Object record) {
        if (record == null) {
            return;
        }
        Held h = (Held) record;
        Thread me = Thread.currentThread();
        if (h.owner == me) {
            return;
        }
        h.owner = me;
        h.history.add("attached on thread \"" + me.getName() + "\" at " + creationSite());
        heldByThread.get().add(h);
    }

    @Override
    public String describeOpen(Object instance) {
        Set<Held> open = openByInstance.get(instance);
        if (open == null || open.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (Held h : open) {
            Thread owner = h.owner;
            sb.append("\n  ").append(modeWord(h.mode)).append(owner != null
                    ? " held by thread \"" + owner.getName() + "\""
                    : " detached, held by no thread (" + h.history.get(h.history.size() - 1) + ")")
              .append("; acquired at:\n").append(Frames.text(h.acquiredAt));
        }
        return sb.toString();
    }

    private Held record(Node cls, Object instance, int mode, boolean token, Runnable forceEnd) {
        Held h = new Held(this, cls, instance, mode, Thread.currentThread(), new Throwable("acquired"), token, forceEnd);
        heldByThread.get().add(h);
        openByInstance.computeIfAbsent(instance, k -> ConcurrentHashMap.newKeySet()).add(h);
        return h;
    }

    private void close(Held h) {
        h.open = false;
        Set<Held> open = openByInstance.get(h.instance);
        if (open != null) {
            open.remove(h);
        }
    }

    /** Runs on the Cleaner's thread when a handle became unreachable while it still owned h. */
    void leaked(Held h) {
        if (!h.open) {
            return;
        }
        String blocked;
        if (h.forceEnd != null && endLeaked && h.claim()) {
            h.endedBy = "leaked";
            close(h);
            try {
                h.forceEnd.run();
            } catch (RuntimeException e) {
                report(Report.Kind.LEAK, "could not end the leaked " + h.describe() + ": " + e, e, null);
                return;
            }
            blocked = "the validator's leak policy has ended it, so grace periods go on";
        } else {
            blocked = h.mode == READ_RECURSIVE
                    ? "no grace period of this domain can complete again: every synchronize() will wait for ever"
                    : "Revocable".equals(h.cls.kind)
                    ? "revoke() will wait for ever, and the release action will never run"
                    : "no writer can acquire it again, and kill() will wait for ever";
        }
        report(Report.Kind.LEAK, "a handle became unreachable while open: " + h.describe() + "; " + blocked
                + "\n  " + h.historyText());
    }

    // ------------------------------------------------------------------------------------------
    // Leases

    volatile java.util.function.LongSupplier clock = System::nanoTime;
    private final Set<Held> leased = ConcurrentHashMap.newKeySet();
    private volatile Thread leaseChecker;

    void lease(Object record, long nanos) {
        Held h = (Held) record;
        if (!h.open) {
            throw new IllegalStateException("cannot lease a closed handle: " + h.describe());
        }
        long now = clock.getAsLong();
        h.leaseDeadline = nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
        h.leaseReported = false;
        h.history.add("leased for " + java.time.Duration.ofNanos(nanos) + " at " + creationSite());
        leased.add(h);
        startLeaseChecker();
    }

    /** Reports every open handle past its lease, once; ends read sections under the policy. */
    int checkLeases() {
        long now = clock.getAsLong();
        int expired = 0;
        for (Held h : leased) {
            if (!h.open) {
                leased.remove(h);
                continue;
            }
            if (h.leaseReported || now - h.leaseDeadline < 0) {
                continue;
            }
            h.leaseReported = true;
            expired++;
            String outcome = "it still blocks " + (h.mode == READ_RECURSIVE ? "grace periods"
                    : "Revocable".equals(h.cls.kind) ? "revoke()" : "writers");
            if (h.forceEnd != null && endLeaked && h.claim()) {
                h.endedBy = "lease expired";
                close(h);
                leased.remove(h);
                try {
                    h.forceEnd.run();
                    outcome = "the validator's policy has ended it, so grace periods go on";
                } catch (RuntimeException e) {
                    outcome = "ending it failed: " + e;
                }
            }
            Thread owner = h.owner;
            report(Report.Kind.LEASE_EXPIRED, h.describe() + " is past its lease by "
                    + java.time.Duration.ofNanos(now - h.leaseDeadline) + ", "
                    + (owner != null ? "held by thread \"" + owner.getName() + "\"" : "detached, held by no thread")
                    + "; " + outcome + "\n  " + h.historyText());
        }
        return expired;
    }

    private void startLeaseChecker() {
        if (leaseChecker != null) {
            return;
        }
        synchronized (leased) {
            if (leaseChecker != null) {
                return;
            }
            Thread t = new Thread(() -> {
                for (;;) {
                    java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.SECONDS.toNanos(1));
                    try {
                        checkLeases();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "lease check failed", e);
                    }
                }
            }, "quiesce-validator-leases");
            t.setDaemon(true);
            leaseChecker = t;
            t.start();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Queries for Validator

    boolean holds(Object instance) {
        for (Held h : liveHeld()) {
            if (h.instance == instance) {
                return true;
            }
        }
        return false;
    }

    /** The strongest mode in which the current thread holds instance, or -1. */
    int heldMode(Object instance) {
        int mode = -1;
        for (Held h : liveHeld()) {
            if (h.instance == instance) {
                mode = Math.max(mode, h.mode);
            }
        }
        return mode;
    }

    /** What the current thread holds now, to compare after a task (see TrackedExecutor). */
    List<Held> snapshotHeld() {
        return new ArrayList<>(liveHeld());
    }

    /** Reports what a task acquired and still holds, and takes it off the pool thread. */
    void taskEnded(List<Held> before, Object task) {
        ArrayList<Held> list = liveHeld();
        if (list.size() == before.size()) {
            return;                                        // the common case: nothing new
        }
        Thread me = Thread.currentThread();
        for (Held h : new ArrayList<>(list)) {
            if (!before.contains(h)) {
                h.owner = null;                            // still open, but no longer this thread's
                h.history.add("abandoned by a task that ended on thread \"" + me.getName() + "\"");
                list.remove(h);
                report(Report.Kind.TASK_HELD, "task " + task + " ended on thread \"" + me.getName()
                        + "\" still holding " + h.describe() + " (detach() a handle that another thread "
                        + "will close)\n  " + h.historyText());
            }
        }
    }

    String heldText() {
        StringBuilder sb = new StringBuilder();
        for (Held h : liveHeld()) {
            sb.append("\n  ").append(h.describe());
        }
        return sb.length() == 0 ? "\n  (nothing)" : sb.toString();
    }

    /** The current thread's records that are still open and still its own. */
    private ArrayList<Held> liveHeld() {
        ArrayList<Held> list = heldByThread.get();
        Thread me = Thread.currentThread();
        list.removeIf(h -> !h.open || h.owner != me);
        return list;
    }

    // ------------------------------------------------------------------------------------------
    // Order checking

    private void checkOrder(Node target, Object instance, int mode, String what) {
        List<Held> held = liveHeld();
        if (held.isEmpty()) {
            return;
        }
        // What this thread holds of the very instance it is about to wait for first: if that
        // closes the class's self-edge, the report is the exact one (a self-deadlock), not the
        // two-instance one that another record of the class would give.
        ArrayList<Held> ordered = new ArrayList<>(held.size());
        for (Held h : held) {
            if (h.instance == instance) {
                ordered.add(h);
            }
        }
        for (Held h : held) {
            if (h.instance != instance) {
                ordered.add(h);
            }
        }
        for (Held h : ordered) {
            addEdge(h, target, instance, mode, what);
        }
    }

    private void addEdge(Held held, Node to, Object instance, int toMode, String what) {
        boolean fromShared = held.mode != WRITE;
        boolean toRecursive = toMode == READ_RECURSIVE;
        Node from = held.cls;
        EdgeKey key = new EdgeKey(to, fromShared, toRecursive);
        if (from.out.containsKey(key)) {
            return;                                        // benign race: checked under the lock below
        }
        List<Edge> cycle;
        Edge edge;
        graphLock.lock();
        try {
            if (from.out.containsKey(key)) {
                return;
            }
            edge = new Edge(from, to, fromShared, toRecursive, held.mode, toMode,
                    Thread.currentThread().getName(), new Throwable("first use"), what);
            cycle = strongCycle(edge);
            from.out.put(key, edge);
        } finally {
            graphLock.unlock();
        }
        if (cycle != null) {
            report(Report.Kind.LOCK_ORDER, cycleReport(edge, cycle, held, instance), null, null);
        }
    }

    /**
     * Returns the existing path to -> ... -> from that closes a strong cycle with the new edge,
     * or null. Breadth-first over (node, entered-by-recursive-read) states.
     */
    private List<Edge> strongCycle(Edge added) {
        if (added.to == added.from) {
            return added.toRecursive && added.fromShared ? null : List.of();
        }
        Map<State, Edge> via = new HashMap<>();
        ArrayDeque<State> queue = new ArrayDeque<>();
        State start = new State(added.to, added.toRecursive);
        via.put(start, null);
        queue.add(start);
        while (!queue.isEmpty()) {
            State s = queue.poll();
            for (Edge e : s.node.out.values()) {
                if (s.enteredRecursive && e.fromShared) {
                    continue;                              // not strong through this node
                }
                State next = new State(e.to, e.toRecursive);
                if (via.containsKey(next)) {
                    continue;
                }
                via.put(next, e);
                if (e.to == added.from && !(e.toRecursive && added.fromShared)) {
                    ArrayList<Edge> path = new ArrayList<>();
                    for (State t = next; via.get(t) != null; ) {
                        Edge p = via.get(t);
                        path.add(0, p);
                        t = stateBefore(via, p);
                    }
                    return path;
                }
                queue.add(next);
            }
        }
        return null;
    }

    private static State stateBefore(Map<State, Edge> via, Edge e) {
        State a = new State(e.from, false);
        State b = new State(e.from, true);
        return via.containsKey(a) ? a : b;
    }

    private String cycleReport(Edge added, List<Edge> path, Held held, Object instance) {
        StringBuilder sb = new StringBuilder();
        sb.append("possible circular locking dependency\n");
        sb.append("thread \"").append(added.thread).append("\" is trying to ")
          .append(added.what != null ? "wait in " + added.what + " of " : "acquire ")
          .append(added.to.describe()).append(' ').append(modeWord(added.toMode))
          .append("\nwhile holding ").append(added.from.describe()).append(' ').append(modeWord(added.fromMode))
          .append(", acquired at:\n").append(Frames.text(held.acquiredAt));
        if (path.isEmpty() && held.instance == instance) {
            sb.append('\n').append(selfWait(held, added, instance));
        } else if (path.isEmpty()) {
            sb.append("\nboth are the same lock class, two instances of it (").append(held.instance)
              .append(" held, ").append(instance).append(" awaited): a ").append(modeWord(added.toMode))
              .append(" acquire while holding another instance ").append(modeWord(added.fromMode))
              .append(" can wait for itself when two threads nest them in opposite orders (if this nesting"
                      + " always goes one way, declare it with LockClass.subclass)");
        } else {
            sb.append("\nwhich closes this existing chain:");
            int i = 1;
            for (Edge e : path) {
                sb.append("\n#").append(i++).append(" held ").append(e.from.describe()).append(' ')
                  .append(modeWord(e.fromMode)).append(", then ")
                  .append(e.what != null ? "waited in " + e.what + " of " : "acquired ")
                  .append(e.to.describe()).append(' ').append(modeWord(e.toMode))
                  .append(" — first seen on thread \"").append(e.thread).append("\" at:\n")
                  .append(Frames.text(e.firstUse));
            }
        }
        sb.append("\nthis acquisition:\n").append(Frames.text(added.firstUse));
        return sb.toString();
    }

    /**
     * The explanation of a wait for an instance that the waiting thread itself holds: the wait
     * is for the thread's own section, permit or lock — not an ordering between two instances
     * of one class, so no subclass can fix it.
     */
    private static String selfWait(Held held, Edge added, Object instance) {
        String mine = heldWord(held.cls.kind, held.mode);
        String same = "this is the same instance, " + instance + ", not two instances of one class"
                + " (so LockClass.subclass does not apply): ";
        if (held.mode == READ && added.toMode == READ) {
            return same + "a second shared acquire of it queues behind any writer that comes meanwhile, and that"
                    + " writer waits for the " + mine + " this thread holds — a deadlock as soon as a writer queues"
                    + " (shared acquires are not reentrant: use the " + mine + " already held)";
        }
        String wait = added.what != null ? added.what : "this acquire";
        String fix = held.mode == READ_RECURSIVE ? "end the read section before " + wait
                : "Revocable".equals(held.cls.kind) ? "close the access before " + wait
                : held.mode == READ ? "release the " + mine + " before " + wait + " (there is no upgrade)"
                : "release the " + mine + " before " + wait + " (it is not reentrant)";
        return same + "the thread would wait for its own " + mine + ", which can never end while it waits"
                + " — a self-deadlock; " + fix;
    }

    /** What a record of this kind and mode is called in the user's words. */
    private static String heldWord(String kind, int mode) {
        if (mode == READ_RECURSIVE) {
            return "read section";
        }
        switch (kind) {
            case "Revocable":
                return mode == READ ? "access" : "revocation";
            case "Lock":
                return "lock";
            case "ReadWriteLock":
                return mode == READ ? "read lock" : "write lock";
            default:
                return mode == READ ? "shared permit" : "exclusive permit";
        }
    }

    private static String modeWord(int mode) {
        return mode == WRITE ? "(exclusive)" : mode == READ ? "(shared)" : "(read section)";
    }

    // ------------------------------------------------------------------------------------------
    // Reports

    void report(Report.Kind kind, String message) {
        report(kind, message, null, null);
    }

    private void report(Report.Kind kind, String message, Throwable cause, Throwable where) {
        String text = where == null ? message : message + "\n" + Frames.text(where);
        Report r = new Report(kind, "validator", text, cause);
        dev.quiesce.internal.Events.report(r);
        handler.accept(r);
    }

    static void log(Report r) {
        LOG.log(System.Logger.Level.ERROR, r.toString(), r.cause());
    }

    /** The first caller frame outside this library and the JDK: where a primitive was created, or a hand-off made. */
    private String creationSite() {
        return walker.walk(frames -> frames
                .filter(f -> !isLibraryOrJdk(f.getDeclaringClass()))
                .findFirst()
                .map(Frames::site)
                .orElse("unknown site"));
    }

    private boolean isLibraryOrJdk(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("jdk.") || n.startsWith("sun.")
                || Objects.equals(c.getProtectionDomain().getCodeSource(), library);
    }

    // ------------------------------------------------------------------------------------------
    // Records

    static final class Node {
        final int id;
        final String label;
        final String kind;
        final String site;
        final Map<EdgeKey, Edge> out = new ConcurrentHashMap<>();

        Node(int id, String label, String kind, String site) {
            this.id = id;
            this.label = label;
            this.kind = kind;
            this.site = site;
        }

        String describe() {
            return kind + " class '" + label + "'" + (site != null ? " (created at " + site + ")" : "");
        }
    }

    static final class EdgeKey {
        final Node to;
        final boolean fromShared;
        final boolean toRecursive;

        EdgeKey(Node to, boolean fromShared, boolean toRecursive) {
            this.to = to;
            this.fromShared = fromShared;
            this.toRecursive = toRecursive;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EdgeKey && ((EdgeKey) o).to == to && ((EdgeKey) o).fromShared == fromShared
                    && ((EdgeKey) o).toRecursive == toRecursive;
        }

        @Override
        public int hashCode() {
            return to.id * 4 + (fromShared ? 2 : 0) + (toRecursive ? 1 : 0);
        }
    }

    static final class Edge {
        final Node from;
        final Node to;
        final boolean fromShared;
        final boolean toRecursive;
        final int fromMode;
        final int toMode;
        final String thread;
        final Throwable firstUse;
        final String what;

        Edge(Node from, Node to, boolean fromShared, boolean toRecursive, int fromMode, int toMode,
             String thread, Throwable firstUse, String what) {
            this.from = from;
            this.to = to;
            this.fromShared = fromShared;
            this.toRecursive = toRecursive;
            this.fromMode = fromMode;
            this.toMode = toMode;
            this.thread = thread;
            this.firstUse = firstUse;
            this.what = what;
        }
    }

    static final class State {
        final Node node;
        final boolean enteredRecursive;

        State(Node node, boolean enteredRecursive) {
            this.node = node;
            this.enteredRecursive = enteredRecursive;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State && ((State) o).node == node && ((State) o).enteredRecursive == enteredRecursive;
        }

        @Override
        public int hashCode() {
            return node.id * 2 + (enteredRecursive ? 1 : 0);
        }
    }

    static final class Held {
        final Engine engine;
        final Node cls;
        final Object instance;
        final int mode;
        final Throwable acquiredAt;
        final boolean token;                               // a readLock section: no handle
        final Runnable forceEnd;
        final List<String> history = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile Thread owner;
        volatile boolean open = true;
        /** Why the validator ended it (leaked, lease expired), or null. */
        volatile String endedBy;
        /** Deadline on the validator's clock, or Long.MIN_VALUE for none. */
        volatile long leaseDeadline = Long.MIN_VALUE;
        volatile boolean leaseReported;
        private final java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile Watch watch;

        /** The one release of the counts: the owner's close or the validator's policy, never both. */
        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        Held(Engine engine, Node cls, Object instance, int mode, Thread owner, Throwable acquiredAt,
             boolean token, Runnable forceEnd) {
            this.engine = engine;
            this.cls = cls;
            this.instance = instance;
            this.mode = mode;
            this.owner = owner;
            this.acquiredAt = acquiredAt;
            this.token = token;
            this.forceEnd = forceEnd;
            history.add("acquired on thread \"" + owner.getName() + "\"");
        }

        /** Registers a leak check on handle; the action refers to this record, never to the handle. */
        void watch(Object handle) {
            Watch w = new Watch(this);
            w.cleanable = engine.cleaner.register(handle, w);
            watch = w;
        }

        void unwatch() {
            Watch w = watch;
            if (w != null) {
                w.cancelled = true;
                w.cleanable.clean();
            }
        }

        String describe() {
            return instance + " " + modeWord(mode) + " of " + cls.describe();
        }

        String historyText() {
            return String.join("\n  ", history) + "\nacquired at:\n" + Frames.text(acquiredAt);
        }
    }

    /** The Cleaner action of one handle. */
    static final class Watch implements Runnable {
        final Held held;
        volatile boolean cancelled;
        Cleaner.Cleanable cleanable;

        Watch(Held held) {
            this.held = held;
        }

        @Override
        public void run() {
            if (!cancelled) {
                held.engine.leaked(held);
            }
        }
    }
}
