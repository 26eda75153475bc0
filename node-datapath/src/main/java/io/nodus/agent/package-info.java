/**
 * The node agent: registers its node, watches the log, plumbs its endpoints, folds the log into
 * BPF maps (writing only what a change can affect) and reports what the datapath forwards and
 * drops. One reconciler thread ({@link io.nodus.agent.ReconcileLoop}) owns the local image, the
 * plumbing and the maps; other threads hand it work through a queue. The CT collector, the event
 * reader and the local HTTP API have threads of their own.
 */
package io.nodus.agent;
