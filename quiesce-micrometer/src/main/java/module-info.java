/**
 * Micrometer meter binders for Quiesce's figures: {@link dev.quiesce.micrometer.SrcuMetrics},
 * {@link dev.quiesce.micrometer.RwSemaphoreMetrics} and
 * {@link dev.quiesce.micrometer.LockClassMetrics}. Micrometer is the application's (a provided
 * dependency); the core does not depend on it.
 */
module dev.quiesce.micrometer {
    requires transitive dev.quiesce;
    requires micrometer.core;

    exports dev.quiesce.micrometer;
}
