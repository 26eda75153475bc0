/**
 * The controller: the Ratis {@code StateMachine} that applies logged commands to the image and
 * persists them, the snapshot storage adapter, Raft settings, and {@link
 * io.nodus.raft.server.ControllerServer} which wires the Raft server, the watch machinery and the
 * gRPC endpoints together.
 */
package io.nodus.raft.server;
