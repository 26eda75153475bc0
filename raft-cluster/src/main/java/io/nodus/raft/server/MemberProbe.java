package io.nodus.raft.server;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.ControllerGrpc;
import io.nodus.raft.proto.StatusRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Checks, before a configuration change starts, that a controller about to be added is there:
 * its gRPC service answers as that member id and not as a member of another cluster, and its Raft
 * port accepts connections, each within a bounded time. Without it, adding an unreachable address
 * held the request for a minute and left the leader sending (snapshots included) to nobody.
 *
 * <p>Stateless and thread-safe.
 */
final class MemberProbe {
  private final long timeoutMillis;

  MemberProbe(long timeoutMillis) {
    this.timeoutMillis = timeoutMillis;
  }

  /** A problem found, as {field, message}; empty when the member can be added. */
  Optional<String[]> check(String id, String raftAddress, String grpcAddress, String clusterUuid) {
    HostPort grpc = HostPort.parse(grpcAddress);
    ManagedChannel channel = NettyChannelBuilder.forAddress(grpc.host(), grpc.port()).usePlaintext().build();
    try {
      ClusterStatus status = ControllerGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
          .status(StatusRequest.getDefaultInstance());
      if (!status.getMemberId().equals(id)) {
        return problem("grpcAddress", grpcAddress + " is controller " + status.getMemberId() + ", not " + id);
      }
      if (!status.getClusterUuid().isEmpty() && !status.getClusterUuid().equals(clusterUuid)) {
        return problem("grpcAddress", "controller " + id + " at " + grpcAddress + " belongs to another cluster ("
            + status.getClusterUuid() + "); start it afresh with --join");
      }
    } catch (StatusRuntimeException e) {
      return problem("grpcAddress", "controller " + id + " does not answer at " + grpcAddress + " within " + timeoutMillis
          + " ms (" + e.getStatus().getCode() + "); start it with --join first");
    } finally {
      channel.shutdownNow();
    }
    HostPort raft = HostPort.parse(raftAddress);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(raft.host(), raft.port()), (int) timeoutMillis);
    } catch (IOException e) {
      return problem("raftAddress", "controller " + id + "'s Raft port " + raftAddress + " cannot be reached within "
          + timeoutMillis + " ms: " + e.getMessage());
    }
    return Optional.empty();
  }

  private static Optional<String[]> problem(String field, String message) {
    return Optional.of(new String[] {field, message});
  }
}
