package dev.quiesce.nio;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.Watchable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The platform's watch service, handing out {@link TrackingPath}s: a key's {@code watchable()} and an
 * event's {@code context()} are paths of the tracking file system, so that a program that resolves
 * an event against its directory and writes there is still routed.
 */
final class TrackingWatchService implements WatchService {

    private final TrackingFileSystem fs;
    private final WatchService platform;

    TrackingWatchService(TrackingFileSystem fs, WatchService platform) {
        this.fs = fs;
        this.platform = platform;
    }

    WatchKey register(TrackingPath dir, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
            throws IOException {
        return wrap(dir.delegate().register(platform, events, modifiers));
    }

    private WatchKey wrap(WatchKey key) {
        return key == null ? null : new Key(key);
    }

    @Override
    public void close() throws IOException {
        platform.close();
    }

    @Override
    public WatchKey poll() {
        return wrap(platform.poll());
    }

    @Override
    public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
        return wrap(platform.poll(timeout, unit));
    }

    @Override
    public WatchKey take() throws InterruptedException {
        return wrap(platform.take());
    }

    /** A platform key seen through the tracking file system; equal to every wrapper of the same key. */
    private final class Key implements WatchKey {
        private final WatchKey key;

        Key(WatchKey key) {
            this.key = key;
        }

        @Override
        public boolean isValid() {
            return key.isValid();
        }

        @Override
        public List<WatchEvent<?>> pollEvents() {
            List<WatchEvent<?>> events = key.pollEvents();
            List<WatchEvent<?>> wrapped = new ArrayList<>(events.size());
            for (WatchEvent<?> e : events) {
                wrapped.add(e.context() instanceof Path ? new Event<>(e) : e);
            }
            return wrapped;
        }

        @Override
        public boolean reset() {
            return key.reset();
        }

        @Override
        public void cancel() {
            key.cancel();
        }

        @Override
        public Watchable watchable() {
            Watchable w = key.watchable();
            return w instanceof Path ? fs.wrap((Path) w) : w;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).key.equals(key);
        }

        @Override
        public int hashCode() {
            return key.hashCode();
        }
    }

    /** An event whose context (a relative platform path) is a tracking path. */
    private final class Event<T> implements WatchEvent<T> {
        private final WatchEvent<T> event;

        Event(WatchEvent<T> event) {
            this.event = event;
        }

        @Override
        public Kind<T> kind() {
            return event.kind();
        }

        @Override
        public int count() {
            return event.count();
        }

        @Override
        @SuppressWarnings("unchecked")
        public T context() {
            return (T) fs.wrap((Path) event.context());
        }
    }
}
