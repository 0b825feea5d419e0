package dev.quiesce.validate;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A concurrent map from objects, compared by identity and weakly referenced, to what the
 * validator keeps for them: the record of a handle that has no field for it, the class of a
 * primitive that has none. An entry whose key was collected is queued on the engine's reference
 * queue, which removes it — and reports a leak if a record was still watched through it. A
 * handle's entry is removed as soon as the handle is closed or detached, so the table holds the
 * open handles only, however many are made.
 */
final class WeakTable {

    /*
     * Implementation notes.
     *
     * Why not a synchronized WeakHashMap (the first version): every acquisition looked up its
     * permit's record and its semaphore's class under one JVM-wide monitor, and the map's resizes
     * ran under it too; with validation on, a demo's writers spent most of their time there. A
     * ConcurrentHashMap keyed by the weak reference itself needs no lock on a read and none on a
     * write to a distinct bin.
     *
     * Equality. A Ref equals a Lookup for the same referent (refersTo, so a look-up neither
     * resurrects nor clears it) and another Ref of the same live referent; a cleared Ref equals
     * only itself, so expunging it (remove(ref)) takes exactly that entry. The hash is the
     * referent's identity hash, fixed at creation.
     *
     * The same Ref serves as the handle's leak watch (watched, set while a record is open under
     * that handle): one weak reference per handle instead of a weak map entry and a Cleaner's
     * phantom reference, whose list the Cleaner guards with one lock for every registration and
     * every clean().
     *
     * Stripes. Even so, one map took every acquisition's put and every release's remove, and
     * ConcurrentHashMap keeps its size in one base count (and counter cells under contention) that
     * every put and remove updates: the demo's writers spent more time there than in writing.
     * STRIPES maps, chosen by the key's identity hash, make two threads meet in one rarely.
     */

    /** How many maps the entries are spread over; a power of two. */
    static final int STRIPES = 32;

    private final ConcurrentHashMap<Object, Ref>[] stripes;
    private final ReferenceQueue<Object> queue;

    @SuppressWarnings({"unchecked", "rawtypes"})
    WeakTable(ReferenceQueue<Object> queue) {
        this.queue = queue;
        this.stripes = new ConcurrentHashMap[STRIPES];
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ConcurrentHashMap<>();
        }
    }

    /** Returns the entry of key, or null. */
    Ref get(Object key) {
        Lookup k = new Lookup(key);
        return stripes[stripe(k.hash)].get(k);
    }

    /** Returns the entry of key, creating it if absent. */
    Ref entry(Object key) {
        Ref r = get(key);
        return r != null ? r : entryOfNew(key);
    }

    /** Returns the entry of a key that is most likely new (a handle just created): one map operation. */
    Ref entryOfNew(Object key) {
        Ref created = new Ref(key, queue, this);
        Ref raced = stripes[stripe(created.hash)].putIfAbsent(created, created);
        return raced != null ? raced : created;
    }

    /** Gives every value to action (weakly consistent, as a ConcurrentHashMap's iteration). */
    void forEachValue(java.util.function.Consumer<Object> action) {
        for (ConcurrentHashMap<Object, Ref> m : stripes) {
            for (Ref r : m.values()) {
                Object v = r.value;
                if (v != null) {
                    action.accept(v);
                }
            }
        }
    }

    /** The stripe of an identity hash (which the JVM draws at random, so stripes fill evenly). */
    static int stripe(int hash) {
        return (hash ^ (hash >>> 16)) & (STRIPES - 1);
    }

    /**
     * Removes an entry: a cleared one (from the reference queue's thread), or one whose key is of
     * no more use (a handle closed or detached: its record is not looked up through it again, and
     * the table holds only what is open).
     */
    void expunge(Ref r) {
        stripes[stripe(r.hash)].remove(r);
    }

    /** An entry: a weak reference to its key, with the value and the leak watch. */
    static final class Ref extends WeakReference<Object> {
        final int hash;
        final WeakTable table;
        /** The record of a handle, or the class node of a primitive. */
        volatile Object value;
        /** The open record that this handle owns, to report if the handle is collected; null if none. */
        volatile Engine.Held watched;

        Ref(Object key, ReferenceQueue<Object> queue, WeakTable table) {
            super(key, queue);
            this.hash = System.identityHashCode(key);
            this.table = table;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (o == this) {
                return true;
            }
            if (o instanceof Lookup) {
                return refersTo(((Lookup) o).key);
            }
            if (o instanceof Ref) {
                Object k = get();
                return k != null && ((Ref) o).refersTo(k);
            }
            return false;
        }
    }

    /** A look-up key: a strong reference for the duration of one call. */
    private static final class Lookup {
        final Object key;
        final int hash;

        Lookup(Object key) {
            this.key = key;
            this.hash = System.identityHashCode(key);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ref && ((Ref) o).refersTo(key);
        }
    }
}
