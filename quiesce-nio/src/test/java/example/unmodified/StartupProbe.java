package example.unmodified;

import dev.quiesce.nio.TrackingFileSystemProvider;
import dev.quiesce.nio.Volume;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Prints what a program started with the tracking provider sees: the default provider's class and
 * where it was loaded from, that a write through {@code Path.of} under the root reaches the root's
 * volume (its watcher is told), and that a path outside does not.
 */
public final class StartupProbe {

    private StartupProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path outside = Path.of(args[1]);
        Class<?> provider = FileSystems.getDefault().provider().getClass();
        System.out.println("provider " + provider.getName());
        System.out.println("loaded from " + provider.getProtectionDomain().getCodeSource().getLocation());
        System.out.println("system class loader " + ClassLoader.getSystemClassLoader().getClass().getName());
        Files.writeString(root.resolve("first.txt"), "first");
        Volume volume = TrackingFileSystemProvider.volume(root).orElseThrow();
        List<String> seen = new CopyOnWriteArrayList<>();
        volume.watch(m -> seen.add(m.kind() + " " + m.path().getFileName()));
        Files.writeString(root.resolve("second.txt"), "second");
        Files.writeString(outside.resolve("elsewhere.txt"), "elsewhere");
        System.out.println("seen " + seen);
    }
}
