package dev.quiesce;

import java.util.Objects;

/**
 * A diagnostic that could not be an exception to a caller: a callback that threw, misuse detected
 * after the fact (a token released twice), a wait that stalled, or what the lock-dependency
 * validator found.
 *
 * <p>Reports come on two channels, told apart by {@link #source()}:
 * <table class="striped">
 * <caption>Where reports go</caption>
 * <tr><th>channel</th><th>kinds</th><th>{@code source}</th><th>delivered to</th></tr>
 * <tr><td>a primitive's own</td>
 *     <td>{@link Kind#CALLBACK_FAILED}, {@link Kind#MISUSE}, {@link Kind#STALL}</td>
 *     <td>the primitive's name ({@code Srcu.name()}, {@code RwSemaphore.name()},
 *     {@code Revocable.name()}; {@code "volume "} and its name for a {@code quiesce-nio} volume)</td>
 *     <td>the handler given to the primitive's builder, by default one that logs to the
 *     {@link System.Logger} {@code "dev.quiesce"} ({@code WARNING} for stalls, {@code ERROR}
 *     otherwise; a volume's: {@code "dev.quiesce.nio"}, {@code WARNING}) — a handler set on the
 *     builder <em>replaces</em> that log; {@code Srcu} and {@code RwSemaphore} also record a JFR
 *     event. A {@code Revocable}'s release action that throws in the {@code close()} of the last
 *     access is logged to {@code "dev.quiesce"}.</td></tr>
 * <tr><td>the validator ({@code -Ddev.quiesce.validate=true})</td>
 *     <td>{@link Kind#LOCK_ORDER}, {@link Kind#UNBALANCED}, {@link Kind#LEAK}, {@link Kind#TASK_HELD},
 *     {@link Kind#LEASE_EXPIRED}</td>
 *     <td>{@value #VALIDATOR}</td>
 *     <td>a JFR event, the {@link System.Logger} {@code "dev.quiesce.validate"} ({@code ERROR};
 *     {@code Validator.setLogReports(false)} turns it off), and the handler of
 *     {@code Validator.setReportHandler}, if one is set, <em>in addition</em></td></tr>
 * </table>
 *
 * <p>A stall report is a primitive's, even with validation on (validation only adds the stacks of
 * the handles the wait is for). A handler runs on whatever thread found the problem — a
 * grace-period driver, a callback runner, the acquiring thread — so it must be quick and must not
 * block on the primitive that reports. An exception thrown by a primitive's handler is logged (to
 * {@code "dev.quiesce"}; a volume's to {@code "dev.quiesce.nio"}) and otherwise ignored; one thrown
 * by the validator's handler reaches the thread whose acquisition or release was reported, which
 * is how tests make a bad lock order fail at once (on the validator's own thread, which reports
 * leaks, it is logged).
 *
 * @param kind    what happened
 * @param source  the name of the primitive that reports, or {@value #VALIDATOR}
 * @param message a sentence a person can act on
 * @param cause   the exception behind it, or {@code null}
 * @since 0.1.0
 */
public record Report(Kind kind, String source, String message, Throwable cause) {

    /** The {@link #source()} of every report of the lock-dependency validator. */
    public static final String VALIDATOR = "validator";

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
     * @param source  the name of the primitive that reports, or {@value #VALIDATOR}
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
