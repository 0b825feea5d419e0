package dev.quiesce.nio;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A {@link TrackedFileChannel} that also maps into a {@link MemorySegment} whose lifetime an
 * {@link Arena} controls (the final API of JDK 22), as Lucene's {@code MMapDirectory} does on
 * JDK 21 and newer. The mode is checked as for the 3-argument {@code map}; the segment is the plain
 * channel's.
 */
final class ArenaMappingFileChannel extends TrackedFileChannel {

    ArenaMappingFileChannel(WriteProtocol protocol, Path path, FileChannel plain, FileNode node, boolean append) {
        super(protocol, path, plain, node, append);
    }

    /** The plain channel's segment, in a mode {@link #checkMap} allows: writes through it bypass the volume. */
    @Override
    public MemorySegment map(MapMode mode, long offset, long size, Arena arena) throws IOException {
        checkMap(mode);
        return plain().map(mode, offset, size, arena);
    }
}
