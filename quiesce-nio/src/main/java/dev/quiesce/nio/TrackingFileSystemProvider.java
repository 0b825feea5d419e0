package dev.quiesce.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import javax.management.MBeanServer;

/**
 * A default {@link FileSystemProvider} that tracks, through a {@link Volume} per configured root,
 * every NIO modification that a program makes under those roots — for programs that were not
 * written for Quiesce. Install it with two system properties:
 * <pre>{@code
 * java -Djava.nio.file.spi.DefaultFileSystemProvider=dev.quiesce.nio.TrackingFileSystemProvider \
 *      -Ddev.quiesce.nio.volumes=/data/index:/data/journal \
 *      -cp app.jar:quiesce-nio.jar:quiesce-core.jar com.example.Main
 * }</pre>
 * {@value #VOLUMES_PROPERTY} lists absolute directories separated by {@code File.pathSeparator}
 * (empty entries are skipped). The JVM creates this provider on the first use of the default file
 * system; a relative or overlapping root is a configuration error, which the JVM reports as an
 * {@link Error} from that first use (so the program does not run believing it is tracked).
 *
 * <h2>What goes where</h2>
 * Every {@link Path} of the default file system is then a path of this provider, so every
 * {@code Files}, {@code FileChannel.open} and {@code AsynchronousFileChannel.open} call comes here.
 * A call that <em>modifies</em> a file or name under a root — a channel or stream opened with
 * {@code WRITE}, {@code APPEND} or {@code DELETE_ON_CLOSE}, {@code newOutputStream}, create
 * (directory, link), delete, copy, move — goes to the root's volume, as if made on
 * {@link Volume#path}: {@link Volume#syncFs()} waits for it, {@link Volume#freeze()} blocks it,
 * watchers see it. Everything else — reads, attributes, directory listings, and every path outside
 * the roots — goes straight to the platform provider, and behaves exactly as without this provider.
 * A copy or move between a root and somewhere else (or another root) is done as
 * {@link Files#copy}/{@link Files#move} do between file systems: copy, then delete the source;
 * {@code ATOMIC_MOVE} across the boundary fails with
 * {@link java.nio.file.AtomicMoveNotSupportedException}.
 *
 * <p>A root that does not exist yet (or is not a directory) has no volume: calls under it go to the
 * platform (which fails them as it would, or creates the root). The root's volume opens on the
 * first modification under it once it is a directory. A path reaches a root by its name: the
 * configured name or the root's real path, after {@code toAbsolutePath().normalize()}.
 *
 * <h2>What is not covered</h2>
 * Only {@code java.nio.file} calls come here. Not tracked (neither waited for by {@code syncFs()}
 * nor blocked by {@code freeze()}): {@link java.io.FileInputStream}, {@link java.io.FileOutputStream}
 * and {@link java.io.RandomAccessFile} (and their {@code getChannel()}), {@code java.io.File}
 * methods, writes through memory mappings (a volume refuses writable mappings of its channels),
 * native code, child processes and other processes, attribute changes, and paths that reach a root
 * through a symbolic link, bind mount or hard link from outside it (the name decides, not the
 * file). The platform's {@link java.nio.file.SecureDirectoryStream} is not offered: directory
 * streams are plain, so that deletes through them come back here.
 *
 * <h2>Operators: JMX</h2>
 * Each root is registered in the platform {@code MBeanServer} as a {@link VolumeMXBean} named
 * {@code dev.quiesce:type=Volume,name="<root>"} (the root quoted by
 * {@link javax.management.ObjectName#quote}), with {@code syncFs()}, {@code freeze(seconds)} — which
 * thaws by itself at its deadline — and {@code thaw()}. Registration happens on a daemon thread
 * started by the first modification under any root (never during JVM start-up), or by the first
 * {@link #volume(Path)}. Secure the JMX connector as for any other JVM (see the README).
 *
 * <h2>Programs that want the volume</h2>
 * {@link #volume(Path)} returns the volume of the root that contains a path, for a program that
 * wants to {@code syncFs()} or {@code freeze()} itself. Do not close it: later modifications under
 * its root would be refused.
 *
 * @see Volume
 * @since 0.1.0
 */
public final class TrackingFileSystemProvider extends FileSystemProvider {

