package dev.quiesce.nio;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.DosFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * The provider behind a {@link Volume}'s file system: every call is the provider of the file system
 * under the volume on the plain path, and every call that modifies the volume goes through the
 * volume's write protocol (see {@link Volume}). One provider per volume; it is not installed (no
 * {@code quiesce:} URIs).
 *
 * <p>Every path is resolved beneath the volume root first ({@link VolumeFileSystem#real} for
 * operations that follow a link in the last name, {@link VolumeFileSystem#realName} for those that act
 * on the name itself), so a symbolic link that leaves the root is refused; a write through a link that
 * stays inside is tracked, and announced, under the file it reaches.
 */
final class VolumeProvider extends FileSystemProvider {

    private final VolumeFileSystem fs;

    VolumeProvider(VolumeFileSystem fs) {
        this.fs = fs;
    }

    private Volume volume() {
        return fs.volume();
    }

    private static FileSystemProvider plain(Path real) {
        return real.getFileSystem().provider();
    }

    /**
     * The options of an open, plus {@link LinkOption#NOFOLLOW_LINKS}: the path opened was resolved
     * beneath the root with its links replaced, so a link found in its last name now was put there
     * after the check, and the open fails instead of following it.
     */
    private static Set<OpenOption> noFollow(Set<? extends OpenOption> options) {
        Set<OpenOption> all = new HashSet<>(options);
        all.add(LinkOption.NOFOLLOW_LINKS);
        return all;
    }

    /**
     * False once the file system under the volume refused {@code NOFOLLOW_LINKS} on an open that it
     * then allowed without it (the zip file system, which has no symbolic links to follow).
     */
    private volatile boolean opensNoFollow = true;

    /** An open of a checked path: see {@link #noFollow}, and {@link #opensNoFollow} for the retry. */
    private <C> C open(Set<? extends OpenOption> options, Opener<C> opener) throws IOException {
        if (!opensNoFollow) {
            return opener.open(new HashSet<>(options));
        }
        try {
            return opener.open(noFollow(options));
        } catch (IllegalArgumentException | UnsupportedOperationException refused) {
            if (options.contains(LinkOption.NOFOLLOW_LINKS)) {
                throw refused;
            }
            C opened = opener.open(new HashSet<>(options));   // refused again if the option was not the cause
            opensNoFollow = false;
            return opened;
        }
    }

    @FunctionalInterface
    private interface Opener<C> {
        C open(Set<OpenOption> options) throws IOException;
    }

    @Override
    public String getScheme() {
        return "quiesce";
    }

    /** Always refused: volumes are opened with {@link Volume#open}. */
    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
        throw new UnsupportedOperationException("open a volume with Volume.open(Path)");
    }

    /** Always refused: volume file systems have no URI. */
    @Override
    public FileSystem getFileSystem(URI uri) {
        throw new FileSystemNotFoundException("volume file systems have no URI: " + uri);
    }

    /** Always refused: volume paths are made with {@link Volume#path} or the file system's {@code getPath}. */
    @Override
    public Path getPath(URI uri) {
        throw new FileSystemNotFoundException("volume file systems have no URI: " + uri);
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return newFileChannel(path, options, attrs);
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Path real = fs.wrapReal(fs.real(path, options.toArray()));
        return open(options, opts -> volume().openChannel(real, opts, attrs));
    }

    @Override
    public AsynchronousFileChannel newAsynchronousFileChannel(Path path, Set<? extends OpenOption> options,
            ExecutorService executor, FileAttribute<?>... attrs) throws IOException {
        Path real = fs.wrapReal(fs.real(path, options.toArray()));
        return open(options, opts -> volume().openAsyncChannel(real, opts, executor, attrs));
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        Path given = fs.unwrap(dir);
        Path real = fs.real(dir);
        fs.ensureOpen("newDirectoryStream", given);
        DirectoryStream<Path> plain = plain(real).newDirectoryStream(real, p -> true);
        return new DirectoryStream<>() {
            @Override
            public Iterator<Path> iterator() {
                Iterator<Path> it = plain.iterator();
                return new Iterator<>() {
                    private Path next;

                    @Override
                    public boolean hasNext() {
                        while (next == null && it.hasNext()) {
                            Path candidate = new VolumePath(fs, given.resolve(it.next().getFileName()));
                            try {
                                if (filter == null || filter.accept(candidate)) {
                                    next = candidate;
                                }
                            } catch (IOException e) {
                                throw new java.nio.file.DirectoryIteratorException(e);
                            }
                        }
                        return next != null;
                    }

                    @Override
                    public Path next() {
                        if (!hasNext()) {
                            throw new java.util.NoSuchElementException();
                        }
                        Path n = next;
                        next = null;
                        return n;
                    }
                };
            }

            @Override
            public void close() throws IOException {
                plain.close();
            }
        };
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        Path real = fs.realName(dir);
        volume().modifyNames(Modification.Kind.CREATE, real, null,
                () -> plain(real).createDirectory(real, attrs));
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        Path real = fs.realName(link);
        Path plainTarget = fs.unwrap(target);   // kept as given: a relative target stays relative to the link
        volume().modifyNames(Modification.Kind.CREATE, real, null,
                () -> plain(real).createSymbolicLink(real, plainTarget, attrs));
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        Path real = fs.realName(link);
        Path realExisting = fs.realName(existing);      // link(2) does not follow a link either
        volume().modifyNames(Modification.Kind.CREATE, real, null,
                () -> plain(real).createLink(real, realExisting));
    }

    @Override
    public void delete(Path path) throws IOException {
        Path real = fs.realName(path);
        volume().modifyNames(Modification.Kind.DELETE, real, null, () -> plain(real).delete(real));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        Path realSource = fs.real(source, options);
        Path realTarget = fs.realName(target);          // an existing target is replaced, not followed
        volume().modifyNames(Modification.Kind.COPY, realSource, realTarget,
                () -> plain(realSource).copy(realSource, realTarget, options));
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Path realSource = fs.realName(source);
        Path realTarget = fs.realName(target);
        volume().modifyNames(Modification.Kind.MOVE, realSource, realTarget,
                () -> plain(realSource).move(realSource, realTarget, options));
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        Path real = fs.realName(link);
        return new VolumePath(fs, plain(real).readSymbolicLink(real));
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        if (!(path2 instanceof VolumePath) || ((VolumePath) path2).getFileSystem() != fs) {
            return false;
        }
        Path a = fs.real(path);
        return plain(a).isSameFile(a, fs.real(path2));
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
        Path real = fs.realName(path);
        return plain(real).isHidden(real);
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        Path real = fs.real(path);
        return plain(real).getFileStore(real);
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        Path real = fs.real(path);
        plain(real).checkAccess(real, modes);
    }

    /** The plain file's view; its setters change attributes without going through the volume. */
    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        Path real;
        try {
            real = fs.real(path, options);
        } catch (IOException refused) {
            return refusedView(type, refused);
        }
        return plain(real).getFileAttributeView(real, type, options);
    }

    /**
     * A view of a path the volume refuses (outside its root, lexically or through a link), whose every
     * I/O method throws that refusal: {@code Files.setLastModifiedTime}, {@code setPosixFilePermissions}
     * and {@code setOwner}, which ask for a view and use it at once, then fail with the refusal naming
     * the root instead of a {@link NullPointerException} on a null view. {@code name()} answers; a
     * type that is not an interface gets {@code null} (no such view).
     */
    private static <V extends FileAttributeView> V refusedView(Class<V> type, IOException refused) {
        if (!type.isInterface()) {
            return null;
        }
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                switch (method.getName()) {
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    default:
                        return type.getSimpleName() + "[refused: " + refused.getMessage() + "]";
                }
            }
            if (method.getName().equals("name") && method.getParameterCount() == 0) {
                return VIEW_NAMES.getOrDefault(type, type.getSimpleName());
            }
            if (refused instanceof FileSystemException) {
                FileSystemException f = (FileSystemException) refused;
                throw new FileSystemException(f.getFile(), f.getOtherFile(), f.getReason());
            }
            throw new IOException(refused.getMessage(), refused);
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /** The names of the JDK's views, for {@link #refusedView}'s {@code name()}. */
    private static final Map<Class<?>, String> VIEW_NAMES = Map.of(BasicFileAttributeView.class, "basic",
            PosixFileAttributeView.class, "posix", DosFileAttributeView.class, "dos",
            FileOwnerAttributeView.class, "owner", AclFileAttributeView.class, "acl",
            UserDefinedFileAttributeView.class, "user");

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        Path real = fs.real(path, options);
        return plain(real).readAttributes(real, type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
            throws IOException {
        Path real = fs.real(path, options);
        return plain(real).readAttributes(real, attributes, options);
    }

    /** Sets an attribute of the plain file; attribute changes are not announced to watchers. */
    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        Path real = fs.real(path, options);
        Files.setAttribute(real, attribute, value, options);
    }
}
