package dev.quiesce.nio;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Creates the volume's {@link FileChannel}s. This is the Java 17 copy: its channels have the
 * 3-argument {@code map} only, so {@code map(MapMode, long, long, Arena)} gets
 * {@code FileChannel}'s default, {@link UnsupportedOperationException}. The jar's
 * {@code META-INF/versions/22} holds a copy of this class (source: {@code src/main/java22}) that a
 * JDK 22 or newer loads instead; it creates a subclass that maps with an {@code Arena} too. Keep the
 * two copies' signatures identical.
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
        return new TrackedFileChannel(protocol, path, plain, node, append);
    }
}
