package dev.quiesce.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The scenario Quiesce was written for (a linux-fsdevel discussion: wait for exactly the writes in
 * flight, without blocking new ones), run for real on a {@link dev.quiesce.nio.Volume}: writers issue async writes
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
 * <p>{@code --duration} bounds the run: at the deadline the writers stop issuing, the writes in
 * flight end, a final check reads the files once, and the table follows. SIGINT or SIGTERM ends the
 * run in the same way, prints the table so far and removes the run's directory; a run killed with
 * SIGKILL leaves a marked directory that the next run under the same base directory removes.
 *
 * <p>Exit status: 0 if every invariant held; 1 if one failed (a torn or lost record in a snapshot or
 * in the final files, a missed or unexpected event, a failed write, a report from the volume) or the
 * run broke; 2 for bad options, including a {@code --dir} that is not an existing directory in which
 * the run's directory can be made; 130 or 143 (the JVM's 128 + signal) after SIGINT or SIGTERM.
 */
public final class Demo {

    /*
     * Implementation notes.
     *
     * Layout. The run's directory (made under --dir, which must exist, or /dev/shm or java.io.tmpdir)
     * holds the marker .quiesce-demo-run (RunDirectory), volume/, the Volume's root, and snapshots/,
     * outside it. Each writer owns FILES_PER_WRITER files; a file is a
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
     *
     * Bounding the run. The writers test the deadline themselves before each write (DemoRun.stopped),
     * so they stop issuing at the deadline however long a snapshot takes; no snapshot starts at or
     * after it, and one still being copied or checked when it passes is abandoned between two files
     * (copying and checking a few hundred MiB of rings, at 256 writers, takes seconds: a run that
     * waited for its snapshots once took 25 s for 3). What follows the deadline is the drain, at
     * most writers x in-flight writes, and one read of the files (at most writers x 2 rings).
     *
     * Signals. Java offers only shutdown hooks, and they run while the writers still write. The hook
     * (DemoRun.stopOnSignal) sets stop and wakes the main thread, which drains, prints the table and
     * removes the directory as at the deadline; the hook waits for that, at most SIGNAL_WAIT_S, and
     * returns, and the JVM exits with 128 + the signal. Nothing is deleted before the writes have
     * ended; if they do not end in time the directory stays, marked, for the next run (RunDirectory).
     */

    private Demo() {
    }

    /**
     * Runs the demo with the given options and exits with its status (0 pass, 1 fail, 2 bad options;
     * 130 or 143 after SIGINT or SIGTERM).
     *
     * @param args the options; {@code --help} lists them
     */
    public static void main(String[] args) {
        System.exit(run(args, DemoRun.RING_BYTES, System.out, System.err, true));
    }

    /** Runs the demo, printing to {@code out} (a bad command line to {@code err}); returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, DemoRun.RING_BYTES, out, err, false);
    }

    /**
     * Runs the demo with files of {@code ringBytes} bytes of records; with {@code onSignal}, a
     * shutdown hook ends the run on SIGINT or SIGTERM (for {@link #main} only: a hook outlives a test).
     */
    static int run(String[] args, int ringBytes, PrintStream out, PrintStream err, boolean onSignal) {
        Options options;
        try {
            options = Options.parse(args, ringBytes);
        } catch (Options.UsageException e) {
            return usage(e.getMessage(), err);
        }
        if (options.help) {
            out.println(Options.USAGE);
            out.flush();
            return 0;
        }
        Path base = options.dir != null ? options.dir : defaultBase();
        if (options.dir != null && !Files.isDirectory(options.dir)) {
            return usage("--dir " + options.dir + (Files.exists(options.dir)
                    ? ": not a directory" : ": no such directory (it must exist: the demo makes only its run's"
                    + " directory in it)"), err);
        }
        for (String line : RunDirectory.removeLeftovers(base)) {
            out.println(line);
        }
        RunDirectory dir;
        try {
            dir = RunDirectory.create(base);
        } catch (IOException e) {
            String why = "cannot make the run's directory in it (" + describe(e) + ")";
            if (options.dir != null) {
                return usage("--dir " + options.dir + ": " + why, err);
            }
            err.println("quiesce demo: " + base + ": " + why + "; choose another with --dir");
            err.flush();
            return 1;
        }
        DemoRun run = new DemoRun(options, dir, out);
        Thread hook = null;
        if (onSignal) {
            hook = new Thread(run::stopOnSignal, "demo-signal");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        int status = run.call();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook has ended the run and waits for it; the JVM picks the status
            }
        }
        return status;
    }

    private static int usage(String problem, PrintStream err) {
        err.println("quiesce demo: " + problem);
        err.println("usage: ./quiesce demo [options]; --help lists them");   // the problem stays on screen
        err.flush();
        return 2;
    }

    /** /dev/shm when it is a writable directory (tmpfs on Linux), else java.io.tmpdir. */
    private static Path defaultBase() {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return shm;
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** Why a directory could not be made, without the path of the directory that was not made. */
    private static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "the file system refuses new entries there";
        }
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            return ((FileSystemException) e).getReason();
        }
        return e.getClass().getSimpleName();
    }
}
