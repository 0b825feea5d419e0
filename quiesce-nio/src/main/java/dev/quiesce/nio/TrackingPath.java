package dev.quiesce.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/**
 * A path of the {@link TrackingFileSystem}: a platform path with the tracking file system as its
 * own, so that every {@code Files} call on it comes back to the {@link TrackingFileSystemProvider},
 * which routes it. Its syntax, names, comparisons and {@code toString()} are the platform path's.
 */
final class TrackingPath implements Path {

    /*
     * Implementation notes.
     *
     * On the start-up path (see TrackingFileSystemProvider's notes): no lambdas, no string
     * concatenation (javac compiles both to invokedynamic), nothing but java.base and the platform
     * path. TrackingProviderStartupTest checks the class file for invokedynamic.
     */

    private final TrackingFileSystem fs;
    /** The same path of the platform file system; relative paths stay relative. */
    private final Path delegate;

    TrackingPath(TrackingFileSystem fs, Path delegate) {
        this.fs = fs;
        this.delegate = delegate;
    }

    /** The platform path, as given. */
    Path delegate() {
        return delegate;
    }

    private TrackingPath wrap(Path p) {
        return p == null ? null : new TrackingPath(fs, p);
    }

    @Override
    public TrackingFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return delegate.isAbsolute();
    }

    @Override
    public Path getRoot() {
        return wrap(delegate.getRoot());
    }

    @Override
    public Path getFileName() {
        return wrap(delegate.getFileName());
    }

    @Override
    public Path getParent() {
        return wrap(delegate.getParent());
    }

    @Override
    public int getNameCount() {
        return delegate.getNameCount();
    }

    @Override
    public Path getName(int index) {
        return wrap(delegate.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        return wrap(delegate.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        return other instanceof TrackingPath && ((TrackingPath) other).fs == fs
                && delegate.startsWith(((TrackingPath) other).delegate);
    }

    @Override
    public boolean endsWith(Path other) {
        return other instanceof TrackingPath && ((TrackingPath) other).fs == fs
                && delegate.endsWith(((TrackingPath) other).delegate);
    }

    @Override
    public Path normalize() {
        return wrap(delegate.normalize());
    }

    @Override
    public Path resolve(Path other) {
        return wrap(delegate.resolve(fs.unwrap(other)));
    }

    @Override
    public Path relativize(Path other) {
        return wrap(delegate.relativize(fs.unwrap(other)));
    }

    @Override
    public URI toUri() {
        return delegate.toUri();
    }

    @Override
    public Path toAbsolutePath() {
        return delegate.isAbsolute() ? this : wrap(delegate.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        return wrap(delegate.toRealPath(options));
    }

    /** Registers the platform directory; the keys and events of the service give tracking paths. */
    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
            throws IOException {
        Objects.requireNonNull(watcher, "watcher");
        if (!(watcher instanceof TrackingWatchService)) {
            throw new ProviderMismatchException();
        }
        return ((TrackingWatchService) watcher).register(this, events, modifiers);
    }

    @Override
    public int compareTo(Path other) {
        return delegate.compareTo(fs.unwrap(other));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrackingPath && ((TrackingPath) o).fs == fs && ((TrackingPath) o).delegate.equals(delegate);
    }

    @Override
    public int hashCode() {
        return delegate.hashCode();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
