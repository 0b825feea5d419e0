package dev.quiesce.internal;

import dev.quiesce.LockClass;

/**
 * The hook through which the primitives report acquisitions, releases and hand-offs to the
 * lock-dependency validator. Not an API: the module does not export this package.
 *
 * <p>{@link #ENABLED} is read once, when this class initialises, from the system property
 * {@code dev.quiesce.validate}. Every call site is written {@code if (Tracker.ENABLED) ...}, so with
 * validation off the JIT folds the branch away and the primitives pay nothing.
 *
 * <p>The primitives never import the validator: when enabled, the implementation is loaded by
 * name ({@code dev.quiesce.validate.Engine}), which keeps the dependencies pointing one way.
 */
public abstract class Tracker {

    /** Whether validation is on; fixed for the life of the JVM. */
    public static final boolean ENABLED = Boolean.getBoolean("dev.quiesce.validate");

    /** The validator, or {@code null} when {@link #ENABLED} is false. */
    public static final Tracker INSTANCE = ENABLED ? load() : null;

    /** A read that never waits for anything (an {@code Srcu} read section). */
    public static final int READ_RECURSIVE = 0;
    /** A read that waits behind a writer (a writer-biased semaphore's shared acquire). */
    public static final int READ = 1;
    /** An exclusive acquire, or a wait for every reader ({@code synchronize}, {@code barrier}). */
    public static final int WRITE = 2;

    /** For the implementation only. */
    protected Tracker() {
    }

    /**
     * Returns the lock-class node for a new primitive: the explicit class if given, else one per
     * creation site (the first caller frame outside {@code dev.quiesce}).
     *
     * @param key  explicit class, or null
     * @param kind "Srcu", "RwSemaphore", ...
     * @param name the instance's name, a label
     * @return an opaque node to pass to the other methods
     */
    public abstract Object lockClass(LockClass key, String kind, String name);

    /**
     * The current thread is about to wait as if it acquired {@code cls} in {@code mode} and released
     * it at once: {@code synchronize()}, {@code barrier()}. Checks lock order; records nothing held.
     *
     * @param cls      the primitive's class node
     * @param instance the primitive
     * @param mode     one of the mode constants
     * @param what     a word for reports, such as "synchronize()"
     */
    public abstract void waitFor(Object cls, Object instance, int mode, String what);

    /**
     * The current thread is about to acquire, possibly blocking: checks lock order.
     *
     * @param cls      the primitive's class node
     * @param instance the primitive
     * @param mode     one of the mode constants
     */
    public abstract void beforeAcquire(Object cls, Object instance, int mode);

    /**
     * The current thread now holds a new handle. Callers call {@link #beforeAcquire} first —
     * before anything is counted, so that a handler that throws leaves nothing held.
     *
     * @param cls      the primitive's class node
     * @param instance the primitive
     * @param mode     one of the mode constants
     * @param handle   the handle that owns the acquisition (watched for leaks, never retained)
     * @param forceEnd ends the acquisition without the handle, for the leak policy; null if it
     *                 must never be ended that way (permits: that would break exclusion)
     * @return the record to keep in the handle and pass to the other handle methods
     */
    public abstract Object acquired(Object cls, Object instance, int mode, Object handle, Runnable forceEnd);

    /**
     * Claims the right to release the handle's acquisition: true for the owner's close, unless the
     * validator's policy has already ended it (a leaked or expired read section), in which case the
     * caller must not release it again. Exactly one of the owner and the policy wins. Never throws.
     *
     * @param record what {@link #acquired} returned
     * @return whether the caller should release the counts now
     */
    public abstract boolean claim(Object record);

    /**
     * As {@link #acquired}, for a handle granted to a future: no thread holds it until one
     * {@linkplain #attached attaches} it. Checks no order (nothing waited).
     *
     * @param cls      the primitive's class node
     * @param instance the primitive
     * @param mode     one of the mode constants
     * @param handle   the handle that owns the acquisition
     * @return the record to keep in the handle
     */
    public abstract Object acquiredUnowned(Object cls, Object instance, int mode, Object handle);

    /**
     * Keeps the record of a handle that has no field for it (a permit stays small).
     *
     * @param handle the handle (weakly referenced)
     * @param record what {@link #acquired} returned
     */
    public abstract void bind(Object handle, Object record);

    /**
     * Returns the record bound to a handle, or null.
     *
     * @param handle the handle
     * @return its record
     */
    public abstract Object bound(Object handle);

    /**
     * Remembers the class of a primitive that keeps no field for it (footprint): see
     * {@link #classOf(Object)}.
     *
     * @param instance the primitive
     * @param cls      what {@link #lockClass} returned
     */
    public abstract void register(Object instance, Object cls);

    /**
     * Returns the class registered for a primitive.
     *
     * @param instance the primitive
     * @return its class node
     */
    public abstract Object classOf(Object instance);

    /**
     * The handle of {@code record} was released, on the current thread (which may not hold it).
     * Called after {@link #claim} and after the counts changed: reports may throw.
     *
     * @param record what {@link #acquired} returned
     */
    public abstract void released(Object record);

    /**
     * A token-form read section began on the current thread ({@link #beforeAcquire} came first).
     *
     * @param cls      the primitive's class node
     * @param instance the primitive
     * @param mode     one of the mode constants
     */
    public abstract void tokenAcquired(Object cls, Object instance, int mode);

    /**
     * A token-form section of {@code instance} ended on the current thread.
     *
     * @param instance the primitive
     * @param what     the call, for reports ("readUnlock", "unlock()")
     */
    public abstract void tokenReleased(Object instance, String what);

    /**
     * The handle of {@code record} was detached into {@code newHandle}: no thread holds it now.
     *
     * @param record    what {@link #acquired} returned
     * @param newHandle the new owning handle
     */
    public abstract void detached(Object record, Object newHandle);

    /**
     * The current thread declared that it holds the handle of {@code record} now.
     *
     * @param record what {@link #acquired} returned
     */
    public abstract void attached(Object record);

    /**
     * Describes the open handles of {@code instance} for a stall report: acquisition stacks and
     * who holds each now.
     *
     * @param instance the primitive
     * @return text for a report, empty if none are tracked
     */
    public abstract String describeOpen(Object instance);

    private static volatile java.util.function.Function<Object, Object> recordAccess;

    /**
     * Called by the primitives' package when its handle classes initialise, so that the validator
     * can find the record of a handle it is given without handles exposing it as API.
     *
     * @param access maps a handle to its record (null if untracked)
     */
    public static void registerRecordAccess(java.util.function.Function<Object, Object> access) {
        recordAccess = access;
    }

    /**
     * Returns the record of a handle, or null if it has none (validation was off, or not a handle
     * of this library).
     *
     * @param handle a handle
     * @return its record, or null
     */
    public static Object recordOf(Object handle) {
        java.util.function.Function<Object, Object> a = recordAccess;
        return a == null ? null : a.apply(handle);
    }

    private static Tracker load() {
        try {
            java.lang.reflect.Constructor<?> c = Class.forName("dev.quiesce.validate.Engine")
                    .getDeclaredConstructor();
            c.setAccessible(true);                         // same module: always permitted
            return (Tracker) c.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
