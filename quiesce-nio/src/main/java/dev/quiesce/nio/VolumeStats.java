package dev.quiesce.nio;

import java.time.Duration;

/**
 * Figures of a {@link Volume} since it was opened, from {@link Volume#stats()}: cheap to take (a few
 * sums and reads; nothing a writer touches is written), so they may be polled every second.
 *
 * <p>The figures are read one after another while writes go on, so they are not one consistent
 * snapshot: {@link #modificationsInFlight()} may be off by the modifications that start or end
 * while the figures are read, and is exact only when nothing writes. Every count only grows.
 *
 * @param modificationsStarted attempts at the write protocol's START, which are the sections
 *                             begun in the volume's write domain: one for each modification
 *                             (writes, truncations, creations, deletions, copies and moves through
 *                             the volume), plus one for each time a modification started over
 *                             after waiting (see {@code waits}; a listener's write that waits
 *                             makes the writes that called it start over too), or when a write
 *                             with nothing to announce found on a second look inside its section
 *                             that it must take the general path (a listener registered, a freeze
 *                             or a truncation begun meanwhile), or gave up (the volume closed,
 *                             the wait interrupted, the channel closed)
 * @param modificationsEnded   of those, the ones that have ended: at END (an async write's on its
 *                             completion thread), or when the attempt started over or gave up
 * @param waits                times a modification waited, holding nothing, for a thaw or for a
 *                             truncation of its file (a blocking one parked; an async one was deferred)
 * @param freezes              {@link Volume#freeze()} calls that froze the volume (not nested ones)
 * @param frozen               whether the volume is frozen now
 * @param syncs                {@link Volume#syncFs()} calls that returned normally
 * @param lastSync             how long the last of them took (waiting and forcing); zero if none
 * @param longestSync          the longest of them; zero if none
 * @param totalSync            all of them together
 * @param dirtyFiles           files written since they were last forced, waiting for the next sync
 * @param openChannels         channels opened through the volume and not yet closed
 * @param watchers             registered listeners
 * @param listenerFailures     times a listener threw (each also reported)
 * @since 0.1.0
 */
public record VolumeStats(long modificationsStarted, long modificationsEnded, long waits, long freezes, boolean frozen,
        long syncs, Duration lastSync, Duration longestSync, Duration totalSync, int dirtyFiles, int openChannels,
        int watchers, long listenerFailures) {

    /**
     * Returns the modifications started and not yet ended.
     *
     * @return {@code modificationsStarted - modificationsEnded}, never negative (see the class
     *         description for how exact it is)
     */
    public long modificationsInFlight() {
        return Math.max(0, modificationsStarted - modificationsEnded);
    }
}
