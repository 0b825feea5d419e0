/**
 * The file-system layer of Quiesce: a {@link dev.quiesce.nio.Volume} over a directory whose
 * writes are tracked from start to end (async ones end on the completion thread), with
 * {@code syncFs()}, {@code freeze()}/{@code thaw()}, watchers that no write escapes, and
 * truncation that waits for in-flight async writes. The demo (async writes, syncFs, freeze and a
 * watcher on a volume) is its own module, {@code dev.quiesce.demo}.
 */
module dev.quiesce.nio {
    requires transitive dev.quiesce;
    // JMX only: the MBeans of TrackingFileSystemProvider's volumes (VolumeControl).
    requires java.management;

    exports dev.quiesce.nio;
}
