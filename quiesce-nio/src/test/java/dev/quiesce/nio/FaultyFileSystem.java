package dev.quiesce.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file system over the default one that fails on command: writes run out of space after a
 * budget of bytes ({@code ENOSPC}, "No space left on device"), writes fail with {@code EIO}
 * ("Input/output error"), and {@code force} fails with {@code EIO} (a failed {@code fsync}). Every
 * fault can be switched on and off at any time; a fault applies when the write or force runs (for an
 * asynchronous channel: on the completion thread, as a real device error arrives there).
 *
 * <p>The lightest design that a {@link Volume} accepts as a root of "any file system": a provider, a
 * file system and a path that wrap the default ones, and channels that wrap the default
 * {@link FileChannel}. The asynchronous channel runs each operation as a task of the executor it was
 * opened with (or of a shared daemon pool), on a plain {@code FileChannel}, so a test can hold its
 * completion back with a {@link HeldBackExecutor} as it can with the JDK's own channel.
 *
 * <p>It counts the successful forces of each file ({@link #forces(Path)}), so a test sees what a
 * {@code syncFs()} forced without any hook in the volume.
 */
final class FaultyFileSystem extends FileSystem {

    static final String NO_SPACE = "No space left on device";
    static final String IO_ERROR = "Input/output error";

    /** Completion threads of async channels opened without an executor. */
    private static final ExecutorService DEFAULT_EXECUTOR = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-fs-completion");
        t.setDaemon(true);
        return t;
    });

    private final FileSystem plain = FileSystems.getDefault();
    private final Provider provider = new Provider();

    /** Bytes that may still be written; {@code Long.MAX_VALUE} means unlimited. */
    private final AtomicLong space = new AtomicLong(Long.MAX_VALUE);
    private volatile boolean failWrites;
    private volatile boolean failForce;
    private final AtomicInteger failedWrites = new AtomicInteger();
    private final AtomicInteger failedForces = new AtomicInteger();
    private final Map<Path, AtomicInteger> forces = new ConcurrentHashMap<>();

    /** The path of this file system for a plain path of the default file system. */
    Path wrap(Path plainPath) {
        return new FaultyPath(this, plainPath);
    }

    // --- the switches ----------------------------------------------------------------------------

    /** From now on, {@code bytes} more bytes fit; the write that finds no room fails with ENOSPC. */
    void noSpaceAfter(long bytes) {
        space.set(bytes);
    }

    /** Every write fails with EIO (before writing anything) while on. */
    void failWrites(boolean on) {
        failWrites = on;
    }

    /** Every force fails with EIO while on. */
    void failForce(boolean on) {
        failForce = on;
    }

    /** Switches every fault off: unlimited space, writes and forces succeed. */
    void clearFaults() {
        space.set(Long.MAX_VALUE);
        failWrites = false;
        failForce = false;
    }

    /** How many times {@code file} (a path of this file system or its plain path) was forced successfully. */
    int forces(Path file) {
        AtomicInteger n = forces.get(plainOf(file).toAbsolutePath().normalize());
        return n == null ? 0 : n.get();
    }

    int failedWrites() {
        return failedWrites.get();
    }

    int failedForces() {
        return failedForces.get();
    }

    // --- the faults ------------------------------------------------------------------------------

    /**
     * The bytes a write of {@code wanted} may write now (a short write when the space runs out), or
     * the injected failure.
     */
    private int admit(Path file, int wanted) throws IOException {
        if (failWrites) {
            failedWrites.incrementAndGet();
            throw new FileSystemException(file.toString(), null, IO_ERROR);
        }
        if (wanted == 0) {
            return 0;
        }
        for (;;) {
            long left = space.get();
            if (left == Long.MAX_VALUE) {
                return wanted;
            }
            if (left == 0) {
                failedWrites.incrementAndGet();
                throw new FileSystemException(file.toString(), null, NO_SPACE);
            }
            int granted = (int) Math.min(left, wanted);
            if (space.compareAndSet(left, left - granted)) {
                return granted;
            }
        }
    }

    /** Gives back what a write was admitted for but did not write. */
    private void unused(long bytes) {
        if (bytes > 0) {
            space.getAndUpdate(left -> left == Long.MAX_VALUE ? left : left + bytes);
        }
    }

    /** One write of the plain channel under the faults: position -1 writes at the channel's position. */
    private int write(Path file, FileChannel ch, ByteBuffer src, long position) throws IOException {
        int granted = admit(file, src.remaining());
        ByteBuffer part = src.duplicate();
        part.limit(part.position() + granted);
        int n = 0;
        try {
            n = position < 0 ? ch.write(part) : ch.write(part, position);
        } finally {
            unused(granted - n);
        }
        src.position(src.position() + n);
        return n;
    }

    private void force(Path file, FileChannel ch, boolean metaData) throws IOException {
        if (failForce) {
            failedForces.incrementAndGet();
            throw new FileSystemException(file.toString(), null, IO_ERROR);
        }
        ch.force(metaData);
        forces.computeIfAbsent(file.toAbsolutePath().normalize(), k -> new AtomicInteger()).incrementAndGet();
    }

    // --- the file system -------------------------------------------------------------------------

    Path plainOf(Path p) {
        Objects.requireNonNull(p, "path");
        if (p instanceof FaultyPath && ((FaultyPath) p).fs == this) {
            return ((FaultyPath) p).delegate;
        }
        if (p.getFileSystem() == plain) {
            return p;
        }
        throw new ProviderMismatchException(p + " is not a path of " + this);
    }

    @Override
    public FileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("the faulty file system stays open");
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public String getSeparator() {
        return plain.getSeparator();
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        List<Path> roots = new ArrayList<>();
        plain.getRootDirectories().forEach(r -> roots.add(wrap(r)));
        return roots;
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return plain.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return plain.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
        return wrap(plain.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        PathMatcher m = plain.getPathMatcher(syntaxAndPattern);
        return p -> m.matches(plainOf(p));
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return plain.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() throws IOException {
        return plain.newWatchService();
    }

    @Override
    public String toString() {
        return "FaultyFileSystem";
    }

    /** A path of the faulty file system: a default path underneath. */
    private static final class FaultyPath extends ForwardingPath {
        final FaultyFileSystem fs;

        FaultyPath(FaultyFileSystem fs, Path delegate) {
            super(delegate);
            this.fs = fs;
        }

        @Override
        FaultyPath make(Path p) {
            return new FaultyPath(fs, p);
        }

        @Override
        public FileSystem getFileSystem() {
            return fs;
        }

        /** Also a plain path of the file system underneath (see plainOf). */
        @Override
        Path delegateOf(Path other) {
            Path d = super.delegateOf(other);
            return d != null || other.getFileSystem() != fs.plain ? d : other;
        }

        @Override
        public URI toUri() {
            return delegate.toUri();
        }

        @Override
        public Path toAbsolutePath() {
            return wrap(delegate.toAbsolutePath());
        }

        @Override
        public Path toRealPath(LinkOption... options) throws IOException {
            return wrap(delegate.toRealPath(options));
        }

        @Override
        public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
                throws IOException {
            return delegate.register(watcher, events, modifiers);
        }
    }

    /** Every call is the default provider's on the plain path; channels are the faulty ones. */
    private final class Provider extends FileSystemProvider {

        private FileSystemProvider plainProvider() {
            return plain.provider();
        }

        @Override
        public String getScheme() {
            return "faulty";
        }

        @Override
        public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileSystem getFileSystem(URI uri) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path getPath(URI uri) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
                FileAttribute<?>... attrs) throws IOException {
            return newFileChannel(path, options, attrs);
        }

        @Override
        public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
                throws IOException {
            Path p = plainOf(path);
            return new FaultyChannel(p, FileChannel.open(p, options, attrs));
        }

        @Override
        public AsynchronousFileChannel newAsynchronousFileChannel(Path path, Set<? extends OpenOption> options,
                ExecutorService executor, FileAttribute<?>... attrs) throws IOException {
            Path p = plainOf(path);
            return new FaultyAsyncChannel(p, FileChannel.open(p, options, attrs),
                    executor != null ? executor : DEFAULT_EXECUTOR);
        }

        @Override
        public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
                throws IOException {
            DirectoryStream<Path> s = plainProvider().newDirectoryStream(plainOf(dir), p -> filter.accept(wrap(p)));
            return new DirectoryStream<>() {
                @Override
                public Iterator<Path> iterator() {
                    Iterator<Path> it = s.iterator();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Path next() {
                            return wrap(it.next());
                        }
                    };
                }

                @Override
                public void close() throws IOException {
                    s.close();
                }
            };
        }

        @Override
        public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
            plainProvider().createDirectory(plainOf(dir), attrs);
        }

        @Override
        public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
            plainProvider().createSymbolicLink(plainOf(link), plainOf(target), attrs);
        }

        @Override
        public void createLink(Path link, Path existing) throws IOException {
            plainProvider().createLink(plainOf(link), plainOf(existing));
        }

        @Override
        public void delete(Path path) throws IOException {
            plainProvider().delete(plainOf(path));
        }

        @Override
        public void copy(Path source, Path target, CopyOption... options) throws IOException {
            plainProvider().copy(plainOf(source), plainOf(target), options);
        }

        @Override
        public void move(Path source, Path target, CopyOption... options) throws IOException {
            plainProvider().move(plainOf(source), plainOf(target), options);
        }

        @Override
        public Path readSymbolicLink(Path link) throws IOException {
            return wrap(plainProvider().readSymbolicLink(plainOf(link)));
        }

        @Override
        public boolean isSameFile(Path path, Path path2) throws IOException {
            return plainProvider().isSameFile(plainOf(path), plainOf(path2));
        }

        @Override
        public boolean isHidden(Path path) throws IOException {
            return plainProvider().isHidden(plainOf(path));
        }

        @Override
        public FileStore getFileStore(Path path) throws IOException {
            return plainProvider().getFileStore(plainOf(path));
        }

        @Override
        public void checkAccess(Path path, AccessMode... modes) throws IOException {
            plainProvider().checkAccess(plainOf(path), modes);
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
            return plainProvider().getFileAttributeView(plainOf(path), type, options);
        }

        @Override
        public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
                throws IOException {
            return plainProvider().readAttributes(plainOf(path), type, options);
        }

        @Override
        public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
                throws IOException {
            return plainProvider().readAttributes(plainOf(path), attributes, options);
        }

        @Override
        public void setAttribute(Path path, String attribute, Object value, LinkOption... options)
                throws IOException {
            plainProvider().setAttribute(plainOf(path), attribute, value, options);
        }
    }

    /** A file channel whose writes and forces obey the faults; everything else is the plain channel's. */
    private final class FaultyChannel extends FileChannel {
        private final Path file;
        private final FileChannel ch;

        FaultyChannel(Path file, FileChannel ch) {
            this.file = file;
            this.ch = ch;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return FaultyFileSystem.this.write(file, ch, src, -1);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (position < 0) {
                throw new IllegalArgumentException("negative position");
            }
            return FaultyFileSystem.this.write(file, ch, src, position);
        }

        /** Buffer by buffer; a fault after some bytes makes it a short write, as writev(2) is. */
        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, srcs.length);
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                ByteBuffer b = srcs[i];
                if (!b.hasRemaining()) {
                    continue;
                }
                int want = b.remaining();
                int n;
                try {
                    n = write(b);
                } catch (IOException e) {
                    if (total > 0) {
                        return total;
                    }
                    throw e;
                }
                total += n;
                if (n < want) {
                    break;
                }
            }
            return total;
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 8192));
            long done = 0;
            while (done < count) {
                buf.clear().limit((int) Math.min(buf.capacity(), count - done));
                if (src.read(buf) <= 0) {
                    break;
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    done += write(buf, position + done);
                }
            }
            return done;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            FaultyFileSystem.this.force(file, ch, metaData);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return ch.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return ch.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return ch.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return ch.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            ch.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            ch.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return ch.transferTo(position, count, target);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return ch.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return ch.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return ch.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            ch.close();
        }
    }

    /**
     * An asynchronous channel over a plain {@link FileChannel}: each read, write and lock runs as a
     * task of its executor, which completes the handler (so an injected fault reaches
     * {@code failed} on the completion thread).
     */
    private final class FaultyAsyncChannel extends AsynchronousFileChannel {
        private final Path file;
        private final FileChannel ch;
        private final ExecutorService executor;

        FaultyAsyncChannel(Path file, FileChannel ch, ExecutorService executor) {
            this.file = file;
            this.ch = ch;
            this.executor = executor;
        }

        @FunctionalInterface
        private interface Io<V> {
            V run() throws IOException;
        }

        private <V, A> void run(Io<V> io, A attachment, CompletionHandler<V, ? super A> handler) {
            executor.execute(() -> {
                V v;
                try {
                    v = io.run();
                } catch (Throwable t) {
                    handler.failed(t, attachment);
                    return;
                }
                handler.completed(v, attachment);
            });
        }

        private <V> Future<V> run(Io<V> io) {
            CompletableFuture<V> f = new CompletableFuture<>();
            run(io, null, new CompletionHandler<V, Object>() {
                @Override
                public void completed(V result, Object a) {
                    f.complete(result);
                }

                @Override
                public void failed(Throwable exc, Object a) {
                    f.completeExceptionally(exc);
                }
            });
            return f;
        }

        @Override
        public <A> void write(ByteBuffer src, long position, A attachment,
                CompletionHandler<Integer, ? super A> handler) {
            run(() -> FaultyFileSystem.this.write(file, ch, src, position), attachment, handler);
        }

        @Override
        public Future<Integer> write(ByteBuffer src, long position) {
            return run(() -> FaultyFileSystem.this.write(file, ch, src, position));
        }

        @Override
        public <A> void read(ByteBuffer dst, long position, A attachment,
                CompletionHandler<Integer, ? super A> handler) {
            run(() -> ch.read(dst, position), attachment, handler);
        }

        @Override
        public Future<Integer> read(ByteBuffer dst, long position) {
            return run(() -> ch.read(dst, position));
        }

        @Override
        public <A> void lock(long position, long size, boolean shared, A attachment,
                CompletionHandler<FileLock, ? super A> handler) {
            run(() -> ch.lock(position, size, shared), attachment, handler);
        }

        @Override
        public Future<FileLock> lock(long position, long size, boolean shared) {
            return run(() -> ch.lock(position, size, shared));
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return ch.tryLock(position, size, shared);
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public AsynchronousFileChannel truncate(long size) throws IOException {
            ch.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            FaultyFileSystem.this.force(file, ch, metaData);
        }

        @Override
        public boolean isOpen() {
            return ch.isOpen();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
