package dev.quiesce.examples;

import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;

/** A completion handler that completes a future, for tests that wait on a handler's result. */
final class Into<V> implements CompletionHandler<V, Object> {

    final CompletableFuture<V> future = new CompletableFuture<>();

    @Override
    public void completed(V result, Object attachment) {
        future.complete(result);
    }

    @Override
    public void failed(Throwable failure, Object attachment) {
        future.completeExceptionally(failure);
    }
}
