/**
 * The primitives: {@link dev.quiesce.Srcu} (grace periods that wait for every read section
 * already begun, whose sections may end on another thread), {@link dev.quiesce.RwSemaphore} (a
 * reader–writer semaphore whose permits are released on any thread, writer-favouring and
 * phase-fair, with a dead state), {@link dev.quiesce.Revocable} (a resource revoked under its
 * accesses, then released once), and the handles they share ({@link dev.quiesce.Held}:
 * {@link dev.quiesce.ReadSection}, {@link dev.quiesce.Permit}, {@link dev.quiesce.Access}).
 *
 * <p>Figures and diagnosis: {@code stats()} on {@code Srcu} and {@code RwSemaphore} (immutable
 * snapshots, cheap enough to poll), {@code dump()} → {@link dev.quiesce.Dump} (holders and waiting
 * threads with their stacks), and {@link dev.quiesce.Metrics} (explicit, weak registration for
 * export, with a unique id per instance and aggregates per lock class; one periodic JFR hook).
 *
 * @since 0.1.0
 */
package dev.quiesce;