    /*
     * Implementation notes.
     *
     * The JDK's contract for a default provider (java.nio.file.FileSystems): a public class with a
     * public constructor taking the platform provider, scheme "file", loaded through the application
     * class loader on the first use of the default file system - which can happen while a class is
     * being loaded from a jar on the class path (the jar's ZipFile asks for file attributes), under
     * a custom system class loader still being built, or in a jlink image. So the constructor and
     * everything the start-up path can reach (getPath, the Path methods, reads) touch java.base and
     * the platform provider only: no FileSystems.getDefault() (it is this provider's, being made), no
     * System.Logger/JUL (they read configuration files through this provider), no JMX, no JFR, no
     * validator. They also use no lambdas and no string concatenation: javac compiles both to
     * invokedynamic, whose bootstrap loads java.lang.invoke machinery that may itself use the file
     * system; TrackingProviderStartupTest checks the class files for invokedynamic.
     *
     * Lazily, off the start-up path:
     *   - a root's Volume: opened by the first modification under it (TrackedRoot.volume());
     *     reads never open one, and JVM start-up only reads.
     *   - the MBeans: a daemon thread started by the first modification under any root registers
     *     one per root (VolumeControl.register); the writer does not wait for JMX's own start-up,
     *     and JMX's own file reads cannot re-enter a lock the writer holds.
     *
     * Routing (route()): toAbsolutePath().normalize() of the platform path, matched by name against
     * each root (TrackedRoot.match); the part below the root becomes volume.path(part), a path of the
     * volume's own file system, and the call is made on that path's provider. Roots may not overlap,
     * so at most one matches.
     */

    /** The system property naming the roots: absolute directories separated by {@code File.pathSeparator}. */
    public static final String VOLUMES_PROPERTY = "dev.quiesce.nio.volumes";

    private final FileSystemProvider platform;
    private final TrackingFileSystem fs;
    private final TrackedRoot[] roots;
    /** Where the MBeans go: null for the platform MBeanServer (resolved lazily). */
    private final Supplier<? extends MBeanServer> server;
    /** The timed freezes' timer: null for the default (created lazily). */
    private final VolumeControl.Scheduler scheduler;
    private final AtomicBoolean registering = new AtomicBoolean();
    private volatile VolumeControl.Registration registration;

    /**
     * Creates the provider over the platform's, with the roots of the system property
     * {@value #VOLUMES_PROPERTY}. Called by the JVM; touches nothing but {@code java.base} and
     * {@code platform}.
     *
     * @param platform the platform's default provider
     * @throws IllegalArgumentException if a root is relative, or two roots overlap
     * @throws NullPointerException     if {@code platform} is null
     */
    public TrackingFileSystemProvider(FileSystemProvider platform) {
        this(platform, System.getProperty(VOLUMES_PROPERTY), null, null);
    }

    /**
     * A provider with the given roots and JMX seams (tests: a private MBeanServer, a manual timer).
     *
     * @param roots     the roots as the property gives them, or null for none
     * @param server    where to register the MBeans, or null for the platform MBeanServer
     * @param scheduler the timed freezes' timer, or null for a daemon thread
     */
    TrackingFileSystemProvider(FileSystemProvider platform, String roots, Supplier<? extends MBeanServer> server,
            VolumeControl.Scheduler scheduler) {
        this.platform = Objects.requireNonNull(platform, "platform");
        FileSystem platformFs = platform.getFileSystem(URI.create("file:///"));
        this.fs = new TrackingFileSystem(this, platformFs);
        this.roots = parseRoots(platformFs, roots);
        this.server = server;
        this.scheduler = scheduler;
    }

    private static TrackedRoot[] parseRoots(FileSystem platformFs, String property) {
        List<TrackedRoot> parsed = new ArrayList<>();
        if (property != null) {
            String separator = System.getProperty("path.separator");
            for (String entry : property.split(separator, -1)) {
                if (entry.isEmpty()) {
                    continue;
                }
                Path p = platformFs.getPath(entry);
                if (!p.isAbsolute()) {
                    throw new IllegalArgumentException(new StringBuilder(VOLUMES_PROPERTY)
                            .append(": root ").append(entry).append(" is not an absolute path").toString());
                }
                p = p.normalize();
                for (TrackedRoot other : parsed) {
                    if (p.startsWith(other.configured()) || other.configured().startsWith(p)) {
                        throw new IllegalArgumentException(new StringBuilder(VOLUMES_PROPERTY)
                                .append(": roots ").append(other.configured()).append(" and ").append(p)
                                .append(" overlap").toString());
                    }
                }
                parsed.add(new TrackedRoot(p));
            }
        }
        return parsed.toArray(new TrackedRoot[0]);
    }

    /**
     * Returns the volume of the root that contains {@code path}, when this provider is the default
     * one, opening it if it was not yet.
     *
     * @param path a path of the default file system
     * @return the volume; empty if the default provider is not a {@code TrackingFileSystemProvider},
     *         if {@code path} is under none of its roots, or if that root is not a directory
     * @throws IOException          if the volume cannot be opened
     * @throws NullPointerException if {@code path} is null
     */
    public static Optional<Volume> volume(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        FileSystemProvider installed = FileSystems.getDefault().provider();
        if (!(installed instanceof TrackingFileSystemProvider)) {
            return Optional.empty();
        }
        return ((TrackingFileSystemProvider) installed).volumeOf(path);
    }

