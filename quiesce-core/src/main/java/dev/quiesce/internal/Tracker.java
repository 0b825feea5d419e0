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
     * The current thread now holds {@code holder} (a handle). Callers call {@link #beforeAcquire}
     * first — before anything is counted, so that a handler that throws leaves nothing held.
     *
     * @param cls      the primitive's class node
     * @param instance the primitive
     * @param mode     one of the mode constants
     * @param holder   the handle that owns the acquisition
     */
    public abstract void acquired(Object cls, Object instance, int mode, Object holder);

    /**
     * {@code holder} was released, on the current thread (which may not be the one holding it).
     *
     * @param holder the handle
     */
    public abstract void released(Object holder);

    /**
     * A token-form read section began on the current thread ({@link #beforeAcquire} came first).
     *
     * @param cls      the primitive's class node
     * @param instance the primitive
     * @param mode     one of the mode constants
     */
    public abstract void tokenAcquired(Object cls, Object instance, int mode);

    /**
     * A token-form read section of {@code instance} ended on the current thread.
     *
     * @param instance the primitive
     */
    public abstract void tokenReleased(Object instance);

    /**
     * {@code oldHolder} was detached into {@code newHolder}: no thread holds it now.
     *
     * @param oldHolder the handle detached from
     * @param newHolder the new owning handle
     */
    public abstract void detached(Object oldHolder, Object newHolder);

    /**
     * The current thread declared that it holds {@code holder} now.
     *
     * @param holder the handle
     */
    public abstract void attached(Object holder);

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
