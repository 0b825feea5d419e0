package dev.quiesce.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The thread-to-cell mapping that {@code Srcu} and {@code RwSemaphore} share, and its reshuffles. */
class StripesTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 6, 12, -4, Integer.MIN_VALUE})
    void aTableThatIsNotAPowerOfTwoFromTwoIsRefused(int cells) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Stripes.shift(cells));
        assertTrue(e.getMessage().contains("not " + cells), e.getMessage());
    }

    /** A new table maps threads as Srcu always did: the top bits of id * 2^64/phi. */
    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8, 64, 256})
    @SuppressWarnings("deprecation")   // getId(): threadId() is Java 19+
    void aNewTableUsesFibonacciHashing(int cells) {
        long[] table = Stripes.init(new long[(cells + 2) * 16]);
        int shift = Stripes.shift(cells);
        int cell = Stripes.cell(table, shift);
        assertEquals((int) ((Thread.currentThread().getId() * 0x9E3779B97F4A7C15L) >>> shift), cell);
        assertTrue(cell >= 0 && cell < cells, cell + " outside " + cells + " cells");
    }

    /**
     * The first contention reshuffles at once; a second within the pace does not; reshuffles
     * send one thread to varied cells, always inside the table.
     */
    @Test
    void contentionReshufflesAtMostOncePerPace() throws Exception {
        int cells = 8;
        int shift = Stripes.shift(cells);
        long[] table = Stripes.init(new long[(cells + 2) * 16]);
        long first = table[0];
        assertTrue(Stripes.contended(table), "the first contention reshuffles");
        assertNotEquals(first, table[0], "the multiplier did not change");
        assertEquals(1L, table[0] & 1L, "multipliers are odd");
        long second = table[0];
        long reshuffledAt = table[1];
        // Within the pace (a millisecond) another contention changes nothing; the time is read
        // before the call, so a false here is no timing assumption: the call saw less than 1 ms.
        long before = System.nanoTime();
        boolean again = Stripes.contended(table);
        if (System.nanoTime() - reshuffledAt < Stripes.RESHUFFLE_NANOS) {
            assertFalse(again, "reshuffled twice within " + (before - reshuffledAt) + " ns");
            assertEquals(second, table[0]);
        }
        // Over many reshuffles, a thread visits most cells and never leaves the table.
        Set<Integer> visited = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (visited.size() < cells && System.nanoTime() - deadline < 0) {
            Stripes.contended(table);
            int cell = Stripes.cell(table, shift);
            assertTrue(cell >= 0 && cell < cells, cell + " outside " + cells + " cells");
            visited.add(cell);
        }
        assertEquals(cells, visited.size(), "reshuffles reached only cells " + visited);
    }

    @Test
    void cellsPerCpuIsAPowerOfTwoWithinItsBounds() {
        int cpus = Runtime.getRuntime().availableProcessors();
        for (int perCpu : new int[] {1, 2, 4}) {
            int n = Stripes.cellsPerCpu(perCpu, 2, 64);
            assertEquals(1, Integer.bitCount(n), n + " is not a power of two");
            assertTrue(n >= Math.min(64, cpus * perCpu) && n <= 64 && n >= 2, n + " for " + cpus + " CPUs");
            assertTrue(n < 2 * cpus * perCpu || n == 2, n + " is more than twice " + cpus * perCpu);
        }
        assertEquals(8, Stripes.cellsPerCpu(1000, 2, 8), "the most");
        assertTrue(Stripes.cellsPerCpu(1, 64, 256) >= 64, "the fewest");
    }
}
