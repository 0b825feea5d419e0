package dev.quiesce.nio;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The file system of a {@link Volume}: the paths of the file system under it (the default one,
 * Jimfs, a user's own), bound to the volume. Its working directory is the volume's root; operations
 * on paths outside the root are refused.
 *
 * <p>"Outside" is decided by resolving the path beneath the root ({@link #real}, {@link #realName}),
 * as Linux's {@code openat2(2)} with {@code RESOLVE_BENEATH} does: lexically first ({@code ..} and
 * absolute paths elsewhere), then name by name through the symbolic links below the root. A link
 * that leaves the root — absolute to elsewhere, or relative and climbing out, even if it would come
 * back — is refused with a {@link FileSystemException} naming the root and the link, whether the
 * operation writes or only reads (a read needs no tracking, but the volume's paths stay in its
 * directory: a copy taken while the volume is frozen must not read files no freeze holds). A link in
 * the last name is followed by operations that follow links (opens, truncation, attribute reads
 * without {@code NOFOLLOW_LINKS}, a copy's source) and left alone by those that act on the name
 * itself (delete, move, create, a copy's target, reading the link), so a link to outside can still be
 * read, moved and deleted through the volume.
 *
 * <p>What is not closed: a directory name swapped for a link to outside between the resolution and
 * the operation (Java has no {@code openat2}); an open's last name is opened with
 * {@code NOFOLLOW_LINKS}, so a link put there meanwhile fails the open. Cost: one {@code lstat} per
 * name below the root (plus a {@code readlink} per link) for each operation on a path — an open, a
 * name-space change, an attribute read — never for reads and writes on an open channel.
 */
final class VolumeFileSystem extends FileSystem {

    /** Linux's limit on symbolic links followed in one lookup (MAXSYMLINKS). */
    private static final int MAX_LINKS = 40;

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
     * The plain path that an operation following links reaches through {@code p} (an open, a
     * truncation, a read of attributes): {@link #beneath}, following a link in the last name too.
     *
     * @throws ProviderMismatchException if {@code p} is not a path of this file system
     * @throws FileSystemException       if it lies outside the volume root, lexically or through a
     *                                   symbolic link
     */
    Path real(Path p) throws IOException {
        return beneath(p, true);
    }

    /**
     * The plain path of the name {@code p} itself (a deletion, a move, a creation, reading a link):
     * {@link #beneath}, leaving a link in the last name unfollowed, as {@code unlink(2)} and
     * {@code rename(2)} do.
     *
     * @throws ProviderMismatchException if {@code p} is not a path of this file system
     * @throws FileSystemException       if it lies outside the volume root, lexically or through a
     *                                   symbolic link in a directory name
     */
    Path realName(Path p) throws IOException {
        return beneath(p, false);
    }

    /** {@link #real} or {@link #realName}: whether {@code options} hold {@link LinkOption#NOFOLLOW_LINKS}. */
    Path real(Path p, Object[] options) throws IOException {
        for (Object o : options) {
            if (o == LinkOption.NOFOLLOW_LINKS) {
                return realName(p);
            }
        }
        return real(p);
    }

    /**
     * Resolves {@code p} beneath the volume root as {@code openat2(2)} with {@code RESOLVE_BENEATH}
     * does: the path is made absolute against the root and normalized (lexically, as before), then
     * its names below the root are walked one by one; a symbolic link met on the way (and in the last
     * name when {@code followLast}) is replaced by its target, and the walk refuses to leave the
     * root — through {@code ..}, a relative target that climbs out, or an absolute target elsewhere —
     * even if it would come back. The result has no symbolic link below the root in any name the walk
     * followed (at the time of the walk). A name that cannot be read (missing, not a directory, no
     * permission) ends the following: the operation itself then meets that name and reports it.
     *
     * <p>Cost: one {@code lstat} per name below the root, plus a {@code readlink} per link; paid by
     * every operation on a path (opens, name-space changes, attribute reads), never by a read or write
     * on a channel already open.
     *
     * <p>Not closed: the time between this check and the operation. A directory name replaced by a
     * link to outside between the two is followed by the operation (the last name is safe for opens:
     * they are made with {@link LinkOption#NOFOLLOW_LINKS}, so a link put there meanwhile fails the
     * open). Java has no {@code openat2}; whoever can swap names inside the root while the volume
     * works can reach outside it through that gap.
     */
    private Path beneath(Path p, boolean followLast) throws IOException {
        Path root = volume.directory();
        Path abs = absolute(unwrap(p)).normalize();
        if (!abs.startsWith(root)) {
            throw new FileSystemException(p.toString(), null, "outside the volume root " + root);
        }
        Deque<Path> names = new ArrayDeque<>();
        root.relativize(abs).forEach(names::add);
        Path at = root;
        Path link = null;
        Path target = null;
        int links = 0;
        while (!names.isEmpty()) {
            Path name = names.pollFirst();
            String n = name.toString();
            if (n.isEmpty() || n.equals(".")) {
                continue;
            }
            if (n.equals("..")) {
                at = at.getParent();
                if (at == null || !at.startsWith(root)) {
                    throw leaves(p, link, target);
                }
                continue;
            }
            Path next = at.resolve(name);
            if (names.isEmpty() && !followLast) {
                return next;
            }
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(next, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException unreadable) {
                at = next;          // nothing to follow here: the operation meets the name itself
                continue;
            }
            if (!attrs.isSymbolicLink()) {
                at = next;
                continue;
            }
            if (++links > MAX_LINKS) {
                throw new FileSystemException(p.toString(), next.toString(), "more than " + MAX_LINKS
                        + " symbolic links below the volume root " + root);
            }
            link = next;
            target = Files.readSymbolicLink(next);
            Path rest = target;
            if (target.isAbsolute()) {
                Path t = target.normalize();
                if (!t.startsWith(root)) {
                    throw leaves(p, link, target);
                }
                at = root;
                rest = root.relativize(t);
            }
            List<Path> parts = new ArrayList<>();
            rest.forEach(parts::add);
            for (int i = parts.size() - 1; i >= 0; i--) {
                names.addFirst(parts.get(i));
            }
        }
        return at;
    }

    private FileSystemException leaves(Path p, Path link, Path target) {
        Path root = volume.directory();
        if (link == null) {
            return new FileSystemException(p.toString(), null, "outside the volume root " + root);
        }
        return new FileSystemException(p.toString(), link.toString(), "outside the volume root " + root
                + ": the symbolic link " + link + " -> " + target + " leaves it (a volume refuses links that"
                + " leave its root, as openat2's RESOLVE_BENEATH does: what is written outside would not be tracked)");
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
