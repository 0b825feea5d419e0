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
 */
public final class Events {

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
        return FlightRecorder.isInitialized();
    }

    /**
     * Emits the event that matches a report.
     *
     * @param r the report
     */
    public static void report(Report r) {
        if (!recorderInitialized()) {
            return;
        }
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
