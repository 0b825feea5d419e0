/**
 * The file-system layer: a {@link dev.quiesce.nio.Volume} over a directory, whose writes (through
 * its channels, streams and paths) are tracked from start to end, with {@code syncFs()},
 * {@code freeze()}/{@code thaw()}, watchers that no write escapes
 * ({@link dev.quiesce.nio.ModificationListener}), and truncation that waits for in-flight async
 * writes.
 *
 * @since 0.1.0
 */
package dev.quiesce.nio;
