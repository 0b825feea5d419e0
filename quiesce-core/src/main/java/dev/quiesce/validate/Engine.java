package dev.quiesce.validate;

import dev.quiesce.LockClass;
import dev.quiesce.Report;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;
import dev.quiesce.internal.Events;
import dev.quiesce.internal.Tracker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.security.CodeSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The validator behind {@link Tracker}: lock classes, the threads' held sets, and the graph of
 * "held A, then acquired B" edges, checked for cycles that can deadlock.
 */
final class Engine extends Tracker {

    /*
     * Implementation notes.
     *
     * Classes. A node per lock class: an explicit LockClass (by identity) or a creation site (the
     * first frame whose class does not come from this library's code source). A node's label is
     * the LockClass's name, or the site's "File.java:line"; the instance's own name is never a
     * class label (the first instance created at a line used to name the class of every later
     * one). Reports name the instance and its class separately, and give a class's full creation
     * frame once per report.
     *
     * Held sets. Every acquisition is a Held record: class, instance, mode, the thread that holds
     * it now (null while detached), its acquisition stack (see Cost) and hand-off history. A
     * thread's list holds the records it acquired or attached; records that were released or
     * moved to another thread are dropped lazily when the list is next read, because another
     * thread cannot safely edit this thread's list. A handle's record is found through the
     * handle (WeakTable, weak identity keys); token-form sections (readLock, a wrapped JDK lock)
     * have no handle and are matched per thread and instance, most recent first.
     *
     * Leaks. The weak reference through which a handle's record is found is also its leak
     * watch: when a handle is collected while its record is open and still watched through it,
     * the reference-queue thread reports it — and, under the opt-in policy, ends a read section
     * through the record's forceEnd so grace periods go on. Permits have no forceEnd: ending one
     * would break exclusion.
     *
     * Cost (what "cheap enough to leave on in staging" took; before, the demo ran 4 to 12 times
     * slower with validation on). Per acquisition the hot path allocates a record and a weak
     * reference, and touches only concurrent maps: no JVM-wide monitor (classes and records used
     * to sit in synchronized WeakHashMaps, and leak watches in a Cleaner, whose list takes one lock
     * per registration and per clean()), no stack walk (a hand-off used to walk the stack for its
     * site, and every acquisition captured a Throwable). As lockdep, a stack is recorded when an
     * edge is first seen, never for an edge already known; acquisition stacks, which only leak,
     * lease, stall and task reports and the held lock of a cycle report show, are recorded at the
     * level of Validator.LeakStacks (Netty's ResourceLeakDetector levels): at SIMPLE, the default,
     * the first acquisition of each class and one in SAMPLING_INTERVAL after it, at random. Every
     * handle is tracked at every level: only its stack is sampled. Hand-off history keeps the
     * event and the thread's name; sites of detach()/attach() only at PARANOID.
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
     * target back to its source. All graph changes happen under one lock: edges are added rarely
     * (once per distinct pair and type).
     *
     * Try-acquires (as lockdep's trylock): a try never waits, so the primitives do not call
     * beforeAcquire for it and it adds no edge into its class; once held, it is a record like any
     * other, and what is acquired under it adds edges from its class.
     *
     * Self-edges. A cycle of one class (A -> A) has two causes with different fixes: two
     * instances of the class nested (declare the order with LockClass.subclass), or a wait for the
     * very instance the thread holds (a self-deadlock: no subclass helps; the section, permit or
     * access must end first). checkOrder() is told the awaited instance and tries the thread's
     * records of that instance first, so the report that the class's first self-edge produces
     * says which case it saw (cycleReport(), selfWait()). As every edge, it is reported once.
     */

    static final System.Logger LOG = System.getLogger("dev.quiesce.validate");
    /** At {@link Validator.LeakStacks#SIMPLE}, one acquisition in this many records its stack. */
    static final int SAMPLING_INTERVAL = 128;

