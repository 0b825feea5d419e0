/**
 * The file-system layer: a {@link dev.quiesce.nio.Volume} over a directory, whose writes (through
 * its channels, streams and paths) are tracked from start to end, with {@code syncFs()},
 * {@code freeze()}/{@code thaw()}, watchers that no write escapes
 * ({@link dev.quiesce.nio.ModificationListener}), and truncation that waits for in-flight async
 * writes.
 *
 * <p>{@link dev.quiesce.nio.TrackingFileSystemProvider}, installed as the JVM's default file-system
 * provider, puts a volume under each configured root for a program that was not written for
 * Quiesce, and exposes each as a {@link dev.quiesce.nio.VolumeMXBean} for an operator.
 *
 * <h2>What no volume tracks</h2>
 * Writes through {@code java.io} ({@code FileInputStream}, {@code FileOutputStream},
 * {@code RandomAccessFile} and their {@code getChannel()}, {@code java.io.File}), through memory
 * mappings, from native code, child processes or other processes, attribute changes, and writes
 * through paths that reach a volume's directory by another name (a symbolic link, a bind mount, a
 * hard link from outside) or through another file system's paths: {@code syncFs()} does not wait
 * for them and {@code freeze()} does not block them.
 *
 * @since 0.1.0
 */
package dev.quiesce.nio;
