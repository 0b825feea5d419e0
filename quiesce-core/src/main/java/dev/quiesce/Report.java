package dev.quiesce;

import java.util.Objects;

/**
 * A diagnostic that a primitive could not express as an exception to its caller: a callback that
 * threw, misuse detected after the fact (a token released twice), a wait that stalled.
 *
 * <p>Reports go to the handler given to the primitive's builder; the default handler logs them to
 * the {@link System.Logger} named {@code "dev.quiesce"} ({@code ERROR} for misuse and failed
 * callbacks, {@code WARNING} for stalls). A handler runs on whatever thread found the problem —
 * a grace-period driver, a callback runner — so it must be quick and must not block on the
 * primitive that reports; an exception it throws is logged and otherwise ignored, except that
 * tests may install a handler that records reports and fails later.
 *
 * @param kind    what happened
 * @param source  the name of the primitive that reports
 * @param message a sentence a person can act on
 * @param cause   the exception behind it, or {@code null}
 * @since 0.1.0
 */
public record Report(Kind kind, String source, String message, Throwable cause) {

    /**
     * What a {@link Report} is about.
     *
     * @since 0.1.0
     */
    public enum Kind {
        /** A callback given to the primitive threw; no other callback was affected. */
        CALLBACK_FAILED,
        /** The primitive's counts show misuse that no call could refuse, such as a token released twice. */
        MISUSE,
        /** A grace period or a writer has waited longer than the configured stall threshold. */
        STALL,
        /** Lock-dependency validation found an acquisition order that can deadlock. */
        LOCK_ORDER,
        /** A release that does not match an acquisition of the releasing thread. */
        UNBALANCED,
        /** A handle became unreachable while it still held something. */
        LEAK,
        /** A task ended on an executor while holding what it acquired and did not detach. */
        TASK_HELD,
        /** A handle is still open past the lease it was given. */
        LEASE_EXPIRED
    }

    /**
     * Creates a report.
     *
     * @param kind    what happened
     * @param source  the name of the primitive that reports
     * @param message a sentence a person can act on
     * @param cause   the exception behind it, or {@code null}
     * @throws NullPointerException if {@code kind}, {@code source} or {@code message} is null
     */
    public Report {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return kind + " [" + source + "] " + message + (cause == null ? "" : " (" + cause + ")");
    }
}