    /** {@link #volume(Path)} of this provider, installed or not. */
    Optional<Volume> volumeOf(Path path) throws IOException {
        if (!(path instanceof TrackingPath) || ((TrackingPath) path).getFileSystem() != fs) {
            return Optional.empty();
        }
        Path abs = ((TrackingPath) path).delegate().toAbsolutePath().normalize();
        for (TrackedRoot r : roots) {
            if (r.match(abs) != null) {
                Volume v = r.volume();
                if (v != null) {
                    startRegistration();
                }
                return Optional.ofNullable(v);
            }
        }
        return Optional.empty();
    }

    /** The MBeans' registration, once started (tests wait for it). */
    VolumeControl.Registration registration() {
        return registration;
    }

    /** Starts registering the MBeans, once, on a daemon thread. */
    void startRegistration() {
        if (!registering.get() && registering.compareAndSet(false, true)) {
            registration = VolumeControl.register(roots, server, scheduler);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Routing
    // ------------------------------------------------------------------------------------------

    private Path unwrap(Path p) {
        return fs.unwrap(p);
    }

    /**
     * The volume path for a modification of {@code p}, or null when it goes to the platform (not
     * under a root, or the root is not a directory).
     */
    private Path route(Path p) throws IOException {
        Path platformPath = unwrap(p);
        if (roots.length == 0) {
            return null;
        }
        Path abs = platformPath.toAbsolutePath().normalize();
        for (TrackedRoot r : roots) {
            Path part = r.match(abs);
            if (part != null) {
                Volume v = r.volume();
                if (v == null) {
                    return null;
                }
                startRegistration();
                String name = part.toString();
                return name.isEmpty() ? v.root() : v.path(name);
            }
        }
        return null;
    }

    /** What a call on a path goes to: the volume path, or the platform path. */
    private Path target(Path p) throws IOException {
        Path v = route(p);
        return v != null ? v : unwrap(p);
    }

    private static boolean modifies(Set<? extends OpenOption> options) {
        return options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND)
                || options.contains(StandardOpenOption.DELETE_ON_CLOSE);
    }

    private static boolean modifies(OpenOption[] options) {
        for (OpenOption o : options) {
            if (o == StandardOpenOption.WRITE || o == StandardOpenOption.APPEND
                    || o == StandardOpenOption.DELETE_ON_CLOSE) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------
    // The file system
    // ------------------------------------------------------------------------------------------

    /** {@code "file"}, as the JDK requires of a default provider. */
    @Override
    public String getScheme() {
        return platform.getScheme();
    }

    /** Refused as the platform refuses it: the default file system exists. */
    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        return platform.newFileSystem(uri, env);
    }

    @Override
    public FileSystem newFileSystem(Path path, Map<String, ?> env) throws IOException {
        return platform.newFileSystem(unwrap(path), env);
    }

    /** The default file system, for the URIs the platform accepts ({@code file:///}). */
    @Override
    public FileSystem getFileSystem(URI uri) {
        platform.getFileSystem(uri);
        return fs;
    }

    @Override
    public Path getPath(URI uri) {
        return fs.wrap(platform.getPath(uri));
    }

    // ------------------------------------------------------------------------------------------
    // Modifications: to the root's volume
    // ------------------------------------------------------------------------------------------

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        if (modifies(options)) {
            Path v = route(path);
            if (v != null) {
                return v.getFileSystem().provider().newByteChannel(v, options, attrs);
            }
        }
        return platform.newByteChannel(unwrap(path), options, attrs);
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        if (modifies(options)) {
            Path v = route(path);
            if (v != null) {
                return v.getFileSystem().provider().newFileChannel(v, options, attrs);
            }
        }
        return platform.newFileChannel(unwrap(path), options, attrs);
    }

    @Override
    public AsynchronousFileChannel newAsynchronousFileChannel(Path path, Set<? extends OpenOption> options,
            ExecutorService executor, FileAttribute<?>... attrs) throws IOException {
        if (modifies(options)) {
            Path v = route(path);
            if (v != null) {
                return v.getFileSystem().provider().newAsynchronousFileChannel(v, options, executor, attrs);
            }
        }
        return platform.newAsynchronousFileChannel(unwrap(path), options, executor, attrs);
    }

    @Override
    public InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        if (modifies(options)) {
            Path v = route(path);
            if (v != null) {
                return v.getFileSystem().provider().newInputStream(v, options);
            }
        }
        return platform.newInputStream(unwrap(path), options);
    }

