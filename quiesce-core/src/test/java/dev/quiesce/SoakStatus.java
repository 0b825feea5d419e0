package dev.quiesce;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The soak protocol of the torture and stress tests: a one-line status every period (10 s by
 * default, system property {@code quiesce.soak.status.seconds}) and a final verdict, in a fixed
 * format that {@code ./quiesce soak} collects from every module:
 * <pre>
 * [soak] &lt;TestName&gt; t=&lt;secs&gt;s ops=&lt;n&gt; &lt;counter&gt;=&lt;n&gt; violations=&lt;n&gt;
 * [soak] &lt;TestName&gt; PASS after &lt;secs&gt;s: &lt;details&gt;
 * [soak] &lt;TestName&gt; FAIL after &lt;secs&gt;s: &lt;what failed&gt;
 * </pre>
 * {@code <counter>} is {@code gracePeriods} where the test counts grace periods, or another
 * honestly named count (for example {@code writeSections}). A test name has no spaces.
 *
 * <p>{@link #tick} is meant for a loop that already waits for the end of the run: between periods
 * it reads the clock and returns; it never sleeps or waits itself.
 */
final class SoakStatus {

    /** Every line starts with this, so that a soak run can grep them out of the build output. */
    static final String PREFIX = "[soak] ";

    private final String test;
    private final String counterName;
    private final long start = System.nanoTime();
    private final long periodNanos;
    private long next;

    /**
     * Starts the clock of one soak.
     *
     * @param test the test's name, without spaces
     * @param counterName the name of the third figure: {@code gracePeriods}, or what the test counts instead
     */
    SoakStatus(String test, String counterName) {
        if (test.indexOf(' ') >= 0 || counterName.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("no spaces in soak names: '" + test + "', '" + counterName + "'");
        }
        this.test = test;
        this.counterName = counterName;
        this.periodNanos = TimeUnit.SECONDS.toNanos(Math.max(1, Long.getLong("quiesce.soak.status.seconds", 10)));
        this.next = start + periodNanos;
    }

    /**
     * Prints a status line if a period has passed since the last one; otherwise only reads the
     * clock. The suppliers are called only when a line is printed.
     */
    void tick(LongSupplier ops, LongSupplier counter, LongSupplier violations) {
        long now = System.nanoTime();
        if (now - next < 0) {
            return;
        }
        next = now + periodNanos;
        System.out.println(statusLine(seconds(now), ops.getAsLong(), counter.getAsLong(), violations.getAsLong()));
    }

    /** The status line for the given figures (the format above). */
    String statusLine(long secs, long ops, long counter, long violations) {
        return String.format(Locale.ROOT, "%s%s t=%ds ops=%d %s=%d violations=%d",
                PREFIX, test, secs, ops, counterName, counter, violations);
    }

    /** Prints the PASS verdict. */
    void pass(String details) {
        System.out.println(PREFIX + test + " PASS after " + seconds(System.nanoTime()) + "s: " + details);
    }

    /** Prints the FAIL verdict, naming what failed. */
    void fail(Throwable t) {
        String what = String.valueOf(t.getMessage()).replace('\n', ' ');
        System.out.println(PREFIX + test + " FAIL after " + seconds(System.nanoTime()) + "s: "
                + t.getClass().getSimpleName() + ": " + what);
    }

    private long seconds(long now) {
        return TimeUnit.NANOSECONDS.toSeconds(now - start);
    }
}
