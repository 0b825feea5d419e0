package dev.quiesce.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The report's arithmetic: a ratio's range from two scores' errors never goes below zero (a low
 * end at or below zero is stated as open), and "where peers win" separates a peer beyond the
 * errors from one ahead on the mean only.
 */
class ReportTest {

    @Test
    void aRatioRangeIsTheWorstAndBestCaseWithinTheErrors() {
        double[] r = Report.ratioRange(new double[] {100, 10}, new double[] {10, 1});
        assertEquals(10, r[0], 1e-9);
        assertEquals(90.0 / 11, r[1], 1e-9);
        assertEquals(110.0 / 9, r[2], 1e-9);
        assertEquals("10.0× (8.18–12.2)", Report.ratio(new double[] {100, 10}, new double[] {10, 1}));
    }

    @Test
    void aRangeThatWouldGoNegativeIsOpenNeverNegative() {
        double[] r = Report.ratioRange(new double[] {10, 30}, new double[] {5, 1});
        assertEquals(0, r[1], 0.0, "the low end is clamped at 0 (open)");
        assertTrue(Report.ratio(new double[] {10, 30}, new double[] {5, 1}).contains("up to"));
        assertTrue(Report.ratio(new double[] {10, 30}, new double[] {5, 6}).contains("unbounded"));
        assertTrue(Report.ratio(new double[] {10, 1}, new double[] {5, 6}).contains("or more"));
        assertTrue(Report.ratio(new double[] {10, Double.NaN}, new double[] {5, 1}).contains("error unknown"));
        assertEquals(0, Report.scoreRange(3, 5)[1], 0.0);
    }

    @Test
    void aPeerWinsBeyondTheErrorsOnlyWhenItsWorstCaseBeatsQuiescesBest() {
        String beyond = new Report.Wins(true, " ops/µs")
                .compare("StampedLock", new double[] {20, 1}, "Srcu", new double[] {10, 1}, "").text();
        assertTrue(beyond.contains("beyond the errors") && beyond.contains("StampedLock"), beyond);

        String meanOnly = new Report.Wins(true, " ops/µs")
                .compare("StampedLock", new double[] {12, 3}, "Srcu", new double[] {10, 3}, "").text();
        assertTrue(meanOnly.contains("no peer wins beyond the errors"), meanOnly);
        assertTrue(meanOnly.contains("StampedLock"), "ahead on the mean only is still named: " + meanOnly);

        String latency = new Report.Wins(false, " µs")
                .compare("Phaser", new double[] {0.05, 0.01}, "Srcu", new double[] {0.2, 0.01}, "no reader").text();
        assertTrue(latency.contains("beyond the errors") && latency.contains("Phaser"),
                "lower is better for latencies: " + latency);

        String quiesceWins = new Report.Wins(true, " ops/µs")
                .compare("RRWL", new double[] {5, 1}, "Srcu", new double[] {100, 5}, "").text();
        assertFalse(quiesceWins.contains("**RRWL**"), "a peer behind is not named as winning: " + quiesceWins);
    }
}
