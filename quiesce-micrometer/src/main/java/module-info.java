/**
 * Micrometer meter binders for Quiesce's figures: {@link dev.quiesce.micrometer.SrcuMetrics},
 * {@link dev.quiesce.micrometer.RwSemaphoreMetrics}, {@link dev.quiesce.micrometer.LockClassMetrics}
 * and, for applications that use {@code dev.quiesce.nio}, {@link dev.quiesce.micrometer.VolumeMetrics}.
 * Micrometer is the application's (a provided dependency); the core does not depend on it.
 */
module dev.quiesce.micrometer {
    requires transitive dev.quiesce;
    requires static dev.quiesce.nio;       // VolumeMetrics only: an application without quiesce-nio never loads it
    requires micrometer.core;

    exports dev.quiesce.micrometer;
}
