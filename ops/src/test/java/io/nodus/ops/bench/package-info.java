/**
 * Benchmarks (not tests: surefire never runs them). Each prints its figures next to a baseline
 * measured in the same run; `ops/bench/<name>` builds and runs one.
 */
package io.nodus.ops.bench;
