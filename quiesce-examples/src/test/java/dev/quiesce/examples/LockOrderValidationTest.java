package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quiesce.Report;
import dev.quiesce.examples.DocSamples.Block;
import dev.quiesce.validate.Validator;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's validator sample with validation on (this class runs in its own JVM with
 * {@code -Ddev.quiesce.validate=true}) and checks that the report the README prints is the one
 * the validator gives: the same lines, with the same line numbers in the sample's own frames.
 * Frames of the library and of the JDK may carry other line numbers (they move with every
 * library change, and differ between JDKs): the document shows them as "…", and everything else
 * must match.
 */
class LockOrderValidationTest {

    private static final Pattern FOREIGN_FRAME =
            Pattern.compile("^(\\s+at (?!dev\\.quiesce\\.examples\\.)\\S+\\(\\w+\\.java):\\d+\\)$");

    private final List<Report> reports = new CopyOnWriteArrayList<>();

    @AfterEach
    void restoreHandler() {
        Validator.setReportHandler(null);
    }

    @Test
    void theReadmeShowsTheReportTheValidatorGives() throws InterruptedException {
        assertTrue(Validator.isEnabled(), "run with -Ddev.quiesce.validate=true (the validator-tests execution)");
        Validator.setReportHandler(reports::add);

        LockOrder.main(new String[0]);

        List<Report> lockOrder = reports.stream().filter(r -> r.kind() == Report.Kind.LOCK_ORDER)
                .collect(Collectors.toList());
        assertEquals(1, lockOrder.size(), "one LOCK_ORDER report, on the committer: " + reports);
        String actual = lockOrder.get(0).toString().strip();
        assertTrue(actual.contains("thread \"committer\""), actual);
        assertTrue(actual.contains("LockOrder.commitJournal(LockOrder.java:"), actual);

        Block block = DocSamples.allBlocks().stream()
                .filter(b -> "output".equals(b.kind()) && "LockOrder".equals(b.argument()))
                .findFirst().orElseThrow(() -> new AssertionError("README has no <!-- output: LockOrder --> block"));
        if (DocSamples.UPDATE && !block.text().equals(normalise(actual))) {
            DocSamples.rewrite(block, normalise(actual));     // the document shows those numbers as "…"
            return;
        }
        assertEquals(normalise(actual), normalise(block.text()),
                block.where() + " is not the report LockOrder gives (update with -Dquiesce.updateDocs=true)");
    }

    private static String normalise(String report) {
        return report.lines()
                .map(l -> FOREIGN_FRAME.matcher(l).replaceAll("$1:…)"))
                .collect(Collectors.joining("\n"));
    }
}
