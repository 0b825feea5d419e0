package dev.quiesce.validate;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An executor whose tasks are checked when they end: a task that returns while its thread still
 * holds what the task acquired and did not detach is reported (the kernel's "returning to user
 * space with a lock held"), and what it left is taken off the pool thread's held set.
 */
final class TrackedExecutor extends AbstractExecutorService {

    private final Engine engine;
    private final Executor delegate;

    TrackedExecutor(Engine engine, Executor delegate) {
        this.engine = engine;
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        delegate.execute(() -> {
            List<Engine.Held> before = engine.snapshotHeld();
            try {
                task.run();
            } finally {
                engine.taskEnded(before, task);
            }
        });
    }

    private ExecutorService service() {
        if (delegate instanceof ExecutorService) {
            return (ExecutorService) delegate;
        }
        throw new UnsupportedOperationException("the wrapped executor " + delegate + " is not an ExecutorService");
    }

    @Override
    public void shutdown() {
        service().shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return service().shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return service().isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return service().isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return service().awaitTermination(timeout, unit);
    }

    @Override
    public String toString() {
        return "tracked " + delegate;
    }
}
