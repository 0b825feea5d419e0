package dev.quiesce.nio;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The default file system while {@link TrackingFileSystemProvider} is installed: the platform's
 * file system, whose paths are {@link TrackingPath}s. Everything but the provider is the
 * platform's; like the platform's it cannot be closed.
 */
final class TrackingFileSystem extends FileSystem {

    /* On the start-up path: see TrackingPath's notes (no lambdas, no string concatenation). */

    private final TrackingFileSystemProvider provider;
    private final FileSystem platform;

    TrackingFileSystem(TrackingFileSystemProvider provider, FileSystem platform) {
        this.provider = provider;
        this.platform = platform;
    }

    FileSystem platform() {
        return platform;
    }

    TrackingPath wrap(Path platformPath) {
        return new TrackingPath(this, platformPath);
    }

    /**
     * The platform path behind {@code p}.
     *
     * @throws ProviderMismatchException if {@code p} is not a path of this file system
     */
    Path unwrap(Path p) {
        Objects.requireNonNull(p, "path");
        if (p instanceof TrackingPath && ((TrackingPath) p).getFileSystem() == this) {
            return ((TrackingPath) p).delegate();
        }
        throw new ProviderMismatchException(String.valueOf(p));
    }

    @Override
    public TrackingFileSystemProvider provider() {
        return provider;
    }

    /** Always refused, as the platform's default file system refuses it. */
    @Override
    public void close() throws IOException {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isOpen() {
        return platform.isOpen();
    }

    @Override
    public boolean isReadOnly() {
        return platform.isReadOnly();
    }

    @Override
    public String getSeparator() {
        return platform.getSeparator();
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        List<Path> roots = new ArrayList<>();
        for (Path r : platform.getRootDirectories()) {
            roots.add(wrap(r));
        }
        return roots;
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return platform.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return platform.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
        return wrap(platform.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        return new Matcher(platform.getPathMatcher(syntaxAndPattern));
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return platform.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() throws IOException {
        return new TrackingWatchService(this, platform.newWatchService());
    }

    @Override
    public String toString() {
        return platform.toString();
    }

    /** The platform's matcher on the platform path (a named class: no lambda on the start-up path). */
    private final class Matcher implements PathMatcher {
        private final PathMatcher platformMatcher;

        Matcher(PathMatcher platformMatcher) {
            this.platformMatcher = platformMatcher;
        }

        @Override
        public boolean matches(Path path) {
            return path instanceof TrackingPath && ((TrackingPath) path).getFileSystem() == TrackingFileSystem.this
                    && platformMatcher.matches(((TrackingPath) path).delegate());
        }
    }
}
