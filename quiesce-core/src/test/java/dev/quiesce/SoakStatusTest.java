package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The soak status line is a format other modules' stress tests and {@code ./quiesce soak} match
 * ({@code [soak] <TestName> t=<secs>s ops=<n> <counter>=<n> violations=<n>}): pin it.
 */
class SoakStatusTest {

    @Test
    void statusLineHasTheDocumentedFormat() {
        SoakStatus s = new SoakStatus("SrcuTortureTest", "gracePeriods");
        assertEquals("[soak] SrcuTortureTest t=10s ops=123 gracePeriods=45 violations=0", s.statusLine(10, 123, 45, 0));
    }

    @Test
    void namesWithSpacesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SoakStatus("Srcu Torture", "gracePeriods"));
        assertThrows(IllegalArgumentException.class, () -> new SoakStatus("SrcuTortureTest", "grace periods"));
    }
}
