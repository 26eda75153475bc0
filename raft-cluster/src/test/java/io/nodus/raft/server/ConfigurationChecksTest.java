package io.nodus.raft.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.Member;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.testing.Fixtures;
import io.nodus.raft.testing.InProcessCluster;
import io.nodus.state.model.RejectionCodes;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A controller's configuration is checked at start and before a membership change, and every
 * contradiction is refused at once with a message that says what to change, or, where the group's
 * recorded configuration simply moved on from {@code --peers}, reported in the log and the status.
 */
class ConfigurationChecksTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path root;

  private ControllerServer server;
  private InProcessCluster cluster;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void refusesADataDirectoryOfAnotherMemberOrCluster() throws Exception {
    Path dir = root.resolve("c1");
    server = Fixtures.startServing(Fixtures.single(dir).build());
    server.close();
    server = null;

    assertThatThrownBy(() -> ControllerServer.start(Fixtures.single(dir).memberId("c2")
        .peers(Map.of("c2", new HostPort("127.0.0.1", Fixtures.freePort()))).build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("belongs to controller c1").hasMessageContaining("--id c1");
    assertThatThrownBy(() -> ControllerServer.start(Fixtures.single(dir).clusterName("other").build()))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("belongs to cluster 'nodus'");
  }

  @Test
  void refusesToMoveItsOwnAddressBehindTheGroupsBack() throws Exception {
    Path dir = root.resolve("c1");
    ControllerConfig first = Fixtures.single(dir).build();
    server = Fixtures.startServing(first);
    server.close();
    server = null;

    HostPort moved = new HostPort("127.0.0.1", Fixtures.freePort());
    assertThatThrownBy(() -> ControllerServer.start(first.toBuilder().peers(Map.of("c1", moved)).raftBind(null).build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("records it at " + first.raftBind())
        .hasMessageContaining(moved.toString());
  }

  @Test
  void reportsPeersThatDifferFromTheGroupsRecordedConfiguration() throws Exception {
    cluster = new InProcessCluster(root, 3, b -> b);
    cluster.awaitLeader(WAIT);
    ControllerConfig c3 = cluster.server(2).config();
    cluster.stop(2);

    Map<String, HostPort> peers = new LinkedHashMap<>(c3.peers());
    peers.put("c1", new HostPort("127.0.0.1", Fixtures.freePort()));
    peers.put("c9", new HostPort("127.0.0.1", Fixtures.freePort()));
    server = ControllerServer.start(c3.toBuilder().peers(peers).build());

    ClusterStatus status = server.status();
    assertThat(status.getConfigurationNotesList()).anySatisfy(n -> assertThat(n).contains("member c1")
        .contains("the group's configuration " + c3.peers().get("c1") + " (which counts)"));
    assertThat(status.getConfigurationNotesList()).anySatisfy(n -> assertThat(n).contains("c9").contains("not a member"));
    assertThat(status.getMembersList()).extracting(Member::getRaftAddress).contains(c3.peers().get("c1").toString());
  }

  @Test
  void refusesToAddAMemberThatDoesNotAnswerBeforeAnyChangeStarts() throws Exception {
    server = Fixtures.startServing(Fixtures.single(root.resolve("c1")).build());
    try (ControlPlaneClient client = server.client(); ServerSocket silent = new ServerSocket(0)) {
      int closed = Fixtures.freePort();
      long started = System.nanoTime();
      MembershipResponse unreachable = client.addMember("c2", "127.0.0.1:" + closed, "127.0.0.1:" + closed);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
      assertThat(unreachable.getRejection().getCode()).isEqualTo(RejectionCodes.FAILED_PRECONDITION);
      assertThat(unreachable.getRejection().getField()).isEqualTo("grpcAddress");
      assertThat(unreachable.getRejection().getMessage()).contains("does not answer");

      // A port that accepts connections but never answers gRPC: bounded by the probe's deadline.
      started = System.nanoTime();
      MembershipResponse mute = client.addMember("c2", "127.0.0.1:" + closed, "127.0.0.1:" + silent.getLocalPort());
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
      assertThat(mute.getRejection().getField()).isEqualTo("grpcAddress");

      MembershipResponse wildcard = client.addMember("c2", "0.0.0.0:1", "127.0.0.1:9401");
      assertThat(wildcard.getRejection().getCode()).isEqualTo(RejectionCodes.INVALID_ARGUMENT);
      assertThat(wildcard.getRejection().getField()).isEqualTo("raftAddress");

      // Nothing started: the group is still this one member, with no change pending.
      assertThat(client.status().getMembersList()).extracting(Member::getId).containsExactly("c1");
      assertThat(server.backend().division().getRaftConf().getPreviousPeers()).isEmpty();
    }
  }
}
