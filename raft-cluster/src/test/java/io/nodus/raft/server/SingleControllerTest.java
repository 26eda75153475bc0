package io.nodus.raft.server;

import static io.nodus.raft.testing.Fixtures.createEndpoint;
import static io.nodus.raft.testing.Fixtures.deleteEndpoint;
import static io.nodus.raft.testing.Fixtures.registerNode;
import static io.nodus.raft.testing.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.MemberRole;
import io.nodus.raft.testing.Fixtures;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import java.nio.file.Path;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.ClientInvocationId;
import org.apache.ratis.server.RetryCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One controller, the embedded default: submit, read, reject, status. */
class SingleControllerTest {
  @TempDir
  Path dataDir;

  private ControllerServer server;
  private ControlPlaneClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(ControllerConfig config) throws Exception {
    server = ControllerServer.start(config);
    client = server.client();
  }

  @Test
  void acceptsCommandsAndReadsThemBack() throws Exception {
    start(Fixtures.single(dataDir).build());

    CommandResult node = client.submit(registerNode("n1"));
    CommandResult endpoint = client.submit(createEndpoint("e1", "n1"));
    CommandResult policy = client.submit(upsertPolicy("p1"));

    assertThat(node.hasAccepted()).isTrue();
    assertThat(endpoint.hasAccepted()).as("endpoint result %s", endpoint).isTrue();
    assertThat(policy.getAccepted().getRevision()).isGreaterThan(endpoint.getAccepted().getRevision());
    ClusterState state = client.read(ReadConsistency.LINEARIZABLE);
    assertThat(state.getRevision()).isEqualTo(policy.getAccepted().getRevision());
    assertThat(state.getNodesList()).extracting(n -> n.getName()).containsExactly("n1");
    assertThat(state.getEndpointsList()).extracting(e -> e.getName()).containsExactly("e1");
    assertThat(state.getPoliciesList()).extracting(p -> p.getName()).containsExactly("p1");
    assertThat(client.read(ReadConsistency.STALE)).isEqualTo(state);
  }

  @Test
  void theLeadersOwnSubmissionsTakeTheirAnswersInProcessAndRaftKeepsEmptyReplies() throws Exception {
    start(Fixtures.single(dataDir).build());
    // The first submission may meet a leader that is not ready yet, and be retried.
    assertThat(client.submit(registerNode("n0")).hasAccepted()).isTrue();
    long before = cachedLocalReplies();

    CommandResult node = client.submit(registerNode("n1"));
    CommandResult policy = client.submit(upsertPolicy("p1"));

    // The answers still carry the events (they came from the state machine, not from Raft's reply).
    assertThat(node.getAccepted().getEventsList()).extracting(e -> e.getNodeRegistered().getNode().getName()).containsExactly("n1");
    assertThat(policy.getAccepted().getEvents(0).getPolicyUpserted().getPolicy().getName()).isEqualTo("p1");
    // Raft keeps a reply per entry in its retry cache, for a minute: for these entries, an empty one.
    assertThat(cachedLocalReplies()).isEqualTo(before + 2);
    assertThat(server.stateMachine().answers().waiting()).isZero();
  }

  /** Replies in Raft's retry cache to this controller's own calls, all checked to be empty. */
  private long cachedLocalReplies() throws Exception {
    ClientId local = server.backend().localClient();
    RetryCache retries = server.backend().division().getRetryCache();
    long seen = 0;
    for (long callId = 1; callId <= 100; callId++) {
      RetryCache.Entry cached = retries.getIfPresent(ClientInvocationId.valueOf(local, callId));
      if (cached != null && cached.getReplyFuture().get().isSuccess()) {
        assertThat(cached.getReplyFuture().get().getMessage().getContent().isEmpty()).as("reply to call %d", callId).isTrue();
        seen++;
      }
    }
    return seen;
  }

  @Test
  void rejectsDeletingAMissingEndpointWithoutMovingTheRevision() throws Exception {
    start(Fixtures.single(dataDir).build());
    long before = client.submit(registerNode("n1")).getAccepted().getRevision();

    CommandResult result = client.submit(deleteEndpoint("ghost"));

    assertThat(result.hasRejection()).isTrue();
    assertThat(result.getRejection().getCode()).isEqualTo(RejectionCodes.NOT_FOUND);
    assertThat(result.getRejection().getRevision()).isEqualTo(before);
    assertThat(client.read(false).getRevision()).isEqualTo(before);
  }

  @Test
  void reportsItselfAsLeaderOfAOneMemberGroup() throws Exception {
    start(Fixtures.single(dataDir).build());
    client.submit(registerNode("n1"));

    ClusterStatus status = client.status();

    assertThat(status.getMemberId()).isEqualTo("c1");
    assertThat(status.getLeaderId()).isEqualTo("c1");
    assertThat(status.getRevision()).isEqualTo(1);
    assertThat(status.getAppliedIndex()).isPositive();
    assertThat(status.getTerm()).isPositive();
    assertThat(status.getStateHash()).hasSize(64);
    assertThat(status.getMembersList()).singleElement().satisfies(m -> {
      assertThat(m.getRole()).isEqualTo(MemberRole.LEADER);
      assertThat(m.getGrpcAddress()).isEqualTo(server.grpcAddress().toString());
    });
  }

  @Test
  void aRetriedRequestIsAnsweredFromTheWindowAlsoAfterARestart() throws Exception {
    ControllerConfig config = Fixtures.single(dataDir).build();
    start(config);
    client.submit(Fixtures.createPool("lb", "10.60.0.0/24", 32));
    Command take = Fixtures.allocate("lb", "svc").toBuilder().setRequestId("take-once").build();
    CommandResult first = client.submit(take);
    long revision = first.getAccepted().getRevision();

    assertThat(client.submit(take)).isEqualTo(first);
    stop();
    start(config);
    assertThat(client.submit(take)).isEqualTo(first);

    ClusterState state = client.read(ReadConsistency.LINEARIZABLE);
    assertThat(state.getRevision()).isEqualTo(revision);
    assertThat(state.getIpamAllocationsList()).singleElement().satisfies(a -> assertThat(a.getCidr()).isEqualTo("10.60.0.0/32"));
    assertThat(server.stateMachine().duplicatesSinceStart()).isEqualTo(1);
    assertThat(client.status().getRequestWindowSize()).isEqualTo(2);
  }

  @Test
  void restartWithTheSameDataDirKeepsStateAndRevision() throws Exception {
    ControllerConfig config = Fixtures.single(dataDir).build();
    start(config);
    client.submit(registerNode("n1"));
    client.submit(createEndpoint("e1", "n1"));
    client.submit(upsertPolicy("p1"));
    ClusterState before = client.read(false);
    String hashBefore = client.status().getStateHash();
    stop();

    start(config);

    assertThat(client.read(false)).isEqualTo(before);
    assertThat(client.status().getStateHash()).isEqualTo(hashBefore);
    assertThat(client.submit(registerNode("n2")).getAccepted().getRevision()).isEqualTo(before.getRevision() + 1);
  }
}
