/**
 * The demo of Quiesce: the scenario it was written for, run for real on a {@link dev.quiesce.nio.Volume} (async
 * writers, a watcher joining mid-flight, {@code syncFs()} and freeze-copy-thaw snapshots), checking
 * its own invariants. It exports nothing: run {@code dev.quiesce.demo.Demo} with {@code -m}, or
 * {@code ./quiesce demo}.
 */
module dev.quiesce.demo {
    requires dev.quiesce.nio;
}
