package io.nodus.raft.server;

import io.nodus.raft.testing.ProcessCluster;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/** Moves a process cluster's leadership to a chosen member, through Ratis' admin API (test support). */
public final class LeadershipTransfer {
  private LeadershipTransfer() {}

  /**
   * Asks the group to make {@code to} its leader and returns once it is. A transfer can lose a
   * race with an election on a busy machine (Ratis answers DIFFERENT_LEADER): it is asked again
   * until {@code timeout}.
   */
  public static void to(ProcessCluster cluster, String to, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        once(cluster, to, Duration.ofSeconds(10));
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  private static void once(ProcessCluster cluster, String to, Duration timeout) throws IOException {
    List<RaftPeer> peers = cluster.ids().stream()
        .map(id -> RaftPeer.newBuilder().setId(id).setAddress(cluster.raftAddress(id).toString()).build()).toList();
    RaftGroup group = RaftGroup.valueOf(RaftSettings.groupId(ControllerConfig.DEFAULT_CLUSTER_NAME), peers);
    try (RaftClient client = RaftClient.newBuilder().setProperties(RaftSettings.adminClient()).setRaftGroup(group)
        .setRetryPolicy(RaftSettings.adminRetry()).build()) {
      RaftClientReply reply = client.admin().transferLeadership(RaftPeerId.valueOf(to), timeout.toMillis());
      if (!reply.isSuccess()) {
        throw new IOException("leadership did not move to " + to + ": " + reply.getException(), reply.getException());
      }
    }
  }
}
