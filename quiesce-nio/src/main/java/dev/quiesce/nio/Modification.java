package dev.quiesce.nio;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A modification of a {@link Volume} that is about to happen: the pre-modify event a
 * {@link ModificationListener} receives before the data or the name space changes.
 *
 * <p>The event is delivered inside the modification's write section and before it takes freeze
 * protection, so a listener may itself write to the volume (see {@link Volume#watch}).
 *
 * @param kind   what is about to change
 * @param path   the file or directory, as a path of the volume's file system
 * @param offset for {@link Kind#WRITE}, the file position the write starts at, or {@code -1} when the
 *               channel appends (the position is the size at the time of the write); for
 *               {@link Kind#TRUNCATE}, the new size; otherwise {@code 0}
 * @param length for {@link Kind#WRITE}, the number of bytes the call asks to write (it may write
 *               fewer); otherwise {@code 0}
 * @param target for {@link Kind#MOVE} and {@link Kind#COPY}, the destination; otherwise {@code null}
 * @since 0.1.0
 */
public record Modification(Kind kind, Path path, long offset, long length, Path target) {

    /**
     * What a {@link Modification} changes.
     *
     * @since 0.1.0
     */
    public enum Kind {
        /** Bytes are written to a file (channel, stream or {@code Files.write}). */
        WRITE,
        /** A file's size is set ({@code truncate}, {@code FileChannel.truncate}, {@code TRUNCATE_EXISTING}). */
        TRUNCATE,
        /** A file, directory or link is created. */
        CREATE,
        /** A file or directory is deleted. */
        DELETE,
        /** A file or directory is renamed or moved to {@link Modification#target()}. */
        MOVE,
        /** A file is copied to {@link Modification#target()} (the target is modified). */
        COPY
    }

    /**
     * Creates an event.
     *
     * @param kind   what is about to change
     * @param path   the file or directory
     * @param offset see the record's description
     * @param length see the record's description
     * @param target the destination of a move or copy, else {@code null}
     * @throws NullPointerException if {@code kind} or {@code path} is null
     */
    public Modification {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
    }
}
