/**
 * The {@code nodus.v1.Controller} gRPC service: Submit, Read, Watch and Status, mapped onto a
 * {@link io.nodus.raft.grpc.ControllerBackend} and the watch service. Translates failures into
 * gRPC status codes; holds no state of its own.
 */
package io.nodus.raft.grpc;
