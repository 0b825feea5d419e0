package dev.quiesce.nio;

import java.io.IOException;

/**
 * The JMX view of a root of the installed {@link TrackingFileSystemProvider}, registered in the
 * platform {@code MBeanServer} as {@code dev.quiesce:type=Volume,name="<root>"} (the root path quoted
 * by {@link javax.management.ObjectName#quote}). An operator freezes the program's writes under the
 * root, copies the directory, and thaws:
 * <pre>{@code
 * VolumeMXBean volume = JMX.newMXBeanProxy(connection,
 *         new ObjectName("dev.quiesce:type=Volume,name=" + ObjectName.quote("/data/index")), VolumeMXBean.class);
 * volume.freeze(300);            // thaws by itself after 300 s if this client goes away
 * copy("/data/index", backup);
 * volume.thaw();
 * }</pre>
 *
 * <h2>Freezes through JMX</h2>
 * A freeze made here is one nesting level of the volume's {@link Volume#freeze()}, owned by this
 * bean: {@link #thaw()} and the deadline release that level only, never a freeze the program made
 * itself through {@link TrackingFileSystemProvider#volume}. A second {@link #freeze(long)} while this
 * bean holds its freeze does not nest: it moves the deadline to the new number of seconds from now
 * (renew it to keep a long copy frozen). The deadline is there because a frozen volume blocks every
 * modification under its root — a logger writing there, the program's own threads — until it is
 * thawed: an operator whose connection drops must not leave the program frozen.
 *
 * <p>Exceptions reach a remote client as JDK classes ({@link IOException},
 * {@link IllegalStateException}, {@link IllegalArgumentException}) with the volume's message, so a
 * client without Quiesce's jar can read them.
 *
 * @since 0.1.0
 */
public interface VolumeMXBean {

    /**
     * Returns the root as configured in {@code dev.quiesce.nio.volumes}, also the {@code name} key
     * of the bean's {@code ObjectName}.
     *
     * @return the configured root
     */
    String getName();

    /**
     * Returns the root's directory: its real path once the volume is open, else the configured path.
     *
     * @return the root directory
     */
    String getRoot();

    /**
     * Returns whether the root's volume is open. It opens on the first modification under the root,
     * or on {@link #syncFs()} or {@link #freeze(long)} here; it stays closed while the root is not a
     * directory.
     *
     * @return whether the volume is open
     */
    boolean isOpen();

    /**
     * Returns whether the volume is frozen — through this bean or by the program itself.
     *
     * @return whether the volume is frozen
     */
    boolean isFrozen();

    /**
     * Returns when the freeze made through this bean thaws by itself.
     *
     * @return an ISO-8601 instant (UTC), or the empty string if this bean holds no freeze
     */
    String getFreezeDeadline();

    /**
     * Returns how many modifications started under the root since the volume opened ({@link
     * VolumeStats#modificationsStarted()}); 0 while the volume is not open.
     *
     * @return the figure
     */
    long getModificationsStarted();

    /**
     * Returns how many modifications started and not yet ended ({@link
     * VolumeStats#modificationsInFlight()}); 0 while the volume is not open.
     *
     * @return the figure
     */
    long getModificationsInFlight();

    /**
     * Returns how many times a modification waited for a thaw or a truncation ({@link
     * VolumeStats#waits()}); 0 while the volume is not open.
     *
     * @return the figure
     */
    long getWaits();

    /**
     * Returns how many times the volume was frozen, by this bean or the program ({@link
     * VolumeStats#freezes()}); 0 while the volume is not open.
     *
     * @return the figure
     */
    long getFreezes();

    /**
     * Returns how many {@code syncFs()} calls returned normally ({@link VolumeStats#syncs()}); 0 while
     * the volume is not open.
     *
     * @return the figure
     */
    long getSyncs();

    /**
     * Returns how long the last {@code syncFs()} took, in seconds ({@link VolumeStats#lastSync()}); 0
     * while the volume is not open.
     *
     * @return the figure
     */
    double getLastSyncSeconds();

    /**
     * Returns the longest {@code syncFs()}, in seconds ({@link VolumeStats#longestSync()}); 0 while
     * the volume is not open.
     *
     * @return the figure
     */
    double getLongestSyncSeconds();

    /**
     * Returns how many files were written since they were last forced ({@link
     * VolumeStats#dirtyFiles()}); 0 while the volume is not open.
     *
     * @return the figure
     */
    int getDirtyFiles();

    /**
     * Returns how many channels are open through the volume ({@link VolumeStats#openChannels()}); 0
     * while the volume is not open.
     *
     * @return the figure
     */
    int getOpenChannels();

    /**
     * Returns how many times a listener threw ({@link VolumeStats#listenerFailures()}); 0 while the
     * volume is not open.
     *
     * @return the figure
     */
    long getListenerFailures();

    /**
     * Waits for the modifications under the root that are in flight, then forces what was written
     * since the last sync: {@link Volume#syncFs()}.
     *
     * @throws IOException if the root is not a directory, or forcing failed, or the wait was interrupted
     */
    void syncFs() throws IOException;

    /**
     * Freezes the volume for at most {@code seconds}: new modifications under the root wait, the
     * ones in flight are drained and the written files forced ({@link Volume#freeze()}); when this
     * method returns the directory can be copied. At the deadline, counted from that return, the
     * volume thaws by itself unless {@link #thaw()} came first. If this bean already holds a freeze,
     * the deadline moves to {@code seconds} from now and nothing else changes.
     *
     * @param seconds how long the freeze may last, more than zero
     * @throws IllegalArgumentException if {@code seconds} is zero or less (nothing changes)
     * @throws IOException if the root is not a directory, or forcing failed, or the wait was
     *                     interrupted (the volume is then not frozen by this call)
     */
    void freeze(long seconds) throws IOException;

    /**
     * Releases the freeze this bean holds, before its deadline.
     *
     * @throws IllegalStateException if this bean holds no freeze (it thawed at its deadline, was never
     *                               frozen here, or only the program froze the volume); nothing changes
     */
    void thaw();
}
