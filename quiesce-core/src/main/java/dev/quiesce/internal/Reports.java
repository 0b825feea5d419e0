package dev.quiesce.internal;

import dev.quiesce.Report;

import java.util.function.Consumer;

/** How the primitives deliver a {@link Report}: one place for the JFR event, the handler and the log. */
public final class Reports {

    private static final System.Logger LOG = System.getLogger("dev.quiesce");

    private Reports() {
    }

    /**
     * The default handler: logs to the {@link System.Logger} {@code "dev.quiesce"}, stalls as
     * {@code WARNING} and everything else as {@code ERROR}.
     *
     * @param r the report
     */
    public static void log(Report r) {
        LOG.log(r.kind() == Report.Kind.STALL ? System.Logger.Level.WARNING : System.Logger.Level.ERROR,
                r.toString(), r.cause());
    }

    /**
     * Emits {@code r} as a JFR event and gives it to {@code handler}. A handler that throws is
     * logged and harms nothing else: the primitive that reports goes on.
     *
     * @param r       the report
     * @param handler the primitive's handler
     */
    public static void deliver(Report r, Consumer<? super Report> handler) {
        Events.report(r);
        try {
            handler.accept(r);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "report handler threw on " + r, t);
        }
    }
}
