package dev.quiesce.nio;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * One root of a {@link TrackingFileSystemProvider}: a directory of the platform file system, and the
 * {@link Volume} over it once one is needed.
 */
final class TrackedRoot {

    /*
     * Implementation notes.
     *
     * Created by the provider's constructor, so the constructor and match() use only the platform
     * path (no lambdas, no string concatenation: see TrackingFileSystemProvider's notes). The volume
     * is opened by the first modification under the root, or by the root's MBean; opening it loads
     * Volume, Srcu and RwSemaphore, which may touch System.Logger or JFR - never on the start-up path,
     * where only reads happen and reads never open a volume.
     *
     * A root that is not a directory yet has no volume: calls under it go to the platform, which
     * fails them exactly as it would without the provider (nothing can be made under a missing
     * directory), or makes the root itself. Each later call tries again, so the volume opens on the
     * first modification after the root appears.
     *
     * Two names of the root match: the configured one and, once known, its real path (the two
     * differ when the configured path runs through a symbolic link; Lucene, for one, opens
     * toRealPath() of its directory). The real path is read by the first match that misses the
     * configured name, and read again while the root does not exist.
     */

    /** Absolute and normalized: the name the configuration gave. */
    private final Path configured;
    /** The real path of the root, once it is known to exist; null before. */
    private volatile Path real;
    private volatile Volume volume;
    private final Object openLock = new Object();

    TrackedRoot(Path configured) {
        this.configured = configured;
    }

    Path configured() {
        return configured;
    }

    /** The configured root as text: the name of its volume and of its MBean. */
    String name() {
        return configured.toString();
    }

    /**
     * Returns the part of {@code abs} (absolute, normalized) below this root: an empty path for the
     * root itself, or null if it is not under the root.
     */
    Path match(Path abs) {
        if (abs.startsWith(configured)) {
            return configured.relativize(abs);
        }
        Path r = real;
        if (r == null) {
            try {
                r = configured.toRealPath();
            } catch (IOException missing) {
                return null;
            }
            if (r.equals(configured)) {
                real = r;
                return null;
            }
            real = r;
        }
        return abs.startsWith(r) ? r.relativize(abs) : null;
    }

    /** Returns the volume if one was opened, without opening one. */
    Volume openedVolume() {
        return volume;
    }

    /**
     * Returns the root's volume, opening it on first use.
     *
     * @return the volume, or null if the root is not a directory (now)
     * @throws IOException if the volume cannot be opened for another reason
     */
    Volume volume() throws IOException {
        Volume v = volume;
        if (v != null) {
            return v;
        }
        synchronized (openLock) {
            v = volume;
            if (v == null) {
                try {
                    v = Volume.builder(configured).name(name()).open();
                } catch (NoSuchFileException | NotDirectoryException notYet) {
                    return null;
                }
                real = v.directory();
                volume = v;
            }
            return v;
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
