/**
 * Fuzz tests of every REST surface against a real single controller (Ratis, RocksDB on disk,
 * the real REST server): valid documents and bodies mutated in shape, type, size, encoding,
 * headers and path; every answer must be a JSON error with a code and a 4xx status, or a JSON
 * success, and a refused request must leave the cluster revision where it was.
 */
package io.nodus.ops.fuzz;
