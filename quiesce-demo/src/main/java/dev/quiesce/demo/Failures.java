package dev.quiesce.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Broken invariants and errors, from any thread: all counted, the first few kept with their text. */
final class Failures {

    private static final int KEPT = 12;

    private final AtomicLong count = new AtomicLong();
    private final List<String> first = new ArrayList<>();     // guarded by itself

    void add(String what) {
        count.incrementAndGet();
        synchronized (first) {
            if (first.size() < KEPT) {
                first.add(what);
            }
        }
    }

    void add(String what, Throwable t) {
        add(what + ": " + t);
    }

    long count() {
        return count.get();
    }

    List<String> first() {
        synchronized (first) {
            return new ArrayList<>(first);
        }
    }
}
