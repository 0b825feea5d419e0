/**
 * The code behind every Java sample in the README and in {@code docs/}: each sample is the text
 * between a {@code // @sample NAME} line and the next {@code // @end} line of a class here, and
 * {@code ReadmeSamplesTest} fails when the text in the document differs from it. The tests of
 * this module run each sample.
 */
package dev.quiesce.examples;
