/**
 * The lock-dependency validator ("lockdep for Java"), off unless the system property
 * {@code dev.quiesce.validate=true} is set: lock classes and the order of their acquisitions,
 * cycles reported before they deadlock, hand-offs followed, leaks and leases, and wrappers that
 * bring JDK locks and executors under it. See {@link dev.quiesce.validate.Validator}.
 *
 * @since 0.1.0
 */
package dev.quiesce.validate;
