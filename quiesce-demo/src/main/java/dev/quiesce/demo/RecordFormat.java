package dev.quiesce.demo;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout of a demo file and its records, and the check that tells a whole record from a torn one.
 *
 * <p>A file is a {@link #FILE_HEADER}-byte header, then a ring of {@code slots} record slots: record
 * {@code seq} lives at {@link #offset offset(seq % slots)}. The header puts every record across a
 * page boundary, whatever the record size: a copy that races a write of a record spanning two pages
 * can see half of it (on tmpfs, a page-aligned single-page record is copied whole or not at all, so
 * a broken freeze would go unnoticed with page-aligned records).
 *
 * <pre>
 *   file header (64 bytes)
 *   0        4         magic 0x51534346 ("QSCF")
 *   4        4         writer id
 *   8        4         file index within the writer
 *   12       4         record size
 *   16       4         slots
 *   20       40        zeros
 *   60       4         CRC32C of bytes [0, 60)
 *
 *   record
 *   offset   size      field
 *   0        4         magic 0x51534345 ("QSCE")
 *   4        4         writer id
 *   8        4         file index within the writer
 *   12       4         record length in bytes (the whole record, checksum included)
 *   16       8         sequence number within the file; the record lives in slot seq mod slots
 *   24       size-28   payload: an xorshift stream seeded from (writer, file, seq)
 *   size-4   4         CRC32C of bytes [0, size-4)
 * </pre>
 *
 * A record slot holds all zeros (never written) or one whole record. Anything else is torn: a
 * mixture of two records, a record cut short, a header that does not belong in that slot of that
 * file. Instances are immutable; every method may be called from any thread.
 */
final class RecordFormat {

    static final int MAGIC = 0x51534345;
    static final int FILE_MAGIC = 0x51534346;
    static final int FILE_HEADER = 64;
    static final int HEADER = 24;
    static final int MIN_SIZE = HEADER + 8;
    static final int MAX_SIZE = 1 << 20;

    /** {@link #check} result: the slot holds only zeros. */
    static final long EMPTY = -1;
    /** {@link #check} result: the slot holds neither zeros nor a whole record of its own. */
    static final long TORN = -2;

    final int size;

    RecordFormat(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new IllegalArgumentException("record size " + size + " outside " + MIN_SIZE + ".." + MAX_SIZE);
        }
        this.size = size;
    }

    /** The file position of a record slot. */
    long offset(int slot) {
        return FILE_HEADER + (long) slot * size;
    }

    /** The slot at file position {@code offset}, or -1 if no slot of a ring of {@code slots} starts there. */
    int slotAt(long offset, int slots) {
        long rel = offset - FILE_HEADER;
        if (rel < 0 || rel % size != 0 || rel / size >= slots) {
            return -1;
        }
        return (int) (rel / size);
    }

    /** The file header of ({@code writer}, {@code file}) with {@code slots} slots, ready to write. */
    ByteBuffer fileHeader(int writer, int file, int slots) {
        ByteBuffer b = ByteBuffer.allocate(FILE_HEADER);
        b.putInt(FILE_MAGIC).putInt(writer).putInt(file).putInt(size).putInt(slots);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, FILE_HEADER - 4);
        b.putInt(FILE_HEADER - 4, (int) crc.getValue());
        return b.clear();
    }

    /** Whether {@code b} starts with that file header. */
    boolean hasFileHeader(ByteBuffer b, int writer, int file, int slots) {
        return b.limit() >= FILE_HEADER && fileHeader(writer, file, slots).equals(b.duplicate().position(0).limit(FILE_HEADER));
    }

    /** Fills {@code b} (capacity at least {@link #size}) with record {@code seq} and flips it for writing. */
    void fill(ByteBuffer b, int writer, int file, long seq) {
        b.clear();
        b.putInt(MAGIC).putInt(writer).putInt(file).putInt(size).putLong(seq);
        long x = seed(writer, file, seq);
        int payloadEnd = size - 4;
        while (b.position() + 8 <= payloadEnd) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.putLong(x);
        }
        while (b.position() < payloadEnd) {
            b.put((byte) x);
            x >>>= 8;
        }
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().flip());
        b.putInt((int) crc.getValue());
        b.flip();
    }

    /** A non-zero xorshift seed from the record's identity (splitmix64's finaliser). */
    private static long seed(int writer, int file, long seq) {
        long z = seq * 0x9E3779B97F4A7C15L + ((long) writer << 32 | file & 0xFFFF_FFFFL);
        z = (z ^ z >>> 30) * 0xBF58476D1CE4E5B9L;
        z = (z ^ z >>> 27) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return z != 0 ? z : 1;
    }

    /**
     * Checks the record slot at {@code b[at, at+size)} of slot number {@code slot} in a file of
     * {@code slots} slots that belongs to ({@code writer}, {@code file}).
     *
     * @return the record's sequence number, {@link #EMPTY} or {@link #TORN}
     */
    long check(ByteBuffer b, int at, int writer, int file, int slot, int slots) {
        return problem(b, at, writer, file, slot, slots) == null
                ? (isZero(b, at) ? EMPTY : b.getLong(at + 16)) : TORN;
    }

    /** Why the slot is torn, or {@code null} if it is empty or a whole record of its own. */
    String problem(ByteBuffer b, int at, int writer, int file, int slot, int slots) {
        if (isZero(b, at)) {
            return null;
        }
        int magic = b.getInt(at);
        if (magic != MAGIC) {
            return String.format("bad magic 0x%08x", magic);
        }
        if (b.getInt(at + 4) != writer || b.getInt(at + 8) != file) {
            return "record of writer " + b.getInt(at + 4) + " file " + b.getInt(at + 8)
                    + " in a file of writer " + writer + " file " + file;
        }
        if (b.getInt(at + 12) != size) {
            return "length field " + b.getInt(at + 12) + ", records are " + size + " bytes";
        }
        long seq = b.getLong(at + 16);
        if (seq < 0 || seq % slots != slot) {
            return "sequence " + seq + " does not belong in slot " + slot + " of " + slots;
        }
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(at + size - 4).position(at));
        int stored = b.getInt(at + size - 4);
        if ((int) crc.getValue() != stored) {
            return String.format("record %d: CRC32C 0x%08x, stored 0x%08x", seq, (int) crc.getValue(), stored);
        }
        return null;
    }

    private boolean isZero(ByteBuffer b, int at) {
        int end = at + size;
        int i = at;
        for (; i + 8 <= end; i += 8) {
            if (b.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
