package dev.quiesce.nio;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The file system of a {@link Volume}: the paths of the file system under it (the default one,
 * Jimfs, a user's own), bound to the volume. Its working directory is the volume's root; operations
 * on paths outside the root are refused.
 */
final class VolumeFileSystem extends FileSystem {

    private final Volume volume;
    private final VolumeProvider provider;
    /** The file system under the volume: its root's. */
    private final FileSystem plain;

    VolumeFileSystem(Volume volume, FileSystem plain) {
        this.volume = volume;
        this.plain = plain;
        this.provider = new VolumeProvider(this);
    }

    Volume volume() {
        return volume;
    }

    /** {@code p} (a default-file-system path) made absolute against the volume root. */
    Path absolute(Path p) {
        return volume.directory().resolve(p);
    }

    /**
     * The plain absolute path behind a path of this file system, checked to lie within the root.
     *
     * @throws ProviderMismatchException if {@code p} is not a path of this file system
     * @throws FileSystemException       if it lies outside the volume root
     */
    Path real(Path p) throws FileSystemException {
        Path abs = absolute(unwrap(p)).normalize();
        if (!abs.startsWith(volume.directory())) {
            throw new FileSystemException(p.toString(), null, "outside the volume root " + volume.directory());
        }
        return abs;
    }

    Path unwrap(Path p) {
        Objects.requireNonNull(p, "path");
        if (p instanceof VolumePath && ((VolumePath) p).getFileSystem() == this) {
            return ((VolumePath) p).delegate();
        }
        throw new ProviderMismatchException(p + " is not a path of " + this);
    }

    /** The path of this file system for a plain absolute path within the root. */
    VolumePath wrapReal(Path real) {
        return new VolumePath(this, real);
    }

    /** Refuses a closed volume, naming it and what was refused: see Volume.ensureOpen(). */
    void ensureOpen(String op, Path path) {
        volume.ensureOpen(op, path);
    }

    @Override
    public FileSystemProvider provider() {
        return provider;
    }

    /** Closes the volume: {@link Volume#close()}. */
    @Override
    public void close() throws IOException {
        volume.close();
    }

    @Override
    public boolean isOpen() {
        return volume.isOpen();
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
        for (Path r : plain.getRootDirectories()) {
            roots.add(new VolumePath(this, r));
        }
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
        return new VolumePath(this, plain.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        PathMatcher m = plain.getPathMatcher(syntaxAndPattern);
        return path -> path instanceof VolumePath && ((VolumePath) path).getFileSystem() == this
                && m.matches(((VolumePath) path).delegate());
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return plain.getUserPrincipalLookupService();
    }

    /** A watch service of the file system under the volume (register volume paths with it). */
    @Override
    public WatchService newWatchService() throws IOException {
        return plain.newWatchService();
    }

    @Override
    public String toString() {
        return "Volume file system at " + volume.directory();
    }
}
