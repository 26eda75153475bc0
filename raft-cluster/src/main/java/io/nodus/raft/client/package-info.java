/**
 * The client every other module uses to talk to the control plane: {@link
 * io.nodus.raft.client.ControlPlaneClient} with its gRPC implementation, which fails over between
 * controllers and resumes watches without a gap or a duplicate.
 */
package io.nodus.raft.client;