    private final ConcurrentHashMap<Object, Node> nodes = new ConcurrentHashMap<>();
    /**
     * The open records that no handle's entry leads to — token-form sections (readLock, a
     * wrapped JDK lock) and leaked handles' records that stay open — for stall reports; a handle's
     * open record is found through the handle's entry (see describeOpen).
     */
    private final Set<Held>[] openUnbound = unboundStripes();
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();
    /** Classes of primitives that keep no field for them (a semaphore stays small). */
    private final WeakTable classByInstance = new WeakTable(collected);
    /** Records of handles, which keep no field for them, and their leak watches. */
    private final WeakTable recordByHandle = new WeakTable(collected);
    private final ThreadLocal<ArrayList<Held>> heldByThread = ThreadLocal.withInitial(ArrayList::new);
    private final ReentrantLock graphLock = new ReentrantLock();
    private final AtomicInteger nodeIds = new AtomicInteger();
    final AtomicLong foreignCloses = new AtomicLong();
    private final CodeSource library = Tracker.class.getProtectionDomain().getCodeSource();
    private final StackWalker walker = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** The user's handler, in addition to the log and JFR; null for none. */
    volatile Consumer<? super Report> handler;
    volatile boolean logReports = true;
    /** Where reports are logged: the "dev.quiesce.validate" logger; tests replace it. */
    volatile System.Logger logger = LOG;
    volatile Validator.LeakStacks leakStacks = initialLeakStacks();
    volatile boolean strict;
    volatile boolean endLeaked;

    Engine() {
        Thread t = new Thread(this::reportCollected, "quiesce-validator-leaks");
        t.setDaemon(true);
        t.start();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Set<Held>[] unboundStripes() {
        Set[] stripes = new Set[WeakTable.STRIPES];        // striped as WeakTable, for the same reason
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = ConcurrentHashMap.newKeySet();
        }
        return stripes;
    }

    private Set<Held> unboundStripe(Held h) {
        return openUnbound[WeakTable.stripe(h.hash)];
    }

