package dev.quiesce.validate;

import dev.quiesce.Report;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** What the validator tests share: running a body on a named thread, filtering reports. */
final class ValidationTestSupport {

    private ValidationTestSupport() {
    }

    /** Runs body on a new thread with that name and joins it (30 s deadlock guard); rethrows its failure. */
    static void onThread(String name, Runnable body) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, name);
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(30));
        if (t.isAlive()) {
            fail("thread " + name + " did not finish");
        }
        if (failure[0] != null) {
            throw new AssertionError("thread " + name + " failed", failure[0]);
        }
    }

    /** The reports of one kind, in order. */
    static List<Report> ofKind(List<Report> reports, Report.Kind kind) {
        List<Report> out = new ArrayList<>();
        for (Report r : reports) {
            if (r.kind() == kind) {
                out.add(r);
            }
        }
        return out;
    }
}
