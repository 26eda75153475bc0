/**
 * The pure, deterministic core of the control plane: {@link io.nodus.state.CommandApplier} turns a
 * logged command into events and a new {@link io.nodus.state.ReplicaState} (the
 * {@link io.nodus.state.image.ClusterImage} and the deduplication window). No I/O, no clocks, no
 * threads; the protobuf schema lives in {@code src/main/proto/nodus/v1/}.
 */
package io.nodus.state;
