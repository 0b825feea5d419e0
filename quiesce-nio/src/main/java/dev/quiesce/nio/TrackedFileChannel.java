package dev.quiesce.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A {@link FileChannel} opened through a {@link Volume}: each write, {@code transferFrom} and
 * {@code truncate} runs the volume's write protocol around the plain channel's call (a write with
 * no listener to tell and nothing to wait for takes the protocol's allocation-free quiet path). Reads, locks,
 * {@code force} and positions are the plain channel's. {@link #map} returns the plain mapping once
 * {@link #checkMap} has allowed its mode: writes through a mapping are not tracked.
 *
 * <p>Not final for one subclass only: the copy of {@link TrackedChannels} under
 * {@code META-INF/versions/22} of the jar creates a subclass that adds the JDK 22
 * {@code map(MapMode, long, long, Arena)} (this class is compiled for Java 17 and cannot name
 * {@code Arena}). Create instances through {@link TrackedChannels}.
 */
class TrackedFileChannel extends FileChannel {

    private final WriteProtocol protocol;
    private final Path path;
    private final FileChannel plain;
    /** The file's node, or null when the channel was opened without WRITE or APPEND. */
    private final FileNode node;
    private final boolean append;
    private final CloseSignal waits = new CloseSignal();

    TrackedFileChannel(WriteProtocol protocol, Path path, FileChannel plain, FileNode node, boolean append) {
        this.protocol = protocol;
        this.path = path;
        this.plain = plain;
        this.node = node;
        this.append = append;
    }

    /** START of one write call: refuses early what the plain channel would refuse, then begins. */
    private Pass begin(long position, long length) throws IOException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        if (node == null) {
            throw new NonWritableChannelException();
        }
        return protocol.begin(new Modification(Modification.Kind.WRITE, path, position, length, null), node, true,
                waits);
    }

    /**
     * The quiet START ({@link WriteProtocol#enterQuietly}): the packed holds, or 0 when the write
     * must take {@link #begin} (also when the channel is closed or not writable: begin refuses).
     */
    private long enterQuietly() {
        return node != null && isOpen() ? protocol.enterQuietly(node) : 0L;
    }

    private long at() throws IOException {
        return append ? -1 : plain.position();
    }

    private static long remaining(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += srcs[i].remaining();
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        long quiet = enterQuietly();
        Pass pass = quiet == 0L ? begin(at(), src.remaining()) : null;
        try {
            return plain.write(src);
        } finally {
            protocol.end(node, quiet, pass);
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        long quiet = enterQuietly();
        Pass pass = quiet == 0L ? begin(at(), remaining(srcs, offset, length)) : null;
        try {
            return plain.write(srcs, offset, length);
        } finally {
            protocol.end(node, quiet, pass);
        }
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        long quiet = enterQuietly();
        Pass pass = quiet == 0L ? begin(position, src.remaining()) : null;
        try {
            return plain.write(src, position);
        } finally {
            protocol.end(node, quiet, pass);
        }
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException("negative position or count: " + position + ", " + count);
        }
        long quiet = enterQuietly();
        Pass pass = quiet == 0L ? begin(position, count) : null;
        try {
            return plain.transferFrom(src, position, count);
        } finally {
            protocol.end(node, quiet, pass);
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        protocol.truncate(new Modification(Modification.Kind.TRUNCATE, path, size, 0, null), node, isOpen(), waits,
                () -> plain.truncate(size));
        return this;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return plain.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return plain.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return plain.read(dst, position);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return plain.transferTo(position, count, target);
    }

    @Override
    public long position() throws IOException {
        return plain.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        plain.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return plain.size();
    }

    @Override
    public void force(boolean metaData) throws IOException {
        plain.force(metaData);
    }

    /** The plain channel's mapping, in a mode {@link #checkMap} allows: writes through it bypass the volume. */
    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        checkMap(mode);
        return plain.map(mode, position, size);
    }

    /**
     * Refuses, before the plain channel is asked, a mapping that could write the file while the
     * volume does not allow writable mappings ({@link WriteProtocol#checkMapping}). A channel opened
     * without WRITE or APPEND is left to the plain channel, which refuses a writable mapping with
     * {@link NonWritableChannelException}. Every {@code map} overload calls this first.
     *
     * @param mode the mapping's mode
     * @throws ClosedChannelException if the channel is closed
     * @throws java.nio.file.FileSystemException if the mode may write the file and the volume
     *         does not allow it
     */
    final void checkMap(MapMode mode) throws IOException {
        Objects.requireNonNull(mode, "mode");
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        if (node != null) {
            protocol.checkMapping(path, mode);
        }
    }

    /** The plain channel, for the subclass's {@code map} overload. */
    final FileChannel plain() {
        return plain;
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return plain.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return plain.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        waits.close();          // a write parked behind a freeze fails with AsynchronousCloseException
        try {
            plain.close();
        } finally {
            protocol.files().channelClosed(this, node);
        }
    }

    @Override
    public String toString() {
        return "TrackedFileChannel[" + path + "]";
    }
}
