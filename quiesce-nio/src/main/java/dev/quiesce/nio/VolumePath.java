package dev.quiesce.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;

/**
 * A path of a {@link Volume}'s file system: a path of the file system under the volume (its syntax,
 * its names), bound to the volume so that {@code Files.*} calls on it go through the volume. A relative
 * path is relative to the volume's root, which is this file system's working directory.
 */
final class VolumePath extends ForwardingPath {

    private final VolumeFileSystem fs;

    VolumePath(VolumeFileSystem fs, Path delegate) {
        super(delegate);
        this.fs = fs;
    }

    @Override
    VolumePath make(Path p) {
        return new VolumePath(fs, p);
    }

    @Override
    public VolumeFileSystem getFileSystem() {
        return fs;
    }

    /** A {@code file:} URI of the absolute path: a URI leaves the volume (it names the plain file). */
    @Override
    public URI toUri() {
        return fs.absolute(delegate).toUri();
    }

    @Override
    public Path toAbsolutePath() {
        return delegate.isAbsolute() ? this : wrap(fs.absolute(delegate));
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        return wrap(fs.absolute(delegate).toRealPath(options));
    }

    /** Registers the plain directory with a watch service of the file system under the volume. */
    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
            throws IOException {
        return fs.absolute(delegate).register(watcher, events, modifiers);
    }
}
