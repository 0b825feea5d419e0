package dev.quiesce;

/**
 * The part of {@link Srcu} the torture harness drives, so that the harness can run against a
 * deliberately broken domain and show that it notices (the tester tests itself).
 */
interface GracePeriodDomain {

    /** Begins a section that may end on any thread. */
    int begin();

    /** Ends a section, on any thread. */
    void end(int token);

    void synchronize() throws InterruptedException;

    void synchronizeExpedited() throws InterruptedException;

    void callAfterGracePeriod(Runnable callback);

    void barrier() throws InterruptedException;

    long pollState();

    long startPoll();

    boolean pollCompleted(long cookie);

    void awaitCompleted(long cookie) throws InterruptedException;

    /** The real domain behind the adapter. */
    Srcu srcu();

    /** Adapts a real {@link Srcu}. */
    static GracePeriodDomain of(Srcu srcu) {
        return new GracePeriodDomain() {
            @Override public int begin() { return srcu.downRead(); }
            @Override public void end(int token) { srcu.upRead(token); }
            @Override public void synchronize() throws InterruptedException { srcu.synchronize(); }
            @Override public void synchronizeExpedited() throws InterruptedException { srcu.synchronizeExpedited(); }
            @Override public void callAfterGracePeriod(Runnable callback) { srcu.callAfterGracePeriod(callback); }
            @Override public void barrier() throws InterruptedException { srcu.barrier(); }
            @Override public long pollState() { return srcu.pollState(); }
            @Override public long startPoll() { return srcu.startPoll(); }
            @Override public boolean pollCompleted(long cookie) { return srcu.pollCompleted(cookie); }
            @Override public void awaitCompleted(long cookie) throws InterruptedException { srcu.awaitCompleted(cookie); }
            @Override public Srcu srcu() { return srcu; }
        };
    }

    /** A real domain whose {@code synchronize()} does not wait: every other method is real. */
    static GracePeriodDomain brokenSynchronize(Srcu srcu) {
        GracePeriodDomain real = of(srcu);
        return new GracePeriodDomain() {
            @Override public int begin() { return real.begin(); }
            @Override public void end(int token) { real.end(token); }
            @Override public void synchronize() { }                   // the bug
            @Override public void synchronizeExpedited() throws InterruptedException { real.synchronizeExpedited(); }
            @Override public void callAfterGracePeriod(Runnable callback) { real.callAfterGracePeriod(callback); }
            @Override public void barrier() throws InterruptedException { real.barrier(); }
            @Override public long pollState() { return real.pollState(); }
            @Override public long startPoll() { return real.startPoll(); }
            @Override public boolean pollCompleted(long cookie) { return real.pollCompleted(cookie); }
            @Override public void awaitCompleted(long cookie) throws InterruptedException { real.awaitCompleted(cookie); }
            @Override public Srcu srcu() { return srcu; }
        };
    }

    /**
     * A real domain whose sections are not counted: begin() ends its section at once and end()
     * does nothing, so grace periods — and polled cookies — complete under open sections.
     */
    static GracePeriodDomain uncountedReaders(Srcu srcu) {
        GracePeriodDomain real = of(srcu);
        return new GracePeriodDomain() {
            @Override public int begin() {
                int t = real.begin();
                real.end(t);                                         // the bug
                return t;
            }
            @Override public void end(int token) { }
            @Override public void synchronize() throws InterruptedException { real.synchronize(); }
            @Override public void synchronizeExpedited() throws InterruptedException { real.synchronizeExpedited(); }
            @Override public void callAfterGracePeriod(Runnable callback) { real.callAfterGracePeriod(callback); }
            @Override public void barrier() throws InterruptedException { real.barrier(); }
            @Override public long pollState() { return real.pollState(); }
            @Override public long startPoll() { return real.startPoll(); }
            @Override public boolean pollCompleted(long cookie) { return real.pollCompleted(cookie); }
            @Override public void awaitCompleted(long cookie) throws InterruptedException { real.awaitCompleted(cookie); }
            @Override public Srcu srcu() { return srcu; }
        };
    }
}
