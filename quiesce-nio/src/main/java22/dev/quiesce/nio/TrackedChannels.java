package dev.quiesce.nio;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Creates the volume's {@link FileChannel}s. This is the JDK 22 copy, compiled with
 * {@code --release 22} into the jar's {@code META-INF/versions/22}: its channels also map with an
 * {@code Arena} ({@link ArenaMappingFileChannel}). The Java 17 copy in {@code src/main/java} has the
 * same signatures.
 */
final class TrackedChannels {

    private TrackedChannels() {
    }

    /**
     * A tracked channel over {@code plain}.
     *
     * @param protocol the volume's write protocol
     * @param path   the volume path the channel was opened with
     * @param plain  the plain channel of the real file
     * @param node   the file's node, or null when opened without WRITE or APPEND
     * @param append whether opened with APPEND
     * @return the channel
     */
    static TrackedFileChannel fileChannel(WriteProtocol protocol, Path path, FileChannel plain, FileNode node,
            boolean append) {
        return new ArenaMappingFileChannel(protocol, path, plain, node, append);
    }
}
