package dev.quiesce.nio;

/**
 * Receives a {@link Volume}'s pre-modify events (as Linux's fsnotify pre-modify hook does).
 *
 * <p>Called on the thread that starts the modification, before it changes anything, while it holds
 * the volume's write section and not its freeze protection. A listener may read and write the volume
 * (its own writes are announced to it too: guard against recursion). A listener that throws is
 * reported ({@link dev.quiesce.Report.Kind#CALLBACK_FAILED}) and changes nothing: the modification
 * goes ahead and the other listeners are called.
 *
 * <p>Each listener receives each modification that begins after its {@link Volume#watch watch}
 * returned exactly once, and a modification that was already in flight at most once.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface ModificationListener {

    /**
     * Called before a modification of the volume.
     *
     * @param modification what is about to change
     */
    void beforeModify(Modification modification);
}
