package dev.quiesce.demo;

import java.io.PrintStream;

/**
 * The seed's scenario, run for real on a {@link dev.quiesce.nio.Volume}: writers issue async writes
 * that START on their own threads and END on I/O completion threads; a watcher joins mid-flight and
 * must see every write that starts after its {@code watch()} returned; every second a
 * {@code syncFs()} waits for the writes in flight, and a {@code freeze()} drains them so that a copy
 * of the directory holds no torn record. The demo checks these invariants itself.
 *
 * <p>Run it with {@code ./quiesce demo [options]}, or
 * {@code java -p quiesce-core.jar:quiesce-nio.jar:quiesce-demo.jar -m dev.quiesce.demo/dev.quiesce.demo.Demo [options]};
 * {@code --help} lists the options (duration, writers, record size, writes in flight, directory,
 * keep). While it runs it prints a progress line every second; at the end a table — writes and
 * MB/s, {@code syncFs()} and freeze-drain latency (p50, p99, max), events seen against writes after
 * the watch began, snapshots verified — and a verdict.
 *
 * <p>Exit status: 0 if every invariant held; 1 if one failed (a torn or lost record in a snapshot or
 * in the final files, a missed or unexpected event, a failed write, a report from the volume) or the
 * run broke; 2 for bad options.
 */
public final class Demo {

    /*
     * Implementation notes.
     *
     * Layout. The run's directory (made under --dir, /dev/shm or java.io.tmpdir) holds volume/, the
     * Volume's root, and snapshots/, outside it. Each writer owns FILES_PER_WRITER files; a file is a
     * ring of slots, record seq at slot seq % slots (RecordFormat draws the record). The ring keeps
     * the files a few MiB however long the run, so a copy costs the same each second, and overwrites
     * make a torn record a mixture of two records, which the CRC32C catches.
     *
     * Writers (Writer). A thread per writer takes a permit (at most --in-flight outstanding), fills a
     * record, notes at START whether watch() had returned, and calls AsynchronousFileChannel.write on
     * a channel opened on the volume path. The completion handler (END, on a demo-io thread, after
     * the volume has ended the write's section) records the completed sequence per slot and returns
     * the permit. A write called while the volume is frozen returns at once and is issued at thaw, so
     * the permits alone bound what is queued. A writer never has two writes outstanding on one slot,
     * so the final content of each slot is known.
     *
     * Events ("no missed event"). The watcher thread sets watchCalled, calls watch(), then sets
     * watchReturned. Per (file, slot) — the event key (path, offset, length) — the demo counts writes
     * that read watchReturned = true at START (they must be seen), events (the listener), and writes
     * that read false at START and watchCalled = true at END (they may be seen: a write told of the
     * listener announced itself after watch() was called, and its END follows its announcement).
     * Check per key: after <= events <= after + may. Per key rather than per write, since the event
     * does not carry the lap; within a key, a missed event could hide only behind an extra one that
     * the upper bound allows.
     *
     * Snapshots ("consistent"). Each second, on the main thread: time syncFs(); time freeze() (the
     * drain, and forcing what was written); while frozen, read per slot the newest completed
     * sequence, copy every file of the volume directory with plain paths, read each file's started
     * count; thaw(); then verify the copy: each file's length is whole records within its ring; each
     * slot is zeros or one whole record that belongs there (magic, writer, file, length, seq % slots,
     * CRC32C) — else torn; no slot holds less than the newest write completed before the freeze
     * returned — else lost; no record is of a write not yet started. A zero slot inside the file is a
     * gap (a write held by the freeze while its successors went ahead), counted, not a failure.
     *
     * At the end: stop the writers, wait for every outstanding write, syncFs(), and check that each
     * slot of each file holds exactly the newest record written to it.
     */

    private Demo() {
    }

    /**
     * Runs the demo with the given options and exits with its status (0 pass, 1 fail, 2 bad options).
     *
     * @param args the options; {@code --help} lists them
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the demo, printing to {@code out} (a bad command line to {@code err}); returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            err.println("quiesce demo: " + e.getMessage());
            err.println(Options.USAGE);
            err.flush();
            return 2;
        }
        if (options.help) {
            out.println(Options.USAGE);
            out.flush();
            return 0;
        }
        return new DemoRun(options, out).call();
    }
}
