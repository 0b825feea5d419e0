package dev.quiesce.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo end to end (a short run must pass and print its table), its command line, and the record
 * check it relies on to call a snapshot consistent: a check that passed torn records would make every
 * run pass.
 */
class DemoTest {

    @TempDir
    Path dir;

    /** Runs the demo; returns its status, with everything it printed in {@code printed[0]}. */
    private static int run(String[] printed, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            status = Demo.run(args, out, out);
        }
        printed[0] = bytes.toString(StandardCharsets.UTF_8);
        return status;
    }

    @Test
    void aShortRunPassesAndPrintsTheTableAndTheVerdict() throws IOException {
        String[] printed = new String[1];
        int status = run(printed, "--duration", "2.5", "--writers", "2", "--dir", dir.toString());
        String out = printed[0];
        assertEquals(0, status, out);
        for (String row : new String[] {"writes", "throughput", "syncFs()", "freeze() drain", "watch()", "events",
                "snapshots", "final files", "end"}) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith("  " + row + " ")), "no row '" + row + "' in:\n" + out);
        }
        assertTrue(out.contains("\nPASS: "), out);
        assertTrue(out.contains(" 0 missed"), out);
        // Snapshots at 1 s and 2 s; on a very busy machine the second may be cut short by the deadline.
        assertTrue(out.matches("(?s).*snapshots +[12] verified, 0 failed.*"), out);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "the run's directory was not deleted");
        }
    }

    @Test
    void keepLeavesTheRunsDirectory() throws IOException {
        String[] printed = new String[1];
        assertEquals(0, run(printed, "--duration", "0.5", "--writers", "1", "--keep", "--dir", dir.toString()), printed[0]);
        Path runDir;
        try (Stream<Path> left = Files.list(dir)) {
            runDir = left.findFirst().orElseThrow();
        }
        assertTrue(printed[0].contains("kept: " + runDir), printed[0]);
        try (Stream<Path> volumeFiles = Files.list(runDir.resolve("volume"))) {
            assertEquals(2, volumeFiles.count());
        }
    }

    @Test
    void badOptionsGiveStatusTwoAndTheUsage() {
        String[][] bad = {
            {"--bogus"}, {"--writers"}, {"--writers", "0"}, {"--writers", "many"}, {"--duration", "-1"},
            {"--duration", "NaN"}, {"--record-size", "16"}, {"--record-size", "4096", "extra"}, {"--in-flight=0"},
        };
        for (String[] args : bad) {
            String[] printed = new String[1];
            assertEquals(2, run(printed, args), String.join(" ", args));
            assertTrue(printed[0].contains("usage: "), printed[0]);
        }
        String[] printed = new String[1];
        assertEquals(0, run(printed, "--help"));
        assertTrue(printed[0].startsWith("usage: "), printed[0]);
    }

    // --- the record check ------------------------------------------------------------------------

    private static final int SIZE = 1000;
    private static final int SLOTS = 8;
    private final RecordFormat format = new RecordFormat(SIZE);

    /** A file image: header, then the given records (seq, or -1 for zeros) in slots 0, 1, ... */
    private ByteBuffer file(long... seqs) {
        ByteBuffer b = ByteBuffer.allocate(RecordFormat.FILE_HEADER + seqs.length * SIZE);
        b.put(format.fileHeader(3, 1, SLOTS));
        ByteBuffer record = ByteBuffer.allocate(SIZE);
        for (long seq : seqs) {
            if (seq < 0) {
                b.position(b.position() + SIZE);
            } else {
                format.fill(record, 3, 1, seq);
                b.put(record);
            }
        }
        return b.flip();
    }

    private long check(ByteBuffer file, int slot) {
        return format.check(file, (int) format.offset(slot), 3, 1, slot, SLOTS);
    }

    @Test
    void wholeRecordsAndZerosPass() {
        ByteBuffer f = file(SLOTS, -1, 2);
        assertTrue(format.hasFileHeader(f, 3, 1, SLOTS));
        assertEquals(SLOTS, check(f, 0));
        assertEquals(RecordFormat.EMPTY, check(f, 1));
        assertEquals(2, check(f, 2));
        assertNull(format.problem(f, (int) format.offset(0), 3, 1, 0, SLOTS));
        assertEquals(0, format.slotAt(format.offset(0), SLOTS));
        assertEquals(-1, format.slotAt(format.offset(0) + 1, SLOTS));
        assertEquals(-1, format.slotAt(format.offset(SLOTS), SLOTS));
    }

    @Test
    void aMixtureOfTwoLapsIsTorn() {
        ByteBuffer old = file(0);
        ByteBuffer young = file(SLOTS);
        int at = (int) format.offset(0);
        ByteBuffer torn = file(0);
        torn.put(at + SIZE / 2, young.array(), at + SIZE / 2, SIZE / 2);     // second half from the next lap
        assertEquals(0, check(old, 0));
        assertEquals(SLOTS, check(young, 0));
        assertEquals(RecordFormat.TORN, check(torn, 0));
        assertTrue(format.problem(torn, at, 3, 1, 0, SLOTS).contains("CRC32C"));
    }

    @Test
    void aRecordHalfWrittenOverZerosIsTorn() {
        ByteBuffer f = file(0);
        int at = (int) format.offset(0);
        for (int i = SIZE - 100; i < SIZE; i++) {
            f.put(at + i, (byte) 0);
        }
        assertEquals(RecordFormat.TORN, check(f, 0));
    }

    @Test
    void aRecordInTheWrongSlotOrFileIsTorn() {
        ByteBuffer f = file(0, 0);      // record 0 copied into slot 1
        assertEquals(RecordFormat.TORN, check(f, 1));
        assertEquals(RecordFormat.TORN, format.check(f, (int) format.offset(0), 3, 2, 0, SLOTS));
        ByteBuffer flipped = file(SLOTS * 5);
        int at = (int) format.offset(0);
        flipped.put(at + 100, (byte) (flipped.get(at + 100) ^ 1));
        assertEquals(RecordFormat.TORN, check(flipped, 0));
        ByteBuffer badHeader = file(0);
        badHeader.put(10, (byte) 1);
        assertFalse(format.hasFileHeader(badHeader, 3, 1, SLOTS));
    }
}
