package dev.quiesce.validate;

import dev.quiesce.Report;
import dev.quiesce.Srcu;
import dev.quiesce.internal.Tracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where validator reports go: a JFR event, the logger {@code dev.quiesce.validate} unless turned
 * off, and the handler in addition to the log (it used to replace it). The logger is replaced by
 * a recording one through the engine's package-private seam.
 */
class ReportChannelsTest {

    private final List<Report> handled = new CopyOnWriteArrayList<>();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private Engine engine;
    private System.Logger saved;

    /** A System.Logger that keeps "LEVEL message" lines. */
    private final class Recording implements System.Logger {
        @Override
        public String getName() {
            return "dev.quiesce.validate";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            logged.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            logged.add(level + " " + format);
        }
    }

    @BeforeEach
    void recordTheLog() {
        assertTrue(Validator.isEnabled(), "these tests need -Ddev.quiesce.validate=true");
        engine = (Engine) Tracker.INSTANCE;
        saved = engine.logger;
        engine.logger = new Recording();
    }

    @AfterEach
    void restore() {
        engine.logger = saved;
        Validator.setReportHandler(null);
        Validator.setLogReports(true);
    }

    /** A readUnlock of a downRead token: the counts are right, the validator reports UNBALANCED. */
    private static void unbalanced(Srcu s) {
        s.readUnlock(s.downRead());
    }

    @Test
    void withoutAHandlerReportsAreLogged() {
        assertTrue(Validator.isLogReports());
        unbalanced(Srcu.create("no-handler"));
        assertEquals(1, logged.size(), () -> "log: " + logged);
        assertTrue(logged.get(0).startsWith("ERROR UNBALANCED [validator] readUnlock of Srcu[no-handler]"), logged.get(0));
    }

    @Test
    void aHandlerIsGivenEveryReportInAdditionToTheLog() {
        Validator.setReportHandler(handled::add);
        unbalanced(Srcu.create("added"));
        assertEquals(1, handled.size(), () -> "handled: " + handled);
        Report r = handled.get(0);
        assertEquals(Report.Kind.UNBALANCED, r.kind());
        assertSame(Report.VALIDATOR, r.source());
        assertEquals(List.of("ERROR " + r), logged, "the handler no longer replaces the log");
    }

    @Test
    void setLogReportsFalseSilencesTheLogAndKeepsTheHandler() {
        Validator.setReportHandler(handled::add);
        Validator.setLogReports(false);
        assertFalse(Validator.isLogReports());
        unbalanced(Srcu.create("silenced"));
        assertEquals(1, handled.size(), () -> "handled: " + handled);
        assertEquals(List.of(), logged);
        Validator.setLogReports(true);
        unbalanced(Srcu.create("logged-again"));
        assertEquals(2, handled.size());
        assertEquals(1, logged.size(), () -> "log: " + logged);
    }

    /** A handler that throws still fails the reported thread, after the report was logged. */
    @Test
    void aThrowingHandlerReachesTheReportedThreadAfterTheLog() {
        Validator.setReportHandler(r -> {
            handled.add(r);
            throw new IllegalStateException("fail fast: " + r.kind());
        });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> unbalanced(Srcu.create("thrown")));
        assertEquals("fail fast: UNBALANCED", e.getMessage());
        assertEquals(1, logged.size(), () -> "log: " + logged);
    }

    @Test
    void nullRemovesTheHandler() {
        Validator.setReportHandler(handled::add);
        Validator.setReportHandler(null);
        unbalanced(Srcu.create("removed"));
        assertEquals(List.of(), handled);
        assertEquals(1, logged.size(), () -> "log: " + logged);
    }
}
