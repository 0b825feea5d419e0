package dev.quiesce.nio;

import java.nio.file.ClosedFileSystemException;
import java.nio.file.Path;

/**
 * The {@link ClosedFileSystemException} of a closed {@link Volume}, with a message: the JDK's
 * exception has no message constructor, so a refusal said neither which volume was closed nor
 * what was refused (issue 11).
 *
 * <p>Package-private on purpose: callers catch {@code ClosedFileSystemException}, as the NIO
 * contract of every refused call says, and nothing but the message is added, so there is nothing
 * for a caller to program against; a public type would be API to keep for no behaviour. The
 * message is built when asked for, from strings (a {@code Path} is not serializable).
 */
final class VolumeClosedException extends ClosedFileSystemException {

    private static final long serialVersionUID = 1L;

    /** The volume's name and root. */
    private final String volume;
    private final String root;
    /** What was refused, for example {@code "syncFs()"} or {@code "open /data/a.log"}. */
    private final String operation;

    VolumeClosedException(String volume, Path root, String operation) {
        this.volume = volume;
        this.root = String.valueOf(root);
        this.operation = operation;
    }

    @Override
    public String getMessage() {
        return "cannot " + operation + ": volume " + volume + " (root " + root + ") is closed";
    }
}
