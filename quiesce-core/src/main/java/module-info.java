/**
 * Quiesce: read sections that may end on another thread, grace periods that wait for every
 * section already begun, and the diagnostics to use them safely.
 *
 * <p>{@code dev.quiesce} holds the primitives and {@code dev.quiesce.validate} the lock-dependency
 * validator; {@code dev.quiesce.internal} holds implementation
 * classes and is not part of the API.
 */
@SuppressWarnings("module")     // the qualified export names dev.quiesce.nio, built after this module
module dev.quiesce {
    // Optional: a jlink image without jdk.jfr runs the library with no JFR events (see Events).
    requires static jdk.jfr;

    exports dev.quiesce;
    exports dev.quiesce.validate;
    // Report delivery (a JFR event, the handler, the log) for quiesce-nio's volumes, written once;
    // not an API: no other module can read this package.
    exports dev.quiesce.internal to dev.quiesce.nio;
}
