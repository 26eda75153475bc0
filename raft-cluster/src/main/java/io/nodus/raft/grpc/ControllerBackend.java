package io.nodus.raft.grpc;

import io.nodus.raft.proto.ClusterStatus;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;

/**
 * What the gRPC service needs from the controller it runs in. Implementations throw
 * {@link UnavailableException} when the Raft group cannot answer now (no leader, shutting down),
 * which callers may retry elsewhere.
 */
public interface ControllerBackend {
  /** This controller's member id. */
  String memberId();

  /** Orders {@code command} (its request id is set) through Raft and returns its result. */
  CommandResult submit(Command command);

  /** Returns once the local replica has applied everything committed when the call started (ReadIndex). */
  void awaitLinearizable();

  /** The local replica's latest applied image. */
  ClusterImage localImage();

  /** How this controller sees the Raft group. */
  ClusterStatus status();
}
