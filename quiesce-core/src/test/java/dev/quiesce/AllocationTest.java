package dev.quiesce;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The token form of a shared section allocates nothing, in word mode and inflated: measured with
 * HotSpot's per-thread allocation counter ({@code com.sun.management.ThreadMXBean}, reached
 * reflectively because the module does not read {@code java.management}). The {@code Permit}
 * form allocates a 24-byte permit unless escape analysis removes it; that is measured with JMH's
 * {@code -prof gc}, not here.
 */
class AllocationTest {

    private static final int OPS = 200_000;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void tokenFormOfASharedSectionDoesNotAllocate(boolean inflated) throws Exception {
        Object bean = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getThreadMXBean").invoke(null);
        Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getCurrentThreadAllocatedBytes");
        RwSemaphore s = RwSemaphore.create();
        if (inflated) {
            s.inflate();
        }
        long sink = 0;
        for (int i = 0; i < OPS; i++) {     // warm up: let the JIT compile the paths
            long t = s.tryAcquireSharedToken();
            sink += t;
            s.releaseShared(t);
        }
        long base0 = (Long) allocated.invoke(bean);
        long base1 = (Long) allocated.invoke(bean);
        long overhead = base1 - base0;      // what one measurement costs by itself
        long start = (Long) allocated.invoke(bean);
        for (int i = 0; i < OPS; i++) {
            long t = s.tryAcquireSharedToken();
            sink += t;
            s.releaseShared(t);
        }
        long used = (Long) allocated.invoke(bean) - start - overhead;
        System.out.println("token sections (" + (inflated ? "inflated" : "word") + "): " + used
                + " bytes for " + OPS + " (sink " + sink + ")");
        assertTrue(used < 1024, used + " bytes allocated by " + OPS + " token sections");
    }
}
