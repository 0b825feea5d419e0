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
 * A path of a {@link Volume}'s file system: a path of the file system under the volume (its syntax,
 * its names), bound to the volume so that {@code Files.*} calls on it go through the volume. A relative
 * path is relative to the volume's root, which is this file system's working directory.
 */
final class VolumePath implements Path {

    private final VolumeFileSystem fs;
    /** The same path in the file system under the volume; relative paths stay relative. */
    private final Path delegate;

    VolumePath(VolumeFileSystem fs, Path delegate) {
        this.fs = fs;
        this.delegate = delegate;
    }

    /** The path in the file system under the volume, as given (relative ones stay relative). */
    Path delegate() {
        return delegate;
    }

    private VolumePath wrap(Path p) {
        return p == null ? null : new VolumePath(fs, p);
    }

    private Path unwrap(Path other) {
        Objects.requireNonNull(other, "other");
        if (other instanceof VolumePath && ((VolumePath) other).fs == fs) {
            return ((VolumePath) other).delegate;
        }
        throw new ProviderMismatchException(other + " is not a path of " + fs);
    }

    @Override
    public VolumeFileSystem getFileSystem() {
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
        return other instanceof VolumePath && ((VolumePath) other).fs == fs
                && delegate.startsWith(((VolumePath) other).delegate);
    }

    @Override
    public boolean endsWith(Path other) {
        return other instanceof VolumePath && ((VolumePath) other).fs == fs
                && delegate.endsWith(((VolumePath) other).delegate);
    }

    @Override
    public Path normalize() {
        return wrap(delegate.normalize());
    }

    @Override
    public Path resolve(Path other) {
        return wrap(delegate.resolve(unwrap(other)));
    }

    @Override
    public Path relativize(Path other) {
        return wrap(delegate.relativize(unwrap(other)));
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

    @Override
    public int compareTo(Path other) {
        return delegate.compareTo(unwrap(other));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VolumePath && ((VolumePath) o).fs == fs && ((VolumePath) o).delegate.equals(delegate);
    }

    @Override
    public int hashCode() {
        return delegate.hashCode() * 31 + System.identityHashCode(fs);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
