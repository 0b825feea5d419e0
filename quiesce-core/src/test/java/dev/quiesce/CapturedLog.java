package dev.quiesce;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * While open, keeps what the primitives log to the {@link System.Logger} {@code "dev.quiesce"}
 * (the default report handler, a report handler that threw) instead of printing it, so that a test
 * that makes a handler or an action fail on purpose asserts on the record rather than leaving a
 * stack trace in the build output. The {@code System.Logger} of a class-path application is backed
 * by {@code java.util.logging}, under the same logger name.
 *
 * <pre>
 * try (CapturedLog log = CapturedLog.open()) {
 *     ... something that logs ...
 *     assertEquals(1, log.records().size());
 * }
 * </pre>
 */
final class CapturedLog implements AutoCloseable {

    /** The logger the primitives report to (see {@code dev.quiesce.internal.Reports}). */
    static final String NAME = "dev.quiesce";

    /** Held strongly: {@code java.util.logging} keeps its loggers only weakly. */
    private final Logger logger;
    private final boolean parentHandlers;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private CapturedLog() {
        logger = Logger.getLogger(NAME);
        parentHandlers = logger.getUseParentHandlers();
        logger.addHandler(handler);
        logger.setUseParentHandlers(false);
    }

    /** Starts keeping what is logged to {@code "dev.quiesce"}; nothing reaches the console meanwhile. */
    static CapturedLog open() {
        return new CapturedLog();
    }

    /** What was logged since {@link #open}, in order. */
    List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** Gives the logger back its console. */
    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(parentHandlers);
    }
}