    @Override
    public OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
        Path v = route(path);
        if (v != null) {
            return v.getFileSystem().provider().newOutputStream(v, options);
        }
        return platform.newOutputStream(unwrap(path), options);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        Path v = route(dir);
        if (v != null) {
            v.getFileSystem().provider().createDirectory(v, attrs);
        } else {
            platform.createDirectory(unwrap(dir), attrs);
        }
    }

    /** A link under a root is made through its volume; the target is kept as given (relative stays relative). */
    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        Path plainTarget = unwrap(target);
        Path v = route(link);
        if (v != null) {
            Path volumeTarget = v.getFileSystem().getPath(plainTarget.toString());
            v.getFileSystem().provider().createSymbolicLink(v, volumeTarget, attrs);
        } else {
            platform.createSymbolicLink(unwrap(link), plainTarget, attrs);
        }
    }

    /**
     * A hard link under a root to a file of the same root is made through its volume; any other
     * (a root's file linked from outside, or an outside file linked into a root) goes to the
     * platform, untracked (hard links from outside are not covered).
     */
    @Override
    public void createLink(Path link, Path existing) throws IOException {
        Path v = route(link);
        Path w = v == null ? null : route(existing);
        if (v != null && w != null && v.getFileSystem() == w.getFileSystem()) {
            v.getFileSystem().provider().createLink(v, w);
        } else {
            platform.createLink(unwrap(link), unwrap(existing));
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        Path v = route(path);
        if (v != null) {
            v.getFileSystem().provider().delete(v);
        } else {
            platform.delete(unwrap(path));
        }
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        Path v = route(path);
        if (v != null) {
            return v.getFileSystem().provider().deleteIfExists(v);
        }
        return platform.deleteIfExists(unwrap(path));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        Path from = target(source);
        Path to = target(target);
        if (from.getFileSystem() == to.getFileSystem()) {
            from.getFileSystem().provider().copy(from, to, options);
        } else {
            Files.copy(from, to, options);       // across the boundary: as between file systems
        }
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Path from = target(source);
        Path to = target(target);
        if (from.getFileSystem() == to.getFileSystem()) {
            from.getFileSystem().provider().move(from, to, options);
        } else {
            Files.move(from, to, options);       // across the boundary: copy, then delete the source
        }
    }

    // ------------------------------------------------------------------------------------------
    // Reads and attributes: to the platform
    // ------------------------------------------------------------------------------------------

    /** The platform's listing with tracking paths; never a {@code SecureDirectoryStream} (see the class doc). */
    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        Objects.requireNonNull(filter, "filter");
        return new Listing(platform.newDirectoryStream(unwrap(dir), new Unwrapping(filter)));
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        return fs.wrap(platform.readSymbolicLink(unwrap(link)));
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        Path a = unwrap(path);
        Objects.requireNonNull(path2, "path2");
        if (!(path2 instanceof TrackingPath) || ((TrackingPath) path2).getFileSystem() != fs) {
            return false;
        }
        return platform.isSameFile(a, unwrap(path2));
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
        return platform.isHidden(unwrap(path));
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        return platform.getFileStore(unwrap(path));
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        platform.checkAccess(unwrap(path), modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        return platform.getFileAttributeView(unwrap(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        return platform.readAttributes(unwrap(path), type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
            throws IOException {
        return platform.readAttributes(unwrap(path), attributes, options);
    }

    /** Attribute changes are not modifications a volume tracks: straight to the platform. */
    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        platform.setAttribute(unwrap(path), attribute, value, options);
    }

    @Override
    public String toString() {
        return new StringBuilder("TrackingFileSystemProvider").append(Arrays.toString(roots)).toString();
    }

    /** A filter of tracking paths seen by the platform's listing (a named class: no lambda). */
    private final class Unwrapping implements DirectoryStream.Filter<Path> {
        private final DirectoryStream.Filter<? super Path> filter;

        Unwrapping(DirectoryStream.Filter<? super Path> filter) {
            this.filter = filter;
        }

        @Override
        public boolean accept(Path entry) throws IOException {
            return filter.accept(fs.wrap(entry));
        }
    }

    /** The platform's listing, handing out tracking paths. */
    private final class Listing implements DirectoryStream<Path> {
        private final DirectoryStream<Path> platformStream;

        Listing(DirectoryStream<Path> platformStream) {
            this.platformStream = platformStream;
        }

        @Override
        public Iterator<Path> iterator() {
            final Iterator<Path> it = platformStream.iterator();
            return new Iterator<Path>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Path next() {
                    return fs.wrap(it.next());
                }
            };
        }

        @Override
        public void close() throws IOException {
            platformStream.close();
        }
    }
}
