package dev.quiesce.demo;

import java.util.Arrays;
import java.util.Locale;

/** Latency samples in nanoseconds; percentiles by nearest rank. Confined to one thread. */
final class Latencies {

    private long[] samples = new long[32];
    private int count;

    void add(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = nanos;
    }

    int count() {
        return count;
    }

    /** The nearest-rank percentile: the smallest sample with at least {@code q} of the samples at or below it. */
    long percentile(double q) {
        if (count == 0) {
            throw new IllegalStateException("no samples");
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * count);
        return sorted[Math.max(0, Math.min(count, rank) - 1)];
    }

    /** "p50 … p99 … max …", or "no samples". */
    String summary() {
        if (count == 0) {
            return "no samples";
        }
        return String.format(Locale.ROOT, "p50 %-10s p99 %-10s max %s",
                millis(percentile(0.50)), millis(percentile(0.99)), millis(percentile(1.0)));
    }

    /** Milliseconds with three significant digits or so: 0.214 ms, 12.4 ms, 153 ms. */
    static String millis(long nanos) {
        double ms = nanos / 1e6;
        if (ms < 1) {
            return String.format(Locale.ROOT, "%.3f ms", ms);
        }
        if (ms < 100) {
            return String.format(Locale.ROOT, "%.2f ms", ms);
        }
        return String.format(Locale.ROOT, "%.0f ms", ms);
    }
}
