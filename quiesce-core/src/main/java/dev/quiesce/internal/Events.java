package dev.quiesce.internal;

import dev.quiesce.Report;
import dev.quiesce.RwSemaphore;
import dev.quiesce.Srcu;

import java.util.concurrent.atomic.AtomicBoolean;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

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

    /**
     * Installs the one periodic hook of {@code dev.quiesce.Stats} when the recorder is initialised
     * (at once if it is); does nothing without {@code jdk.jfr}. Call it once, when the first
     * primitive is registered for export.
     *
     * @param hook what to run at each period while a recording enables {@code dev.quiesce.Stats}
     */
    public static void installStatsHook(Runnable hook) {
        if (AVAILABLE) {
            Emit.installStatsHook(hook);
        }
    }

    /**
     * From the periodic hook: the summary event.
     *
     * @param registrations live per-instance registrations
     * @param classes       lock classes with members
     */
    public static void statsSummary(int registrations, int classes) {
        Emit.statsSummary(registrations, classes);
    }

    /**
     * From the periodic hook: one domain's figures.
     *
     * @param id the registration's id
     * @param st the figures
     */
    public static void srcuStats(long id, Srcu.Stats st) {
        Emit.srcuStats(id, st);
    }

    /**
     * From the periodic hook: one semaphore's figures.
     *
     * @param id the registration's id
     * @param st the figures
     */
    public static void rwSemaphoreStats(long id, RwSemaphore.Stats st) {
        Emit.rwSemaphoreStats(id, st);
    }

    /**
     * From the periodic hook: one lock class's aggregate.
     *
     * @param id        the aggregate's id
     * @param srcu      whether it aggregates domains (else semaphores)
     * @param lockClass the class's name
     * @param instances reachable members
     * @param open      sections open or shared permits held
     * @param waiting   domains in a grace period or semaphores with a writer queued
     * @param killed    semaphores killed
     */
    public static void classStats(long id, boolean srcu, String lockClass, long instances, long open,
                                  long waiting, long killed) {
        Emit.classStats(id, srcu, lockClass, instances, open, waiting, killed);
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

        /**
         * Installs the hook once the recorder is initialised: a listener costs about 20 jdk.jfr
         * classes, the periodic event itself about a hundred (over half a second, measured on a
         * loaded 2-core machine), which an application that never records should not pay.
         * addListener calls recorderInitialized at once if the recorder already is.
         */
        static void installStatsHook(Runnable hook) {
            FlightRecorder.addListener(new FlightRecorderListener() {
                private final AtomicBoolean installed = new AtomicBoolean();

                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    if (installed.compareAndSet(false, true)) {
                        FlightRecorder.addPeriodicEvent(StatsEvent.class, hook);
                    }
                }
            });
        }

        static void statsSummary(int registrations, int classes) {
            StatsEvent e = new StatsEvent();
            e.registrations = registrations;
            e.lockClasses = classes;
            e.commit();
        }

        static void srcuStats(long id, Srcu.Stats st) {
            SrcuStatsEvent e = new SrcuStatsEvent();
            if (e.shouldCommit()) {
                e.id = id;
                e.name = st.name();
                e.gracePeriodsCompleted = st.gracePeriodsCompleted();
                e.gracePeriodInProgress = st.gracePeriodInProgress();
                e.lastGracePeriod = st.lastGracePeriodNanos();
                e.longestGracePeriod = st.longestGracePeriodNanos();
                e.sectionsOpen = st.sectionsOpen();
                e.callbacksQueued = st.callbacksQueued();
                e.callbacksRun = st.callbacksRun();
                e.commit();
            }
        }

        static void rwSemaphoreStats(long id, RwSemaphore.Stats st) {
            RwSemaphoreStatsEvent e = new RwSemaphoreStatsEvent();
            if (e.shouldCommit()) {
                e.id = id;
                e.name = st.name();
                e.sharedHolders = st.sharedHolders();
                e.exclusiveHeld = st.exclusiveHeld();
                e.waitingWriters = st.waitingWriters();
                e.waitingReaders = st.waitingReaders();
                e.killed = st.killed();
                e.dead = st.dead();
                e.commit();
            }
        }

        static void classStats(long id, boolean srcu, String lockClass, long instances, long open,
                               long waiting, long killed) {
            ClassStatsEvent e = srcu ? new SrcuClassStatsEvent() : new RwSemaphoreClassStatsEvent();
            if (e.shouldCommit()) {
                e.id = id;
                e.lockClass = lockClass;
                e.instances = instances;
                e.open = open;
                e.waiting = waiting;
                e.killed = killed;
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

    /**
     * The periodic hook's own event: off unless a recording enables it; while it is enabled, the
     * figures of every registered primitive are emitted at its period.
     */
    @Name("dev.quiesce.Stats")
    @Label("Quiesce Statistics")
    @Category("Quiesce")
    @Description("Enables the periodic figures of the primitives registered with dev.quiesce.Metrics;"
            + " counts them")
    @StackTrace(false)
    @Enabled(false)
    @Period("1 s")
    static final class StatsEvent extends Event {
        @Label("Registrations")
        int registrations;
        @Label("Lock Classes")
        int lockClasses;
    }

    /** One registered domain's figures, emitted by the periodic hook. */
    @Name("dev.quiesce.SrcuStats")
    @Label("Srcu Statistics")
    @Category("Quiesce")
    @Description("A registered Srcu domain's figures (Srcu.stats()), at each period of dev.quiesce.Stats")
    @StackTrace(false)
    static final class SrcuStatsEvent extends Event {
        @Label("Id")
        @Description("The registration's id: unique, unlike the name")
        long id;
        @Label("Name")
        String name;
        @Label("Grace Periods Completed")
        long gracePeriodsCompleted;
        @Label("Grace Period In Progress")
        boolean gracePeriodInProgress;
        @Label("Last Grace Period")
        @Timespan(Timespan.NANOSECONDS)
        long lastGracePeriod;
        @Label("Longest Grace Period")
        @Timespan(Timespan.NANOSECONDS)
        long longestGracePeriod;
        @Label("Sections Open")
        @Description("Approximate: a scan racing with readers")
        long sectionsOpen;
        @Label("Callbacks Queued")
        long callbacksQueued;
        @Label("Callbacks Run")
        long callbacksRun;
    }

    /** One registered semaphore's figures, emitted by the periodic hook. */
    @Name("dev.quiesce.RwSemaphoreStats")
    @Label("RwSemaphore Statistics")
    @Category("Quiesce")
    @Description("A registered RwSemaphore's figures (RwSemaphore.stats()), at each period of dev.quiesce.Stats")
    @StackTrace(false)
    static final class RwSemaphoreStatsEvent extends Event {
        @Label("Id")
        @Description("The registration's id: unique, unlike the name")
        long id;
        @Label("Name")
        String name;
        @Label("Shared Holders")
        @Description("Approximate once inflated: a scan racing with readers")
        long sharedHolders;
        @Label("Exclusive Held")
        boolean exclusiveHeld;
        @Label("Waiting Writers")
        int waitingWriters;
        @Label("Waiting Readers")
        int waitingReaders;
        @Label("Killed")
        boolean killed;
        @Label("Dead")
        boolean dead;
    }

    /** Fields of a lock class's aggregate. */
    abstract static class ClassStatsEvent extends Event {
        @Label("Id")
        @Description("The aggregate's id: unique, unlike the class's name")
        long id;
        @Label("Lock Class")
        String lockClass;
        @Label("Instances")
        long instances;
        @Label("Open")
        @Description("Read sections open (domains) or shared permits held (semaphores), summed")
        long open;
        @Label("Waiting")
        @Description("Domains with a grace period in progress, or semaphores with a writer queued")
        long waiting;
        @Label("Killed")
        @Description("Semaphores killed (killing or dead)")
        long killed;
    }

    /** A lock class of domains, aggregated. */
    @Name("dev.quiesce.SrcuClassStats")
    @Label("Srcu Lock Class Statistics")
    @Category("Quiesce")
    @Description("The figures of the Srcu domains of one lock class, summed, at each period of dev.quiesce.Stats")
    @StackTrace(false)
    static final class SrcuClassStatsEvent extends ClassStatsEvent {
    }

    /** A lock class of semaphores, aggregated. */
    @Name("dev.quiesce.RwSemaphoreClassStats")
    @Label("RwSemaphore Lock Class Statistics")
    @Category("Quiesce")
    @Description("The figures of the RwSemaphores of one lock class, summed, at each period of dev.quiesce.Stats")
    @StackTrace(false)
    static final class RwSemaphoreClassStatsEvent extends ClassStatsEvent {
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
