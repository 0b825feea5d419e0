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
            "every second a syncFs() and a freeze() -> copy -> thaw() snapshot, each snapshot verified.",
            "",
            "  --duration SECONDS    how long the writers run (default 15; a fraction is allowed)",
            "  --writers N           writer threads, each owning " + DemoRun.FILES_PER_WRITER
                    + " files (default 4, at most 256)",
            "  --record-size BYTES   bytes per record, header and CRC32C included (default 4096, "
                    + RecordFormat.MIN_SIZE + ".." + RecordFormat.MAX_SIZE + ")",
            "  --in-flight N         async writes each writer keeps outstanding (default 16, at most 1024)",
            "  --dir PATH            where the run's directory is made (default /dev/shm if writable,",
            "                        else java.io.tmpdir); only that new directory is deleted afterwards",
            "  --keep                keep the run's directory (volume files, last snapshot)",
            "  --no-freeze           self-test: copy without freeze()/thaw(); the snapshot checks should then",
            "                        find torn records and the run FAIL (likely within seconds, not certain)",
            "  --help                this text",
            "",
            "Exit status: 0 every invariant held; 1 an invariant failed or the run broke; 2 bad options.");

    double seconds = 15;
    int writers = 4;
    int recordSize = 4096;
    int inFlight = 16;
    Path dir;
    boolean keep;
    boolean noFreeze;
    boolean help;

    /** A bad command line; its message names the problem. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static Options parse(String[] args) throws UsageException {
        Options o = new Options();
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
