package dev.quiesce.nio;

/**
 * A registered {@link ModificationListener}, returned by {@link Volume#watch}.
 *
 * @since 0.1.0
 */
public interface Watch extends AutoCloseable {

    /**
     * Stops delivery to the listener, without waiting: modifications that begin after this call
     * returns do not reach it; one already in flight may still deliver its event. Idempotent.
     */
    @Override
    void close();

    /**
     * Returns whether the listener is still registered.
     *
     * @return {@code false} once {@link #close()} was called or the volume was closed
     */
    boolean isActive();
}
