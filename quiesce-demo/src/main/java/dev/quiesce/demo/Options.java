package dev.quiesce.demo;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** The demo's command line. */
final class Options {

    static final String USAGE = String.join("\n",
            "usage: ./quiesce demo [options]",
            "   or: java -p <quiesce-core.jar>:<quiesce-nio.jar>:<quiesce-demo.jar> -m dev.quiesce.demo/dev.quiesce.demo.Demo [options]",
            "",
            "Async writers of checksummed records through a Volume; a watcher joins at a third of the run;",
            "every whole second before the deadline a syncFs() and a freeze() -> copy -> thaw() snapshot,",
            "each snapshot verified; at the end every file checked.",
            "",
            "  --duration SECONDS    how long the writers issue writes (default 15; a fraction is allowed). At the",
            "                        deadline they stop issuing, the writes in flight (at most writers x in-flight)",
            "                        end, and a final check reads each file once (at most writers x 2 MiB at",
            "                        the defaults); a snapshot still being copied or checked at the deadline is",
            "                        abandoned (counted, not verified). So the run takes SECONDS plus the set-up,",
            "                        that drain and that check: well under a second each at 4 writers, a few",
            "                        seconds for the check at 256 writers on a busy machine",
            "  --writers N           writer threads, each owning " + DemoRun.FILES_PER_WRITER
                    + " files (default 4, at most 256)",
            "  --record-size BYTES   bytes per record, header and CRC32C included (default 4096, "
                    + RecordFormat.MIN_SIZE + ".." + RecordFormat.MAX_SIZE + ")",
            "  --in-flight N         async writes each writer keeps outstanding (default 16); at most the record",
            "                        slots of a writer's files, " + DemoRun.FILES_PER_WRITER + " x max("
                    + DemoRun.MIN_SLOTS + ", " + DemoRun.RING_BYTES + " / record size): "
                    + DemoRun.FILES_PER_WRITER * DemoRun.slots(DemoRun.RING_BYTES, 4096) + " at 4096-byte records.",
            "                        Each syncFs(), freeze() and watch() waits for up to writers x in-flight writes:",
            "                        at 256 x 512 that is seconds, and few snapshots fit in a short run",
            "  --dir PATH            an existing directory in which the run's directory " + RunDirectory.PREFIX
                    + "* is made",
            "                        (default /dev/shm if writable, else java.io.tmpdir); nothing else is created",
            "                        there, and only the run's directory is deleted afterwards",
            "  --keep                keep the run's directory (volume files, last snapshot)",
            "  --no-freeze           self-test: copy without freeze()/thaw(); the snapshot checks should then",
            "                        find torn records and the run FAIL (likely within seconds, not certain)",
            "  --help                this text",
            "",
            "SIGINT (Ctrl-C) or SIGTERM ends the run as the deadline does: the writes in flight end, the table so",
            "far is printed, and the run's directory is removed (kept with --keep); the process waits at most "
                    + DemoRun.SIGNAL_WAIT_S + " s",
            "for this, then leaves the directory to the next run. A run killed outright (SIGKILL) leaves its",
            "directory marked with " + RunDirectory.MARKER + " (its pid): the next run under the same base directory",
            "removes it once that process is gone.",
            "",
            "Exit status: 0 every invariant held; 1 an invariant failed or the run broke; 2 bad options, or a --dir",
            "that is not an existing directory the run's directory can be made in; 130 or 143 (128 + the signal)",
            "when SIGINT or SIGTERM ended the run.");

    double seconds = 15;
    int writers = 4;
    int recordSize = 4096;
    int inFlight = 16;
    Path dir;
    boolean keep;
    boolean noFreeze;
    boolean help;
    /** Bytes of ring per file: not an option, a knob for tests (small rings fill fast). */
    int ringBytes = DemoRun.RING_BYTES;

    /** A bad command line; its message names the problem. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static Options parse(String[] args) throws UsageException {
        return parse(args, DemoRun.RING_BYTES);
    }

    /** Parses the command line for files of {@code ringBytes} bytes of records each. */
    static Options parse(String[] args, int ringBytes) throws UsageException {
        Options o = new Options();
        o.ringBytes = ringBytes;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--help":
                case "-h":
                    o.help = true;
                    break;
                case "--keep":
                    o.keep = true;
                    break;
                case "--no-freeze":
                    o.noFreeze = true;
                    break;
                case "--duration":
                    value = value != null ? value : next(args, ++i, arg);
                    o.seconds = parseSeconds(value);
                    break;
                case "--writers":
                    value = value != null ? value : next(args, ++i, arg);
                    o.writers = parseInt(arg, value, 1, 256);
                    break;
                case "--record-size":
                    value = value != null ? value : next(args, ++i, arg);
                    o.recordSize = parseInt(arg, value, RecordFormat.MIN_SIZE, RecordFormat.MAX_SIZE);
                    break;
                case "--in-flight":
                    value = value != null ? value : next(args, ++i, arg);
                    o.inFlight = parseInt(arg, value, 1, 1024);
                    break;
                case "--dir":
                    value = value != null ? value : next(args, ++i, arg);
                    try {
                        o.dir = Path.of(value);
                    } catch (InvalidPathException e) {
                        throw new UsageException("--dir: not a path: " + value);
                    }
                    break;
                default:
                    throw new UsageException("unknown option: " + args[i]);
            }
        }
        // A writer never has two writes outstanding on one slot: more writes in flight than slots
        // would leave it waiting on busy slots, and grace periods behind all of those writes.
        int slots = DemoRun.slots(o.ringBytes, o.recordSize);
        int most = DemoRun.FILES_PER_WRITER * slots;
        if (o.inFlight > most) {
            throw new UsageException("--in-flight: " + o.inFlight + " is more than a writer's files hold at --record-size "
                    + o.recordSize + ": at most " + most + " (" + DemoRun.FILES_PER_WRITER + " files of " + slots
                    + " record slots)");
        }
        return o;
    }

    private static String next(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static double parseSeconds(String value) throws UsageException {
        double s;
        try {
            s = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--duration: not a number of seconds: " + value);
        }
        if (!(s > 0 && s <= 86_400)) {
            throw new UsageException("--duration: " + value + " is not in (0, 86400] seconds");
        }
        return s;
    }

    private static int parseInt(String option, String value, int min, int max) throws UsageException {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException(option + ": not a whole number: " + value);
        }
        if (n < min || n > max) {
            throw new UsageException(option + ": " + n + " is not in " + min + ".." + max);
        }
        return n;
    }
}
