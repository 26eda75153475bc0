/**
 * The replicated control plane: a Ratis state machine around the deterministic core
 * ({@code io.nodus.state}), its RocksDB storage, the controller process and the client that every
 * other module uses to submit commands, read and watch the cluster state.
 *
 * <p>{@link io.nodus.raft.ControllerMain} is the smallest process wrapper around
 * {@link io.nodus.raft.server.ControllerServer}.
 */
package io.nodus.raft;
