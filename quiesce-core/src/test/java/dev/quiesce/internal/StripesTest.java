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
     * A new table's first contention reshuffles at once; within the pace none does, after it one
     * does (the last reshuffle's time is set in the table, so no clock is waited for); a thread
     * sent through many reshuffles visits every cell and never leaves the table.
     */
    @Test
    void contentionReshufflesAtMostOncePerPace() {
        int cells = 8;
        int shift = Stripes.shift(cells);
        long[] table = Stripes.init(new long[(cells + 2) * Stripes.PADDING]);
        long first = table[Stripes.MULTIPLIER];
        assertTrue(Stripes.contended(table), "the first contention reshuffles");
        assertNotEquals(first, table[Stripes.MULTIPLIER], "the multiplier did not change");
        assertEquals(1L, table[Stripes.MULTIPLIER] & 1L, "multipliers are odd");

        long now = System.nanoTime();
        table[Stripes.RESHUFFLED_AT] = now + TimeUnit.HOURS.toNanos(1);   // just reshuffled, for the call
        long second = table[Stripes.MULTIPLIER];
        assertFalse(Stripes.contended(table), "reshuffled within the pace");
        assertEquals(second, table[Stripes.MULTIPLIER]);

        table[Stripes.RESHUFFLED_AT] = now - 2 * Stripes.RESHUFFLE_NANOS;  // the pace has passed
        assertTrue(Stripes.contended(table), "no reshuffle after the pace");
        assertTrue(table[Stripes.RESHUFFLED_AT] - now >= 0, "the reshuffle's time was not recorded");

        Set<Integer> visited = new HashSet<>();
        for (int i = 0; i < 10_000 && visited.size() < cells; i++) {
            table[Stripes.RESHUFFLED_AT] = System.nanoTime() - 2 * Stripes.RESHUFFLE_NANOS;
            assertTrue(Stripes.contended(table));
            int cell = Stripes.cell(table, shift);
            assertTrue(cell >= 0 && cell < cells, cell + " outside " + cells + " cells");
            visited.add(cell);
        }
        assertEquals(cells, visited.size(), "reshuffles reached only cells " + visited);
    }

    /** The two elements the mapping keeps are padding, a line from the header and the first cell. */
    @Test
    void theMappingLivesInThePaddingALineFromEitherEnd() {
        assertTrue(Stripes.RESHUFFLED_AT < Stripes.MULTIPLIER, "the time is not the multiplier");
        assertTrue(Stripes.MULTIPLIER * 8 >= 64, "the multiplier shares a line with the header");
        assertTrue((Stripes.PADDING - Stripes.MULTIPLIER) * 8 >= 64, "it shares a line with the first cell");
        long[] table = Stripes.init(new long[3 * Stripes.PADDING]);
        for (int i = Stripes.PADDING; i < table.length; i++) {
            assertEquals(0L, table[i], "init wrote cell element " + i);
        }
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
