/**
 * The node agent: registers its node, watches the log, plumbs its endpoints, folds the log into
 * BPF maps and reports what the datapath drops. One reconciler thread owns the local image,
 * the plumbing and the maps; other threads hand it work through a queue.
 */
package io.nodus.agent;
