package dev.quiesce.demo;

import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A writer thread: round-robin over its files, it STARTs async writes of records and keeps at most
 * {@code inFlight} outstanding; each write ENDs on an I/O completion thread, whose handler records
 * what the checks need and returns the permit. While the volume is frozen a write call returns at
 * once and the write is issued at thaw, so the permits are what stops this thread from queueing
 * writes without bound: it waits for one. It issues no write once {@link DemoRun#stopped()}: at the
 * run's deadline, which it reads itself, or when the run is stopped.
 */
final class Writer implements Runnable, CompletionHandler<Integer, Writer.Op> {

    /** One outstanding write: its buffer and identity. Owned by the writer until issued, then by its completion. */
    static final class Op {
        final ByteBuffer buffer;
        DemoFile file;
        int slot;
        long seq;
        boolean afterWatch;

        Op(int size) {
            buffer = ByteBuffer.allocateDirect(size);
        }
    }

    final int id;
    final DemoFile[] files;
    private final DemoRun run;
    private final RecordFormat format;
    private final int inFlight;
    private final Semaphore permits;
    private final ArrayBlockingQueue<Op> free;
    private long issued;          // confined to the writer's thread

    Writer(int id, DemoFile[] files, DemoRun run, RecordFormat format, int inFlight) {
        this.id = id;
        this.files = files;
        this.run = run;
        this.format = format;
        this.inFlight = inFlight;
        this.permits = new Semaphore(inFlight);
        this.free = new ArrayBlockingQueue<>(inFlight);
        for (int i = 0; i < inFlight; i++) {
            free.add(new Op(format.size));
        }
    }

    @Override
    public void run() {
        try {
            while (!run.stopped()) {
                if (permits.tryAcquire(20, TimeUnit.MILLISECONDS) && !issueOne()) {
                    permits.release();
                }
            }
        } catch (InterruptedException e) {
            run.failures.add("writer " + id + " interrupted");
        } catch (RuntimeException | Error e) {
            run.failures.add("writer " + id + " threw", e);
        }
    }

    /** Issues the next write, holding a permit; false if it stopped first (the permit is then the caller's). */
    private boolean issueOne() {
        DemoFile f = files[(int) (issued++ % files.length)];
        long seq = f.next;
        int slot = (int) (seq % f.slots);
        while (f.busy.get(slot) != 0) {      // the last lap's write to this slot is outstanding (rare)
            if (run.stopped()) {
                return false;
            }
            LockSupport.parkNanos(50_000);
        }
        Op op = free.poll();                 // one Op per permit: never null here
        op.file = f;
        op.slot = slot;
        op.seq = seq;
        format.fill(op.buffer, id, f.index, seq);
        // START. Read once, before the write call: if watch() had returned, the write must be seen.
        op.afterWatch = run.watchReturned();
        if (op.afterWatch) {
            f.writesAfterWatch.incrementAndGet(slot);
        }
        f.busy.set(slot, 1);
        f.next = seq + 1;                    // before the data can land: a snapshot's records are < next
        run.started.increment();
        try {
            f.channel.write(op.buffer, format.offset(slot), op, this);
        } catch (RuntimeException e) {
            run.failures.add("write to " + f.name + " slot " + slot + " threw", e);
            run.failedWrites.increment();
            done(op);
        }
        return true;
    }

    /** END, on the completion thread (the volume has already ended the write's section). */
    @Override
    public void completed(Integer written, Op op) {
        if (written != format.size) {
            run.failures.add("short write to " + op.file.name + " slot " + op.slot + ": " + written + " of "
                    + format.size + " bytes (file system full?)");
            run.failedWrites.increment();
        } else {
            op.file.lastCompleted.set(op.slot, op.seq + 1);
            run.completed.increment();
        }
        done(op);
    }

    @Override
    public void failed(Throwable exc, Op op) {
        run.failures.add("write to " + op.file.name + " slot " + op.slot + " failed", exc);
        run.failedWrites.increment();
        done(op);
    }

    private void done(Op op) {
        DemoFile f = op.file;
        // A write told to the listener announced itself after watch() was called, and this runs after
        // that announcement: so every told write that did not start after watch() returned is counted.
        if (!op.afterWatch && run.watchCalled()) {
            f.mayBeSeen.incrementAndGet(op.slot);
        }
        f.busy.set(op.slot, 0);
        free.add(op);
        permits.release();
    }

    /** Waits for every outstanding write of this writer to end. */
    boolean drain(long timeout, TimeUnit unit) throws InterruptedException {
        if (!permits.tryAcquire(inFlight, timeout, unit)) {
            return false;
        }
        permits.release(inFlight);
        return true;
    }
}
