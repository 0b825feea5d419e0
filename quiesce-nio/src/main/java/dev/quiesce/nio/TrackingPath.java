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
final class TrackingPath extends ForwardingPath {

    /*
     * Implementation notes.
     *
     * On the start-up path (see TrackingFileSystemProvider's notes): no lambdas, no string
     * concatenation (javac compiles both to invokedynamic), nothing but java.base and the platform
     * path. TrackingProviderStartupTest checks the class file (and ForwardingPath's) for invokedynamic.
     */

    private final TrackingFileSystem fs;

    TrackingPath(TrackingFileSystem fs, Path delegate) {
        super(delegate);
        this.fs = fs;
    }

    @Override
    TrackingPath make(Path p) {
        return new TrackingPath(fs, p);
    }

    @Override
    public TrackingFileSystem getFileSystem() {
        return fs;
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
}