    private static Validator.LeakStacks initialLeakStacks() {
        String v = System.getProperty(Validator.LEAK_STACKS_PROPERTY);
        if (v == null || v.isBlank()) {
            return Validator.LeakStacks.SIMPLE;
        }
        try {
            return Validator.LeakStacks.valueOf(v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "-D" + Validator.LEAK_STACKS_PROPERTY + "=" + v
                    + " is not one of disabled, simple, advanced, paranoid; using simple");
            return Validator.LeakStacks.SIMPLE;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Tracker

    @Override
    public Object lockClass(LockClass key, String kind, String name) {
        if (key != null) {
            return nodes.computeIfAbsent(key, k -> new Node(nodeIds.incrementAndGet(), key.toString(), kind, null));
        }
        StackWalker.StackFrame f = creationFrame();
        String site = f == null ? "unknown site" : Frames.site(f);
        String label = f == null ? "unknown site" : f.getFileName() + ":" + f.getLineNumber();
        return nodes.computeIfAbsent(kind + "@" + site, k -> new Node(nodeIds.incrementAndGet(), label, kind, site));
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
        Held h = record((Node) cls, instance, mode, false, forceEnd, "acquired");
        heldByThread.get().add(h);
        h.watch(recordByHandle.entryOfNew(handle));
        return h;
    }

    @Override
    public Object acquiredUnowned(Object cls, Object instance, int mode, Object handle) {
        Held h = record((Node) cls, instance, mode, false, null, "granted to a future");
        h.owner = null;
        h.watch(recordByHandle.entryOfNew(handle));
        return h;
    }

    @Override
    public void bind(Object handle, Object record) {
        if (record instanceof Held) {
            Held h = (Held) record;
            WeakTable.Ref w = h.watch;
            if (w != null && w.refersTo(handle)) {
                return;                                    // acquired() made and watched this entry
            }
            WeakTable.Ref r = recordByHandle.entryOfNew(handle);   // detach(): a new handle
            r.value = h;
            h.bound = r;
            return;
        }
        recordByHandle.entry(handle).value = record;
    }

    @Override
    public Object bound(Object handle) {
        WeakTable.Ref r = recordByHandle.get(handle);
        return r == null ? null : r.value;
    }

    @Override
    public void register(Object instance, Object cls) {
        classByInstance.entry(instance).value = cls;
    }

    @Override
    public Object classOf(Object instance) {
        WeakTable.Ref r = classByInstance.get(instance);
        return r == null ? null : r.value;
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
                        + (owner == null ? " (no thread holds it: attach() it on the closing thread before"
                                + " closing it, as in handle.attach().close(), which track() and"
                                + " closeOnCompletion() do)"
                                : " (thread \"" + owner.getName() + "\" holds it)")
                        + "\n  " + h.historyText());
            }
        }
    }

    @Override
    public void tokenAcquired(Object cls, Object instance, int mode) {
        heldByThread.get().add(record((Node) cls, instance, mode, true, null, "acquired"));
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
        h.step("detached", me, leakStacks == Validator.LeakStacks.PARANOID ? creationSite() : null);
        h.unwatch();
        WeakTable.Ref bound = h.bound;                     // bind(newHandle, record) came first
        h.watch(bound != null && bound.refersTo(newHandle) ? bound : recordByHandle.entry(newHandle));
        h.bound = null;
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
        h.step("attached", me, leakStacks == Validator.LeakStacks.PARANOID ? creationSite() : null);
        heldByThread.get().add(h);
    }

    @Override
    public String describeOpen(Object instance) {
        StringBuilder sb = new StringBuilder();
        recordByHandle.forEachValue(v -> {
            if (v instanceof Held && ((Held) v).instance == instance && ((Held) v).open) {
                describeOpen(sb, (Held) v);
            }
        });
        for (Set<Held> stripe : openUnbound) {
            for (Held h : stripe) {
                if (h.instance == instance && h.open) {
                    describeOpen(sb, h);
                }
            }
        }
        return sb.toString();
    }

    private static void describeOpen(StringBuilder sb, Held h) {
        Thread owner = h.owner;
        sb.append("\n  ").append(modeWord(h.mode)).append(owner != null
                ? " held by thread \"" + owner.getName() + "\""
                : " detached, held by no thread (" + h.lastStep() + ")")
          .append("; ").append(h.stackText());
    }

    /** A new record, open, of the current thread (the caller adds it to the thread's list if it holds it). */
    private Held record(Node cls, Object instance, int mode, boolean token, Runnable forceEnd, String event) {
        Validator.LeakStacks level = leakStacks;
        Held h = new Held(this, cls, instance, mode, Thread.currentThread(), acquisitionStack(cls, level), level,
                token, forceEnd, event);
        if (token) {
            h.unbound = true;
            unboundStripe(h).add(h);
        }
        return h;
    }

    /** The acquisition stack to keep at this level, or null (see Cost in the notes). */
    private static Throwable acquisitionStack(Node cls, Validator.LeakStacks level) {
        switch (level) {
            case DISABLED:
                return null;
            case SIMPLE:
                if (!cls.stackRecorded) {
                    cls.stackRecorded = true;              // a benign race: two firsts at most cost two stacks
                    return new Throwable("acquired");
                }
                return ThreadLocalRandom.current().nextInt(SAMPLING_INTERVAL) == 0 ? new Throwable("acquired") : null;
            default:
                return new Throwable("acquired");
        }
    }

    private void close(Held h) {
        h.open = false;
        if (h.unbound) {
            unboundStripe(h).remove(h);
        }
    }

    /** The reference-queue thread: expunges collected keys and reports handles collected while open. */
    private void reportCollected() {
        for (;;) {
            try {
                Reference<?> r = collected.remove();
                WeakTable.Ref ref = (WeakTable.Ref) r;
                ref.table.expunge(ref);
                Held h = ref.watched;
                if (h != null) {
                    leaked(h);
                }
            } catch (InterruptedException e) {
                // a daemon thread nobody interrupts on purpose: go on
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "reporting a leaked handle failed", e);
            }
        }
    }

    /** Runs on the reference-queue thread when a handle was collected while it still owned h. */
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
        h.unbound = true;                                  // still open, and its handle's entry is gone
        unboundStripe(h).add(h);
        if (!h.open) {
            unboundStripe(h).remove(h);                         // closed meanwhile (through the record: a lease's policy)
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
        h.step("leased for " + java.time.Duration.ofNanos(nanos), Thread.currentThread(), creationSite());
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
            if (now - h.leaseDeadline < 0 || !h.claimLeaseReport()) {
                continue;                                  // not due, or reported (by the lease thread or a caller)
            }
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
                h.step("abandoned by a task that ended", me, null);
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
        int kept = 0;
        for (int i = 0, n = list.size(); i < n; i++) {
            Held h = list.get(i);
            if (h.open && h.owner == me) {
                list.set(kept++, h);
            }
        }
        for (int i = list.size() - 1; i >= kept; i--) {
            list.remove(i);                                // from the end: no shifting
        }
        return list;
    }

    // ------------------------------------------------------------------------------------------
    // Order checking

    private void checkOrder(Node target, Object instance, int mode, String what) {
        List<Held> held = liveHeld();
        // What this thread holds of the very instance it is about to wait for first: if that
        // closes the class's self-edge, the report is the exact one (a self-deadlock), not the
        // two-instance one that another record of the class would give.
        for (int i = 0, n = held.size(); i < n; i++) {
            Held h = held.get(i);
            if (h.instance == instance) {
                addEdge(h, target, instance, mode, what);
            }
        }
        for (int i = 0, n = held.size(); i < n; i++) {
            Held h = held.get(i);
            if (h.instance != instance) {
                addEdge(h, target, instance, mode, what);
            }
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
                    Thread.currentThread().getName(), new Throwable("first use"), what,
                    nameOf(held.instance), nameOf(instance));
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
        Mentions m = new Mentions();
        StringBuilder sb = new StringBuilder();
        sb.append("possible circular locking dependency\n");
        sb.append("thread \"").append(added.thread).append("\" is trying to ")
          .append(added.what != null ? "wait in " + added.what + " of " : "acquire ")
          .append(m.instance(added.to, added.toName, added.toMode))
          .append("\nwhile holding ").append(m.instance(added.from, added.fromName, added.fromMode))
          .append(", ").append(held.stackText());
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
                sb.append("\n#").append(i++).append(" held ").append(m.instance(e.from, e.fromName, e.fromMode))
                  .append(", then ").append(e.what != null ? "waited in " + e.what + " of " : "acquired ")
                  .append(m.instance(e.to, e.toName, e.toMode))
                  .append(" — first seen on thread \"").append(e.thread).append("\" at:\n")
                  .append(Frames.text(e.firstUse));
            }
        }
        sb.append("\nthis acquisition:\n").append(Frames.text(added.firstUse));
        sb.append('\n').append(scenario(added, path, held, instance));
        return sb.toString();
    }

    /**
     * The kernel's "Possible unsafe locking scenario" (lockdep.c, print_circular_lock_scenario),
     * one column per thread: what each holds, then what each waits for. rlock is a shared acquire
     * or a read section, lock an exclusive acquire, sync a wait for every reader. Unlike the
     * kernel, which shows the last link of a longer chain only, every link gets its thread.
     */
    static String scenario(Edge added, List<Edge> path, Held held, Object instance) {
        List<List<String>> rows = new ArrayList<>();        // each row: {column, text}
        boolean selfWait = path.isEmpty() && held.instance == instance;
        boolean sameClass = path.isEmpty() && !selfWait;
        String heldName = sameClass ? added.from.label + " '" + added.fromName + "'" : added.from.label;
        String wantedName = sameClass ? added.to.label + " '" + added.toName + "'" : added.to.label;
        rows.add(List.of("0", verb(held.mode, null) + "(" + heldName + ");"));
        if (sameClass) {
            rows.add(List.of("1", verb(held.mode, null) + "(" + wantedName + ");"));
            rows.add(List.of("1", verb(added.toMode, added.what) + "(" + heldName + ");"));
        }
        for (int i = 0; i < path.size(); i++) {
            rows.add(List.of(Integer.toString(i + 1), verb(path.get(i).fromMode, null) + "(" + path.get(i).from.label + ");"));
        }
        for (int i = 0; i < path.size(); i++) {
            Edge e = path.get(i);
            rows.add(List.of(Integer.toString(i + 1), verb(e.toMode, e.what) + "(" + e.to.label + ");"));
        }
        rows.add(List.of("0", verb(added.toMode, added.what) + "(" + wantedName + ");"));
        int columns = selfWait ? 1 : sameClass ? 2 : path.size() + 1;
        int width = 24;
        for (List<String> r : rows) {
            width = Math.max(width, r.get(1).length() + 2);
        }
        StringBuilder sb = new StringBuilder("possible unsafe locking scenario:\n\n");
        StringBuilder title = new StringBuilder();
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < columns; c++) {                // as the kernel's: the first title indented
            pad(title, 7 + c * width).append("Thread ").append(c + 1);
            pad(rule, 7 + c * width).append("--------");
        }
        sb.append(title).append('\n').append(rule).append('\n');
        for (List<String> r : rows) {
            int c = Integer.parseInt(r.get(0));
            StringBuilder line = new StringBuilder();
            pad(line, c == 0 ? 2 : 7 + c * width).append(r.get(1));
            sb.append(line).append('\n');
        }
        sb.append("\n *** DEADLOCK ***\n(rlock: a shared acquire or a read section; lock: an exclusive acquire;"
                + " sync: a wait for every reader, such as synchronize(), barrier(), kill(), revoke())");
        return sb.toString();
    }

    private static StringBuilder pad(StringBuilder sb, int column) {
        while (sb.length() < column) {
            sb.append(' ');
        }
        return sb;
    }

    /** The kernel's words for an acquisition in the scenario: rlock, lock, or sync for a wait. */
    private static String verb(int mode, String what) {
        return what != null ? "sync" : mode == WRITE ? "lock" : "rlock";
    }

    /** The name of an instance in reports: its own name, never its class's label. */
    static String nameOf(Object instance) {
        if (instance instanceof Srcu) {
            return ((Srcu) instance).name();
        }
        if (instance instanceof RwSemaphore) {
            return ((RwSemaphore) instance).name();
        }
        return instance.getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(instance));
    }

    /** The classes one report mentions: each one's creation site is given at its first mention only. */
    static final class Mentions {
        private final Set<Node> introduced = new HashSet<>();

        /** "Srcu 'inodes' (exclusive) of class 'LockOrder.java:13' (created at …)". */
        String instance(Node cls, String name, int mode) {
            return cls.kind + " '" + name + "' " + modeWord(mode) + " of " + cls(cls);
        }

        String cls(Node cls) {
            return "class '" + cls.label + "'"
                    + (cls.site != null && introduced.add(cls) ? " (created at " + cls.site + ")" : "");
        }
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
        String wait = added.what != null ? added.what : "this acquire";
        if (held.unbound && !held.token) {                 // leaked(): its handle was collected
            return same + "the thread would wait for its own " + mine + ", which leaked (its handle was"
                    + " collected while open; the LEAK report names where it was taken), so nothing can"
                    + " release it and " + wait + " cannot succeed — a self-deadlock; close a handle before"
                    + " dropping it";
        }
        if (held.mode == READ && added.toMode == READ) {
            return same + "a second shared acquire of it queues behind any writer that comes meanwhile, and that"
                    + " writer waits for the " + mine + " this thread holds — a deadlock as soon as a writer queues"
                    + " (shared acquires are not reentrant: use the " + mine + " already held)";
        }
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

    /**
     * Delivers a validator report: a JFR event, the log (unless turned off), then the user's
     * handler, whose exception reaches the thread that is reported.
     */
    private void report(Report.Kind kind, String message, Throwable cause, Throwable where) {
        String text = where == null ? message : message + "\n" + Frames.text(where);
        Report r = new Report(kind, Report.VALIDATOR, text, cause);
        Events.report(r);
        if (logReports) {
            logger.log(System.Logger.Level.ERROR, r.toString(), cause);
        }
        Consumer<? super Report> h = handler;
        if (h != null) {
            h.accept(r);
        }
    }

    /** The first caller frame outside this library and the JDK: where a primitive was created, or a hand-off made. */
    private String creationSite() {
        StackWalker.StackFrame f = creationFrame();
        return f == null ? "unknown site" : Frames.site(f);
    }

    private StackWalker.StackFrame creationFrame() {
        return walker.walk(frames -> frames
                .filter(f -> !isLibraryOrJdk(f.getDeclaringClass()))
                .findFirst()
                .orElse(null));
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
        /** Whether an acquisition of this class has recorded its stack (see Cost in the notes). */
        volatile boolean stackRecorded;

        Node(int id, String label, String kind, String site) {
            this.id = id;
            this.label = label;
            this.kind = kind;
            this.site = site;
        }

        /** "Srcu class 'LockOrder.java:13' (created at …)": for a report that mentions one class once. */
        String describe() {
            return kind + " " + new Mentions().cls(this);
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
        /** The instances' names at first use: the class's label is not theirs. */
        final String fromName;
        final String toName;

        Edge(Node from, Node to, boolean fromShared, boolean toRecursive, int fromMode, int toMode,
             String thread, Throwable firstUse, String what, String fromName, String toName) {
            this.from = from;
            this.to = to;
            this.fromShared = fromShared;
            this.toRecursive = toRecursive;
            this.fromMode = fromMode;
            this.toMode = toMode;
            this.thread = thread;
            this.firstUse = firstUse;
            this.what = what;
            this.fromName = fromName;
            this.toName = toName;
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
        /** The acquisition stack, or null if the level did not record it. */
        final Throwable acquiredAt;
        final Validator.LeakStacks level;
        final boolean token;                               // a readLock section: no handle
        final Runnable forceEnd;
        /** A hash drawn at random: no identity hash to install in the header of every record. */
        final int hash = ThreadLocalRandom.current().nextInt();
        volatile Thread owner;
        volatile boolean open = true;
        /** In openUnbound: no handle's entry leads to this record. */
        volatile boolean unbound;
        /** Why the validator ended it (leaked, lease expired), or null. */
        volatile String endedBy;
        /** Deadline on the validator's clock, or Long.MIN_VALUE for none. */
        volatile long leaseDeadline = Long.MIN_VALUE;
        volatile boolean leaseReported;
        /** 1 once the owner's close or the validator's policy has claimed the release (see claim()). */
        private volatile int claimed;
        /** The newest step of the hand-off history; appended under this record's monitor. */
        private volatile Step last;
        /** The entry of the handle that owns this record now, while it is watched for leaks. */
        volatile WeakTable.Ref watch;
        /** The entry bind() made for a handle that detach() is about to move this record to. */
        volatile WeakTable.Ref bound;

        Held(Engine engine, Node cls, Object instance, int mode, Thread owner, Throwable acquiredAt,
             Validator.LeakStacks level, boolean token, Runnable forceEnd, String event) {
            this.engine = engine;
            this.cls = cls;
            this.instance = instance;
            this.mode = mode;
            this.owner = owner;
            this.acquiredAt = acquiredAt;
            this.level = level;
            this.token = token;
            this.forceEnd = forceEnd;
            this.last = new Step(event, owner.getName(), null, null);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o == this;
        }

        /** The one report of an expired lease: checkLeases() runs on the lease thread and in callers. */
        synchronized boolean claimLeaseReport() {
            if (leaseReported) {
                return false;
            }
            leaseReported = true;
            return true;
        }

        /** The one release of the counts: the owner's close or the validator's policy, never both. */
        boolean claim() {
            return claimed == 0 && CLAIMED.compareAndSet(this, 0, 1);
        }

        /** Watches this record through the entry of the handle that owns it now (and binds it there). */
        void watch(WeakTable.Ref handle) {
            handle.value = this;
            handle.watched = this;
            watch = handle;
        }

        /** Ends the watch, and the entry of its handle: that handle was closed or detached. */
        void unwatch() {
            WeakTable.Ref w = watch;
            if (w != null) {
                w.watched = null;
                watch = null;
                w.table.expunge(w);
            }
        }

        synchronized void step(String event, Thread thread, String site) {
            last = new Step(event, thread.getName(), site, last);
        }

        String lastStep() {
            return last.text();
        }

        String describe() {
            return instance + " " + modeWord(mode) + " of " + cls.describe();
        }

        /** "acquired at:" and the stack, or why there is none (the level, and how to get one). */
        String stackText() {
            if (acquiredAt != null) {
                return "acquired at:\n" + Frames.text(acquiredAt);
            }
            return "acquisition stack not recorded (" + Validator.LEAK_STACKS_PROPERTY + "="
                    + level.name().toLowerCase(Locale.ROOT)
                    + (level == Validator.LeakStacks.SIMPLE ? ", which records the first acquisition of each lock"
                            + " class and 1 in " + SAMPLING_INTERVAL + " after it" : "")
                    + "; =advanced records every one)\n";
        }

        String historyText() {
            ArrayList<String> steps = new ArrayList<>();
            for (Step s = last; s != null; s = s.prev) {
                steps.add(0, s.text());
            }
            return String.join("\n  ", steps) + "\n" + stackText();
        }
    }

    private static final VarHandle CLAIMED;

    static {
        try {
            CLAIMED = MethodHandles.lookup().findVarHandle(Held.class, "claimed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One event of a record's hand-off history: built on the hot path, worded only for a report. */
    static final class Step {
        final String event;
        final String thread;
        final String site;
        final Step prev;

        Step(String event, String thread, String site, Step prev) {
            this.event = event;
            this.thread = thread;
            this.site = site;
            this.prev = prev;
        }

        String text() {
            return event + " on thread \"" + thread + "\"" + (site != null ? " at " + site : "");
        }
    }
}
