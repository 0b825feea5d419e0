/**
 * Micrometer {@code MeterBinder}s for the figures of Quiesce primitives.
 *
 * <p>Every binder registers its instance with {@link dev.quiesce.Metrics} (explicit, held weakly)
 * and tags each meter with the registration's unique {@code id} and the instance's {@code name}:
 * names are labels, not keys, so two domains named alike are two sets of meters, never one meter
 * that hides the other. Meter names follow Micrometer's conventions (lower-case, dot-separated,
 * base unit seconds for durations): {@code quiesce.srcu.*}, {@code quiesce.rwsemaphore.*},
 * {@code quiesce.lockclass.*}. Once an instance has been garbage-collected its meters read
 * {@code NaN}; remove them from the registry if they are no longer wanted.
 *
 * <p>Each meter reads the primitive's {@code stats()} when the registry polls it: a scan of the
 * reader cells, no write to a reader's cache line.
 */
package dev.quiesce.micrometer;
