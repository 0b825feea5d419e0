package dev.quiesce.examples;

import dev.quiesce.nio.TrackingFileSystemProvider;
import dev.quiesce.nio.VolumeMXBean;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The operator's side of {@link TrackingFileSystemProvider} (docs/unmodified-programs.md): a JMX
 * client that freezes a root of a program it did not change, copies the root, and thaws it.
 */
public final class VolumeOperator {

    private VolumeOperator() {
    }

    /**
     * Copies the files of {@code root} into {@code backup} while the program's writes under it are frozen.
     *
     * @param jmx    a connection to the program's MBean server
     * @param root   a root named in the program's {@code dev.quiesce.nio.volumes}
     * @param backup an existing empty directory
     * @throws IOException if freezing, copying or thawing fails
     * @throws MalformedObjectNameException never for a path
     */
    static void backup(MBeanServerConnection jmx, Path root, Path backup)
            throws IOException, MalformedObjectNameException {
        // @sample operator
        ObjectName name = new ObjectName("dev.quiesce:type=Volume,name=" + ObjectName.quote(root.toString()));
        VolumeMXBean volume = JMX.newMXBeanProxy(jmx, name, VolumeMXBean.class);
        volume.freeze(300);        // thaws by itself after 300 s should this client die
        try {
            copy(root, backup);    // the program's writes under root wait meanwhile
        } finally {
            volume.thaw();
        }
        // @end
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    Files.copy(f, to.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
