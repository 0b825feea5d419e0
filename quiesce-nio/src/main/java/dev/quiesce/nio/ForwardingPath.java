package dev.quiesce.nio;

import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.util.Objects;

/**
 * A path of a file system of Quiesce's own that sits on another file system's path (its
 * {@link #delegate}): the names, syntax, comparisons and {@code toString()} are the delegate's, and
 * every path this one derives is wrapped again, so that {@code Files} calls on it come back to its
 * own provider. The subclasses say how a path is absolute, real, a URI and watched.
 *
 * <p>On the start-up path of {@link TrackingFileSystemProvider}: no lambdas and no string
 * concatenation here (javac compiles both to {@code invokedynamic}; TrackingProviderStartupTest
 * reads this class file too).
 */
abstract class ForwardingPath implements Path {

    /** The same path of the file system underneath; relative paths stay relative. */
    final Path delegate;

    ForwardingPath(Path delegate) {
        this.delegate = delegate;
    }

    /** The path underneath, as given (relative ones stay relative). */
    final Path delegate() {
        return delegate;
    }

    /** This file system's path over {@code p}, which is not null. */
    abstract ForwardingPath make(Path p);

    @Override
    public abstract FileSystem getFileSystem();

    /**
     * {@code other}'s path underneath, or null when {@code other} is not a path of this path's
     * file system. A subclass may accept more (a plain path of the file system underneath).
     */
    Path delegateOf(Path other) {
        if (other instanceof ForwardingPath && other.getClass() == getClass()
                && other.getFileSystem() == getFileSystem()) {
            return ((ForwardingPath) other).delegate;
        }
        return null;
    }

    final Path wrap(Path p) {
        return p == null ? null : make(p);
    }

    /** {@code other}'s path underneath; a path of another file system is refused. */
    final Path unwrap(Path other) {
        Objects.requireNonNull(other, "other");
        Path d = delegateOf(other);
        if (d == null) {
            throw new ProviderMismatchException(String.valueOf(other).concat(" is not a path of ")
                    .concat(String.valueOf(getFileSystem())));
        }
        return d;
    }

    @Override
    public final boolean isAbsolute() {
        return delegate.isAbsolute();
    }

    @Override
    public final Path getRoot() {
        return wrap(delegate.getRoot());
    }

    @Override
    public final Path getFileName() {
        return wrap(delegate.getFileName());
    }

    @Override
    public final Path getParent() {
        return wrap(delegate.getParent());
    }

    @Override
    public final int getNameCount() {
        return delegate.getNameCount();
    }

    @Override
    public final Path getName(int index) {
        return wrap(delegate.getName(index));
    }

    @Override
    public final Path subpath(int beginIndex, int endIndex) {
        return wrap(delegate.subpath(beginIndex, endIndex));
    }

    @Override
    public final boolean startsWith(Path other) {
        Path d = delegateOf(Objects.requireNonNull(other, "other"));
        return d != null && delegate.startsWith(d);
    }

    @Override
    public final boolean endsWith(Path other) {
        Path d = delegateOf(Objects.requireNonNull(other, "other"));
        return d != null && delegate.endsWith(d);
    }

    @Override
    public final Path normalize() {
        return wrap(delegate.normalize());
    }

    @Override
    public final Path resolve(Path other) {
        return wrap(delegate.resolve(unwrap(other)));
    }

    @Override
    public final Path relativize(Path other) {
        return wrap(delegate.relativize(unwrap(other)));
    }

    @Override
    public final int compareTo(Path other) {
        return delegate.compareTo(unwrap(other));
    }

    /** Equal: a path of the same class and file system over an equal path underneath. */
    @Override
    public final boolean equals(Object o) {
        return o instanceof ForwardingPath && o.getClass() == getClass()
                && ((ForwardingPath) o).getFileSystem() == getFileSystem()
                && ((ForwardingPath) o).delegate.equals(delegate);
    }

    @Override
    public final int hashCode() {
        return delegate.hashCode();
    }

    @Override
    public final String toString() {
        return delegate.toString();
    }
}
