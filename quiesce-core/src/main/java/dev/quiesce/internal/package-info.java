/**
 * Machinery the primitives share, written once: the thread-to-cell mapping of the read-side cells
 * ({@code Stripes}), the queue of parked threads and futures that wait for a permit
 * ({@code WaitQueue}), report delivery ({@code Reports}, JFR {@code Events}) and the validator's
 * hook ({@code Tracker}). Not exported: not part of the API.
 */
package dev.quiesce.internal;
