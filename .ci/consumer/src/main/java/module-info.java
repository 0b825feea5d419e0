/** A user's module: the README's JPMS names must resolve on the module path. */
module consumer {
    requires dev.quiesce.nio;
    requires dev.quiesce.micrometer;
    requires micrometer.core;
}
