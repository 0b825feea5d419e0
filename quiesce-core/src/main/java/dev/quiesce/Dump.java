package dev.quiesce;

import dev.quiesce.internal.Events;
import dev.quiesce.internal.Tracker;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Who holds and who waits for a primitive, taken on demand by {@link Srcu#dump()} or
 * {@link RwSemaphore#dump()}: what an engineer needs when a {@code synchronize()}, a {@code kill()}
 * or a freeze hangs in production. {@link #toString()} is the readable form; {@link #record()}
 * emits it as a {@code dev.quiesce.Dump} JFR event.
 *
 * <p>What it holds:
 * <ul>
 * <li>{@link #summary()}: the holders by count — open read sections, shared permits, the exclusive
 *     permit — read as {@code stats()} reads them (a scan racing with readers: approximate);
 * <li>{@link #waiting()}: each thread parked in the primitive (a grace-period driver or waiter, a
 *     {@code barrier()}, a queued acquirer, a killer) with its stack, and the number of waiting
 *     futures (async acquires, which have no thread);
 * <li>{@link #holders()}: with validation on ({@code -Ddev.quiesce.validate=true}), each open
 *     handle with the thread that holds it now and its acquisition stack; with validation off,
 *     empty — holders are counted, not recorded, so that readers pay nothing.
 * </ul>
 *
 * <p>Consistency: every part is read at a slightly different moment and nothing is stopped while
 * the dump is taken. A thread may have left by the time its stack is taken (its stack then shows
 * where it went); a thread taken as waiting has been seen waiting. Stacks are
 * {@link Thread#getStackTrace()}: a safepoint per thread, too costly for a hot path, fine on
 * demand.
 *
 * @since 0.1.0
 */
public final class Dump {

    /**
     * A thread parked in the primitive.
     *
     * @param role   what it waits for, such as "driving grace period 7", "queued writer", "killer"
     * @param thread the thread's name
     * @param id     the thread's id
     * @param state  its state when the stack was taken
     * @param stack  its stack, innermost frame first
     */
    public record Waiter(String role, String thread, long id, Thread.State state, List<StackTraceElement> stack) {

        /**
         * Checks and copies the arguments.
         *
         * @param role   what it waits for
         * @param thread the thread's name
         * @param id     the thread's id
         * @param state  its state
         * @param stack  its stack
         */
        public Waiter {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(thread, "thread");
            Objects.requireNonNull(state, "state");
            stack = List.copyOf(stack);
        }
    }

    private final String source;
    private final String summary;
    private final List<Waiter> waiting;
    private final int waitingFutures;
    private final String holders;

    Dump(String source, String summary, List<Waiter> waiting, int waitingFutures, String holders) {
        this.source = source;
        this.summary = summary;
        this.waiting = List.copyOf(waiting);
        this.waitingFutures = waitingFutures;
        this.holders = holders;
    }

    /** Takes a waiter's stack now; {@code t} may be null (no waiter). */
    static void add(List<Waiter> to, String role, Thread t) {
        if (t != null) {
            @SuppressWarnings("deprecation")   // getId(): threadId() is Java 19+
            long id = t.getId();
            to.add(new Waiter(role, t.getName(), id, t.getState(), Arrays.asList(t.getStackTrace())));
        }
    }

    /** The holders the validator knows of {@code instance}, or "" with validation off. */
    static String holdersOf(Object instance) {
        return Tracker.ENABLED ? Tracker.INSTANCE.describeOpen(instance) : "";
    }

    static List<Waiter> newList() {
        return new ArrayList<>();
    }

    /**
     * Returns the primitive, as its {@code toString()} read when the dump was taken.
     *
     * @return the primitive's description
     */
    public String source() {
        return source;
    }

    /**
     * Returns the holders and queues by count, one line.
     *
     * @return the summary
     */
    public String summary() {
        return summary;
    }

    /**
     * Returns the threads parked in the primitive with their stacks.
     *
     * @return the waiting threads; empty if none
     */
    public List<Waiter> waiting() {
        return waiting;
    }

    /**
     * Returns how many futures (async acquires or {@code synchronizeAsync()}) wait: they have no
     * thread and no stack.
     *
     * @return the number of waiting futures
     */
    public int waitingFutures() {
        return waitingFutures;
    }

    /**
     * Returns each open handle with its holder and acquisition stack, as the validator records them;
     * empty with validation off (see the class documentation).
     *
     * @return the holders' description, or ""
     */
    public String holders() {
        return holders;
    }

    /**
     * Emits this dump as a {@code dev.quiesce.Dump} JFR event (category "Quiesce") if a recording
     * enables it; does nothing otherwise, or where {@code jdk.jfr} is absent.
     *
     * @return whether an event was committed
     */
    public boolean record() {
        return Events.dump(source, toString());
    }

    /**
     * Returns the dump as text: the source, the summary, each waiting thread with its stack, and the
     * holders (or a note on how to see them).
     *
     * @return the readable dump
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(source).append(": ").append(summary).append('\n');
        if (waiting.isEmpty() && waitingFutures == 0) {
            b.append("no thread waits\n");
        }
        for (Waiter w : waiting) {
            b.append("waiting: \"").append(w.thread()).append("\" #").append(w.id()).append(' ')
             .append(w.state()).append(", ").append(w.role()).append('\n');
            for (StackTraceElement e : w.stack()) {
                b.append("    at ").append(e).append('\n');
            }
        }
        if (waitingFutures != 0) {
            b.append("waiting: ").append(waitingFutures).append(" future(s) (no thread)\n");
        }
        if (!holders.isEmpty()) {
            b.append("holders:").append(holders).append('\n');
        } else if (!Tracker.ENABLED) {
            b.append("holders: counted only (run with -Ddev.quiesce.validate=true to see each with its"
                     + " acquisition stack)\n");
        }
        return b.toString();
    }
}
