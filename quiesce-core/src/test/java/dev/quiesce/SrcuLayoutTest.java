package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.FieldLayout;

/**
 * Checks with JOL that the fields every reader reads ({@code state}, {@code drainIndex}) do not
 * share a cache line — nor the adjacent line a prefetcher pairs with it — with the fields
 * updaters write on every grace period ({@code gpSeq}, {@code gpTarget}, {@code driver}).
 */
class SrcuLayoutTest {

    /** Two 64-byte lines: HotSpot's default for padding, against adjacent-line prefetch. */
    private static final long MIN_DISTANCE = 128;

    @Test
    void readerFieldsArePaddedAwayFromUpdaterFields() {
        ClassLayout layout = ClassLayout.parseClass(Srcu.class);
        List<String> problems = new ArrayList<>();
        for (String reader : List.of("state", "drainIndex")) {
            FieldLayout r = field(layout, reader);
            for (String updater : List.of("gpSeq", "gpTarget", "driver")) {
                FieldLayout u = field(layout, updater);
                long distance = Math.abs(u.offset() - r.offset());
                if (distance < MIN_DISTANCE) {
                    problems.add(reader + "@" + r.offset() + " vs " + updater + "@" + u.offset()
                            + ": " + distance + " bytes");
                }
            }
        }
        assertTrue(problems.isEmpty(), problems + "\n" + layout.toPrintable());
    }

    /** The reader fields also sit at least 128 bytes after the object header (other objects). */
    @Test
    void readerFieldsArePaddedFromTheHeader() {
        ClassLayout layout = ClassLayout.parseClass(Srcu.class);
        for (String reader : List.of("state", "drainIndex")) {
            assertTrue(field(layout, reader).offset() >= MIN_DISTANCE, layout.toPrintable());
        }
    }

    private static FieldLayout field(ClassLayout layout, String name) {
        List<FieldLayout> found = new ArrayList<>();
        for (FieldLayout f : layout.fields()) {
            if (f.name().equals(name)) {
                found.add(f);
            }
        }
        assertEquals(1, found.size(), "field " + name + " in\n" + layout.toPrintable());
        return found.get(0);
    }

    /** A handle is one small allocation: 24 bytes, with the validator's record kept outside it. */
    @Test
    void readSectionIsSmall() {
        Srcu srcu = Srcu.create("layout");
        ReadSection section = srcu.enter();
        long size = ClassLayout.parseInstance(section).instanceSize();
        section.close();
        assertTrue(size <= 24, "ReadSection is " + size + " bytes");
    }
}
