package dev.quiesce.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An executor that runs nothing by itself: a channel's I/O and completion tasks wait in it until
 * the test runs the next one, on a thread of its own as an I/O completion thread would.
 */
final class HeldTasks extends AbstractExecutorService {

    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private volatile boolean shutdown;

    @Override
    public void execute(Runnable command) {
        tasks.add(command);
    }

    /** Runs the next task on a new thread and joins it; fails if none comes within 30 s. */
    void runNext() throws InterruptedException {
        Runnable task = tasks.poll(30, TimeUnit.SECONDS);
        assertTrue(task != null, "no task was submitted within 30 s");
        Thread io = new Thread(task, "io-completion");
        io.start();
        Parked.join(io);
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = new ArrayList<>();
        tasks.drainTo(left);
        return left;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && tasks.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }
}
