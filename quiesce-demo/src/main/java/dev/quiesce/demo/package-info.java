/**
 * The demo of the scenario Quiesce was written for, on a {@link dev.quiesce.nio.Volume}: async writers, a watcher that
 * joins mid-flight, {@code syncFs()} and freeze-copy-thaw snapshots, checked invariants. Not exported;
 * run {@link dev.quiesce.demo.Demo} with {@code ./quiesce demo}.
 */
package dev.quiesce.demo;
