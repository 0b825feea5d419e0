/**
 * Quiesce: read sections that may end on another thread, grace periods that wait for exactly the
 * sections already begun, and the diagnostics to use them safely.
 *
 * <p>Only {@code dev.quiesce} is exported; {@code dev.quiesce.internal} holds implementation
 * classes and is not part of the API.
 */
module dev.quiesce {
    exports dev.quiesce;
}
