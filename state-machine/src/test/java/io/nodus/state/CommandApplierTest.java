package io.nodus.state;

import static io.nodus.state.Fixtures.allocate;
import static io.nodus.state.Fixtures.createPool;
import static io.nodus.state.Fixtures.registerNode;
import static io.nodus.state.Fixtures.withRequestId;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.Fixtures.Driver;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.ConfigureCluster;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The deduplication window: retries are answered from it, entries leave it by age and count. */
class CommandApplierTest {
  private Driver d;

  @BeforeEach
  void setUp() {
    d = new Driver();
    d.apply(withRequestId(Command.newBuilder().setConfigureCluster(ConfigureCluster.newBuilder().setConfig(
        ClusterImage.DEFAULT_CONFIG.toBuilder().setRequestWindowEntries(3).setRequestWindowSeconds(60))).build(), "cfg"));
    d.apply(createPool("lb", "10.60.0.0/24", 32));
  }

  @Test
  void aCommandMeantForAnotherClusterIsRejectedAndChangesNothing() {
    ReplicaState formed = CommandApplier.applyEntry(ReplicaState.EMPTY, io.nodus.state.proto.LoggedCommand.newBuilder()
        .setLeaderTimeMillis(1_000).setLeaderMonotonicMillis(5).addCommands(withRequestId(registerNode("n1"), "first"))
        .build(), 1).state();
    assertThat(formed.clusterUuid()).isNotEmpty();
    Command take = withRequestId(createPool("p", "10.62.0.0/24", 32), "bound");

    CommandApplier.Applied foreign = CommandApplier.apply(formed, io.nodus.state.proto.LoggedCommand.newBuilder()
        .setCommand(take.toBuilder().setExpectedClusterUuid("another-cluster")).setLeaderTimeMillis(2_000).build(), 2);
    CommandApplier.Applied own = CommandApplier.apply(formed, io.nodus.state.proto.LoggedCommand.newBuilder()
        .setCommand(take.toBuilder().setExpectedClusterUuid(formed.clusterUuid())).setLeaderTimeMillis(2_000).build(), 2);

    assertThat(foreign.result().getRejection().getCode()).isEqualTo("failed_precondition");
    assertThat(foreign.result().getRejection().getField()).isEqualTo("clusterUuid");
    assertThat(foreign.result().getRejection().getMessage()).contains("another-cluster").contains(formed.clusterUuid());
    assertThat(foreign.image()).isSameAs(formed.image());
    assertThat(own.result().hasAccepted()).isTrue();
  }

  @Test
  void aRetriedAllocationGetsTheFirstAddressAndTakesNoOther() {
    Command take = withRequestId(allocate("lb", "svc", 0), "req-1");
    CommandResult first = d.apply(take);
    long revision = d.image().revision();

    CommandResult retry = d.apply(take);

    assertThat(retry).isEqualTo(first);
    assertThat(d.last().duplicate()).isTrue();
    assertThat(d.last().events()).isEmpty();
    assertThat(d.image().revision()).isEqualTo(revision);
    assertThat(d.image().ipam().allocationsOf("lb").size()).isEqualTo(1);
  }

  @Test
  void aRejectionIsRecordedTooSoItsRetryIsRejectedAlikeEvenIfItWouldNowSucceed() {
    Command early = withRequestId(allocate("later", "svc", 0), "req-2");
    CommandResult refused = d.apply(early);
    d.apply(createPool("later", "10.61.0.0/24", 32));

    assertThat(d.apply(early)).isEqualTo(refused);
    assertThat(refused.getRejection().getCode()).isEqualTo("not_found");
  }

  @Test
  void anIdReusedForAnotherCommandIsRefusedAndKeepsTheFirstAnswer() {
    CommandResult first = d.apply(withRequestId(allocate("lb", "a", 0), "req-3"));

    CommandResult other = d.apply(withRequestId(allocate("lb", "b", 0), "req-3"));

    assertThat(other.getRejection().getField()).isEqualTo("requestId");
    assertThat(d.apply(withRequestId(allocate("lb", "a", 0), "req-3"))).isEqualTo(first);
  }

  @Test
  void theDigestIsTheSha256OfTheCommandWithoutItsRequestId() throws Exception {
    Command plain = Fixtures.upsertPolicy(Fixtures.allowIngress("web", "app=web", "app=client", 80));
    Command withUnknownField = plain.toBuilder()
        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
            .addField(999, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build())
        .build();
    for (Command c : java.util.List.of(plain, withRequestId(plain, ""), withRequestId(plain, "ü-" + "x".repeat(200)),
        withUnknownField, Command.getDefaultInstance())) {
      byte[] expected = java.security.MessageDigest.getInstance("SHA-256").digest(c.toBuilder().clearRequestId().build().toByteArray());
      assertThat(CommandApplier.digest(c)).isEqualTo(expected);
    }
  }

  @Test
  void theWindowForgetsTheOldestBeyondItsCountAndItsLeaderTime() {
    Command take = withRequestId(allocate("lb", "svc", 0), "old");
    d.apply(take);
    d.apply(registerNode("n1"));
    assertThat(d.state().requests().get("old")).isPresent();
    // Three entries at most: two more requests push "old" out.
    d.apply(registerNode("n2"));
    d.apply(registerNode("n3"));
    assertThat(d.state().requests().get("old")).isEmpty();
    assertThat(d.state().requests().size()).isEqualTo(3);
    assertThat(d.last().window().evicted()).containsExactly("old");

    d.advanceClock(61_000);
    d.apply(Command.newBuilder().setConfigureCluster(ConfigureCluster.getDefaultInstance()).build());

    // Everything older than a minute of leader time left; a request without id is not recorded.
    assertThat(d.state().requests().size()).isZero();
    // Outside the window a retry is a new request: it takes a second address.
    d.apply(take);
    assertThat(d.image().ipam().allocationsOf("lb").size()).isEqualTo(2);
  }
}
