package dev.quiesce.nio;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An executor for {@code AsynchronousFileChannel.open(path, options, executor)} that holds every task
 * until the test releases it: the plain channel runs the write (and then its completion handler) as
 * such a task, so a write stays in flight — started, not ended — for as long as the test wants.
 * Released tasks run on a new thread named {@code completion-N}.
 */
final class HeldBackExecutor extends AbstractExecutorService {

    private final Deque<Runnable> held = new ArrayDeque<>();
    private final List<Thread> threads = new ArrayList<>();
    private boolean shutdown;

    @Override
    public synchronized void execute(Runnable task) {
        held.add(task);
        notifyAll();
    }

    /** Waits until at least {@code n} tasks are held (a generous deadlock guard, not a speed claim). */
    synchronized void awaitHeld(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (held.size() < n) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("expected " + n + " held tasks, have " + held.size());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    synchronized int heldCount() {
        return held.size();
    }

    /** Runs the oldest held task on a new thread and returns that thread. */
    synchronized Thread releaseOne() {
        Runnable task = held.poll();
        if (task == null) {
            throw new AssertionError("no held task to release");
        }
        Thread t = new Thread(task, "completion-" + threads.size());
        threads.add(t);
        t.start();
        return t;
    }

    /** Releases every held task and waits for each to finish. */
    void releaseAllAndJoin() throws InterruptedException {
        List<Thread> started = new ArrayList<>();
        synchronized (this) {
            while (!held.isEmpty()) {
                started.add(releaseOne());
            }
        }
        for (Thread t : started) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> rest = new ArrayList<>(held);
        held.clear();
        return rest;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && held.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }
}
