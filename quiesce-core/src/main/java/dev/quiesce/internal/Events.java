package dev.quiesce.internal;

import dev.quiesce.Report;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JDK Flight Recorder events of the primitives and the validator, readable in JDK Mission Control
 * under the category "Quiesce". Each costs a disabled-event check when no recording asks for it.
 *
 * <p>{@code jdk.jfr} is optional ({@code requires static}): a runtime image made by {@code jlink}
 * without it runs the library with no events. This class's methods are the only way in, and each
 * checks {@link #AVAILABLE} before it touches a {@code jdk.jfr} class. Nothing in this class's own
 * code makes the verifier load a {@code jdk.jfr} class: every event is created and filled in
 * inside a nested class ({@code Emit}, the event classes), loaded only when first run.
 */
public final class Events {

    /**
     * Whether {@code jdk.jfr} is in the boot layer and readable by this module — decided without
     * loading any of its classes. On the class path every boot module is readable; on the module
     * path {@code jdk.jfr} must be resolved (for example by {@code --add-modules jdk.jfr}).
     */
    public static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.jfr")
            .map(Events.class.getModule()::canRead).orElse(false);

    private Events() {
    }

    /**
     * Returns whether the Flight Recorder has been initialised in this JVM (a recording was started,
     * by a flag, {@code jcmd} or the API). Until then no event can be recorded, and the primitives do
     * not create event objects: the first event class loaded pulls in about a hundred {@code jdk.jfr}
     * classes (a first grace period took 240 ms for that alone).
     *
     * @return whether events may be recorded
     */
    public static boolean recorderInitialized() {
        return AVAILABLE && FlightRecorder.isInitialized();
    }

    /**
     * Emits the event that matches a report.
     *
     * @param r the report
     */
    public static void report(Report r) {
        if (recorderInitialized()) {
            Emit.report(r);
        }
    }

    /**
     * Begins a grace-period event if a recording enables it.
     *
     * @return the event to pass to {@link #endGracePeriod}, or null
     */
    public static Object beginGracePeriod() {
        return recorderInitialized() ? Emit.beginGracePeriod() : null;
    }

    /**
     * Ends and commits an event from {@link #beginGracePeriod()}.
     *
     * @param event  what {@code beginGracePeriod} returned (not null)
     * @param domain the domain's name
     * @param number the grace period's number
     */
    public static void endGracePeriod(Object event, String domain, long number) {
        Emit.endGracePeriod(event, domain, number);
    }

    /**
     * Emits a dump as an event if a recording enables {@code dev.quiesce.Dump}.
     *
     * @param source the primitive
     * @param text   the dump's text
     * @return whether an event was committed
     */
    public static boolean dump(String source, String text) {
        return recorderInitialized() && Emit.dump(source, text);
    }

    /** Where events are made: loaded only once a recorder exists, so jdk.jfr is there. */
    private static final class Emit {

        static void report(Report r) {
            ReportEvent e;
            switch (r.kind()) {
                case STALL:
                    e = new StallEvent();
                    break;
                case LOCK_ORDER:
                    e = new LockOrderEvent();
                    break;
                case LEAK:
                    e = new LeakEvent();
                    break;
                default:
                    e = new OtherReportEvent();
                    break;
            }
            if (e.shouldCommit()) {
                e.kind = r.kind().name();
                e.source = r.source();
                e.message = r.message();
                e.commit();
            }
        }

        static boolean dump(String source, String text) {
            DumpEvent e = new DumpEvent();
            if (!e.shouldCommit()) {
                return false;
            }
            e.source = source;
            e.text = text;
            e.commit();
            return true;
        }

        static Object beginGracePeriod() {
            GracePeriodEvent e = new GracePeriodEvent();
            if (!e.isEnabled()) {
                return null;
            }
            e.begin();
            return e;
        }

        static void endGracePeriod(Object event, String domain, long number) {
            GracePeriodEvent e = (GracePeriodEvent) event;
            e.end();
            if (e.shouldCommit()) {
                e.domain = domain;
                e.number = number;
                e.commit();
            }
        }
    }

    /** A completed grace period: begin is its start, end its completion. */
    @Name("dev.quiesce.GracePeriod")
    @Label("Grace Period")
    @Category("Quiesce")
    @Description("An Srcu grace period, from its start to the end of the last section it waited for")
    @StackTrace(false)
    public static final class GracePeriodEvent extends Event {
        /** The domain's name. */
        @Label("Domain")
        public String domain;
        /** The grace period's number in its domain. */
        @Label("Number")
        public long number;

        /** Creates an event; {@code Srcu} fills it in at the end of the grace period. */
        public GracePeriodEvent() {
        }
    }

    /** A primitive's dump, taken on demand ({@code Dump.record()}). */
    @Name("dev.quiesce.Dump")
    @Label("Dump")
    @Category("Quiesce")
    @Description("Who holds and who waits for a Quiesce primitive, taken on demand")
    public static final class DumpEvent extends Event {
        /** The primitive. */
        @Label("Source")
        public String source;
        /** The dump as text, waiting threads' stacks included. */
        @Label("Dump")
        public String text;

        /** Creates an event; {@code Dump.record()} fills it in. */
        public DumpEvent() {
        }
    }

    /** Fields shared by the report events. */
    abstract static class ReportEvent extends Event {
        @Label("Kind")
        String kind;
        @Label("Source")
        String source;
        @Label("Message")
        String message;
    }

    /** A stalled grace period or writer. */
    @Name("dev.quiesce.Stall")
    @Label("Stall")
    @Category("Quiesce")
    @Description("A grace period or a writer that waited longer than its stall threshold")
    static final class StallEvent extends ReportEvent {
    }

    /** A possible deadlock found by the validator. */
    @Name("dev.quiesce.LockOrderViolation")
    @Label("Lock Order Violation")
    @Category("Quiesce")
    @Description("An acquisition order that can deadlock, found by the lock-dependency validator")
    static final class LockOrderEvent extends ReportEvent {
    }

    /** A handle that became unreachable while open. */
    @Name("dev.quiesce.Leak")
    @Label("Leak")
    @Category("Quiesce")
    @Description("A read section, permit or access that became unreachable while open")
    static final class LeakEvent extends ReportEvent {
    }

    /** Misuse, unbalanced releases, failed callbacks, tasks that returned holding, expired leases. */
    @Name("dev.quiesce.Report")
    @Label("Report")
    @Category("Quiesce")
    @Description("Other diagnostics of Quiesce primitives and the validator")
    static final class OtherReportEvent extends ReportEvent {
    }
}
