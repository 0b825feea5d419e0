package dev.quiesce.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link AsynchronousFileChannel} opened through a {@link Volume}. A write STARTs on the calling
 * thread and ENDs on the completion thread, strictly before the caller's handler runs or its future
 * completes; END releases and never blocks, so a handler may issue the next write at once. While the
 * volume is frozen (or the file is being truncated) a write call still returns at once: the write is
 * issued when the volume thaws.
 */
final class TrackedAsyncFileChannel extends AsynchronousFileChannel {

    private final WriteProtocol protocol;
    private final Path path;
    private final AsynchronousFileChannel plain;
    /** The file's node, or null when the channel was opened without WRITE or APPEND. */
    private final FileNode node;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CloseSignal waits = new CloseSignal();

    /** No APPEND: every write of an asynchronous channel names its position (the default provider refuses it). */
    TrackedAsyncFileChannel(WriteProtocol protocol, Path path, AsynchronousFileChannel plain, FileNode node) {
        this.protocol = protocol;
        this.path = path;
        this.plain = plain;
        this.node = node;
    }

    @Override
    public <A> void write(ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(handler, "handler");
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        if (node == null) {
            throw new NonWritableChannelException();
        }
        if (!isOpen()) {
            handler.failed(new ClosedChannelException(), attachment);
            return;
        }
        long quiet = protocol.enterQuietly(node);
        if (quiet != 0L) {
            issue(quiet, null, src, position, attachment, handler);   // nothing announced, nothing to wait for
            return;
        }
        try {
            Modification m = new Modification(Modification.Kind.WRITE, path, position, src.remaining(), null);
            protocol.beginAsync(m, node, waits,
                    pass -> issue(0L, pass, src, position, attachment, handler),
                    failure -> handler.failed(failure, attachment));
        } catch (IOException closedVolume) {
            handler.failed(closedVolume, attachment);
        }
    }

    /**
     * Issues the plain write with the holds handed to its completion — the quiet path's packed
     * {@code holds}, or {@code pass} — and ends them if it cannot.
     */
    private <A> void issue(long holds, Pass pass, ByteBuffer src, long position, A attachment,
            CompletionHandler<Integer, ? super A> handler) {
        try {
            plain.write(src, position, attachment, new EndFirst<A>(protocol, node, holds, pass, handler));
        } catch (RuntimeException | Error e) {
            protocol.end(node, holds, pass);
            throw e;
        }
    }

    /**
     * The plain write's handler: END strictly before the caller's handler, on whichever thread
     * completes the write (the initiating thread too, when the channel completes at once). One
     * object per write, the only one the quiet path allocates.
     */
    private static final class EndFirst<A> implements CompletionHandler<Integer, A> {
        private final WriteProtocol protocol;
        private final FileNode node;
        private final long holds;
        private final Pass pass;
        private final CompletionHandler<Integer, ? super A> handler;

        EndFirst(WriteProtocol protocol, FileNode node, long holds, Pass pass,
                CompletionHandler<Integer, ? super A> handler) {
            this.protocol = protocol;
            this.node = node;
            this.holds = holds;
            this.pass = pass;
            this.handler = handler;
        }

        @Override
        public void completed(Integer written, A attachment) {
            protocol.end(node, holds, pass);
            handler.completed(written, attachment);
        }

        @Override
        public void failed(Throwable exc, A attachment) {
            protocol.end(node, holds, pass);
            handler.failed(exc, attachment);
        }
    }

    @Override
    public Future<Integer> write(ByteBuffer src, long position) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        write(src, position, null, new CompletionHandler<Integer, Object>() {
            @Override
            public void completed(Integer written, Object ignored) {
                result.complete(written);
            }

            @Override
            public void failed(Throwable exc, Object ignored) {
                result.completeExceptionally(exc);
            }
        });
        return result;
    }

    @Override
    public AsynchronousFileChannel truncate(long size) throws IOException {
        protocol.truncate(new Modification(Modification.Kind.TRUNCATE, path, size, 0, null), node, isOpen(), waits,
                () -> plain.truncate(size));
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

    @Override
    public <A> void lock(long position, long size, boolean shared, A attachment,
            CompletionHandler<FileLock, ? super A> handler) {
        plain.lock(position, size, shared, attachment, handler);
    }

    @Override
    public Future<FileLock> lock(long position, long size, boolean shared) {
        return plain.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return plain.tryLock(position, size, shared);
    }

    @Override
    public <A> void read(ByteBuffer dst, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
        plain.read(dst, position, attachment, handler);
    }

    @Override
    public Future<Integer> read(ByteBuffer dst, long position) {
        return plain.read(dst, position);
    }

    @Override
    public boolean isOpen() {
        return !closed.get() && plain.isOpen();
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        waits.close();          // writes deferred by a freeze fail now with AsynchronousCloseException
        try {
            plain.close();
        } finally {
            protocol.files().channelClosed(this, node);
        }
    }

    @Override
    public String toString() {
        return "TrackedAsyncFileChannel[" + path + "]";
    }
}
