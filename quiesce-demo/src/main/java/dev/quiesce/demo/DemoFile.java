package dev.quiesce.demo;

import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One file of the volume: a ring of {@code slots} record slots that its writer fills in sequence,
 * record {@code seq} at slot {@code seq % slots}, overwriting on every lap; and what the checks need
 * to know about it, per slot.
 */
final class DemoFile {

    final int writer;
    final int index;
    final String name;
    /** The file as a path of the volume: writes through it are tracked. */
    final Path path;
    /** The same file as a plain path: for copying and verifying, never for writing. */
    final Path plain;
    final int slots;
    final AsynchronousFileChannel channel;

    /** Writes started (sequence numbers handed out); written by the writer's thread only. */
    volatile long next;

    /** 1 while a write to the slot is outstanding: the writer never has two on one slot. */
    final AtomicIntegerArray busy;
    /** Per slot: 1 + the sequence number of the newest write whose completion handler has run. */
    final AtomicLongArray lastCompleted;
    /** Per slot: writes that started after {@code watch()} returned; each must be seen by the listener. */
    final AtomicIntegerArray writesAfterWatch;
    /** Per slot: writes that started before {@code watch()} returned and ended after it was called: may be seen. */
    final AtomicIntegerArray mayBeSeen;
    /** Per slot: write events the listener received. */
    final AtomicIntegerArray events;

    DemoFile(int writer, int index, Path path, Path plain, int slots, AsynchronousFileChannel channel) {
        this.writer = writer;
        this.index = index;
        this.name = path.getFileName().toString();
        this.path = path;
        this.plain = plain;
        this.slots = slots;
        this.channel = channel;
        this.busy = new AtomicIntegerArray(slots);
        this.lastCompleted = new AtomicLongArray(slots);
        this.writesAfterWatch = new AtomicIntegerArray(slots);
        this.mayBeSeen = new AtomicIntegerArray(slots);
        this.events = new AtomicIntegerArray(slots);
    }

    /** The newest completed sequence number + 1 per slot, read now (0: none completed). */
    long[] completedFloor() {
        long[] floor = new long[slots];
        for (int i = 0; i < slots; i++) {
            floor[i] = lastCompleted.get(i);
        }
        return floor;
    }
}
