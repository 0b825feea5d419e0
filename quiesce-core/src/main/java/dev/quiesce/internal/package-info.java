/**
 * Machinery the primitives share: report delivery ({@code Reports}, JFR {@code Events}) and the
 * validator's hook ({@code Tracker}). Not exported: not part of the API.
 */
package dev.quiesce.internal;
