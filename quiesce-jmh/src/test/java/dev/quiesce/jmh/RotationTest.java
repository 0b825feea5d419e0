package dev.quiesce.jmh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RotationTest {

    @Test
    void aMemberIsANameAndJmhsOwnArguments() {
        Rotation.Member m = Rotation.Member.parse("rwsem=ReadWriteBenchmark.fence  -p impl=rwsem -i 5");
        assertEquals("rwsem", m.name());
        assertArrayEquals(new String[] {"ReadWriteBenchmark.fence", "-p", "impl=rwsem", "-i", "5"}, m.jmhArgs());
        assertThrows(IllegalArgumentException.class, () -> Rotation.Member.parse("no-equals-sign"));
        assertThrows(IllegalArgumentException.class, () -> Rotation.Member.parse("=args only"));
        assertThrows(IllegalArgumentException.class, () -> Rotation.Member.parse("name="));
    }

    @Test
    void theMedianOfAnOddAndAnEvenCount() {
        assertEquals(2.0, Rotation.median(new double[] {3.0, 1.0, 2.0}));
        assertEquals(2.5, Rotation.median(new double[] {4.0, 1.0, 3.0, 2.0}));
        assertThrows(IllegalArgumentException.class, () -> Rotation.median(new double[0]));
    }

    /**
     * Ratios are taken within a round: a member that is half the baseline in every round is 0.50
     * in every round, however far the baseline itself drifts between rounds.
     */
    @Test
    void ratiosAreTakenWithinEachRound() {
        List<Map<String, Rotation.Score>> table = List.of(
                round(60.0, 30.0), round(140.0, 70.0), round(100.0, 50.0));
        String s = Rotation.summary("base", table);
        assertTrue(s.contains("base         median 1.00  1.00-1.00  [1.00, 1.00, 1.00]"), s);
        assertTrue(s.contains("other        median 0.50  0.50-0.50  [0.50, 0.50, 0.50]"), s);
    }

    @Test
    void theSummaryGivesTheMedianAndTheRange() {
        List<Map<String, Rotation.Score>> table = List.of(
                round(100.0, 40.0), round(100.0, 90.0), round(100.0, 60.0), round(100.0, 120.0));
        String s = Rotation.summary("base", table);
        assertTrue(s.contains("other        median 0.75  0.40-1.20  [0.40, 0.90, 0.60, 1.20]"), s);
    }

    private static Map<String, Rotation.Score> round(double base, double other) {
        Map<String, Rotation.Score> m = new LinkedHashMap<>();
        m.put("base", new Rotation.Score(base, Map.of()));
        m.put("other", new Rotation.Score(other, Map.of()));
        return m;
    }
}
