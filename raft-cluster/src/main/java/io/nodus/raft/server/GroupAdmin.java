package io.nodus.raft.server;

import java.io.IOException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;

/**
 * What {@link MembershipChanges} needs of Raft: this replica's view of the group's configuration,
 * and the admin requests that change it. {@link #of} is the Ratis-backed one (a division and an
 * admin client); the interface exists so that the decisions around these calls can be tested
 * without a running group.
 *
 * <p>Thread-safe as the division and the client are.
 */
interface GroupAdmin {
  /** This replica's member id. */
  RaftPeerId memberId();

  /** The latest configuration this replica knows of, committed or not. */
  RaftConfiguration configuration();

  /** The last log index this replica knows to be committed. */
  long lastCommittedIndex();

  /** The leader as this replica knows it; null during an election. */
  RaftPeerId leaderId();

  /** Asks the leader to change the configuration; answers when the change committed or failed. */
  RaftClientReply setConfiguration(SetConfigurationRequest.Arguments arguments) throws IOException;

  /** Asks the leader to hand its role to {@code to} (null: to no one in particular, a step-down). */
  RaftClientReply transferLeadership(RaftPeerId to, long timeoutMillis) throws IOException;

  static GroupAdmin of(RaftServer.Division division, RaftClient admin) {
    return new GroupAdmin() {
      @Override
      public RaftPeerId memberId() {
        return division.getId();
      }

      @Override
      public RaftConfiguration configuration() {
        return division.getRaftConf();
      }

      @Override
      public long lastCommittedIndex() {
        return division.getRaftLog().getLastCommittedIndex();
      }

      @Override
      public RaftPeerId leaderId() {
        return division.getInfo().getLeaderId();
      }

      @Override
      public RaftClientReply setConfiguration(SetConfigurationRequest.Arguments arguments) throws IOException {
        return admin.admin().setConfiguration(arguments);
      }

      @Override
      public RaftClientReply transferLeadership(RaftPeerId to, long timeoutMillis) throws IOException {
        return admin.admin().transferLeadership(to, timeoutMillis);
      }
    };
  }
}
