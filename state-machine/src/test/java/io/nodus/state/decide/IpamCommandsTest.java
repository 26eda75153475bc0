package io.nodus.state.decide;

import static io.nodus.state.Fixtures.allocate;
import static io.nodus.state.Fixtures.createPool;
import static io.nodus.state.Fixtures.deletePool;
import static io.nodus.state.Fixtures.registerNode;
import static io.nodus.state.Fixtures.release;
import static io.nodus.state.Fixtures.removeNode;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.Fixtures.Driver;
import io.nodus.state.proto.AllocateIpam;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.IpamAllocation;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IpamCommandsTest {
  private Driver d;

  @BeforeEach
  void setUp() {
    d = new Driver();
  }

  private String allocated(CommandResult r) {
    assertThat(r.hasAccepted()).as("%s", r).isTrue();
    return r.getAccepted().getEvents(0).getIpamAllocated().getAllocation().getCidr();
  }

  @Test
  void anAddressPoolHandsOutTheLowestFreeAddressAndRefusesWhenExhausted() {
    assertThat(d.apply(createPool("lb", "10.60.0.0/30", 32)).hasAccepted()).isTrue();

    assertThat(allocated(d.apply(allocate("lb", "svc-a", 0)))).isEqualTo("10.60.0.0/32");
    assertThat(allocated(d.apply(allocate("lb", "svc-b", 0)))).isEqualTo("10.60.0.1/32");
    assertThat(d.apply(release("lb", "10.60.0.0/32")).hasAccepted()).isTrue();
    assertThat(allocated(d.apply(allocate("lb", "svc-c", 0)))).isEqualTo("10.60.0.0/32");
    allocated(d.apply(allocate("lb", "svc-d", 0)));
    allocated(d.apply(allocate("lb", "svc-e", 0)));

    CommandResult full = d.apply(allocate("lb", "svc-f", 0));
    assertThat(full.getRejection().getCode()).isEqualTo("exhausted");
    assertThat(full.getRejection().getField()).isEqualTo("pool");
  }

  @Test
  void blocksOfAskedSizesAreAlignedAndSkipWhatIsTaken() {
    d.apply(createPool("blocks", "10.70.0.0/24", 28));

    assertThat(allocated(d.apply(allocate("blocks", "a", 30)))).isEqualTo("10.70.0.0/30");
    assertThat(allocated(d.apply(allocate("blocks", "b", 0)))).isEqualTo("10.70.0.16/28");
    assertThat(allocated(d.apply(allocate("blocks", "c", 30)))).isEqualTo("10.70.0.4/30");
    assertThat(allocated(d.apply(allocate("blocks", "d", 25)))).isEqualTo("10.70.0.128/25");
    Command claim = Command.newBuilder().setRequestId("claim").setAllocateIpam(AllocateIpam.newBuilder()
        .setPool("blocks").setOwner("e").setCidr("10.70.0.16/29")).build();
    CommandResult taken = d.apply(claim);
    assertThat(taken.getRejection().getCode()).isEqualTo("already_exists");
    assertThat(taken.getRejection().getField()).isEqualTo("cidr");
    assertThat(d.apply(allocate("blocks", "f", 20)).getRejection().getField()).isEqualTo("prefixLength");
  }

  @Test
  void poolsMayNotOverlapEachOtherOrTheDefaultPool() {
    d.apply(createPool("a", "10.60.0.0/24", 32));

    assertThat(d.apply(createPool("b", "10.60.0.128/25", 32)).getRejection().getField()).isEqualTo("cidr");
    assertThat(d.apply(createPool("c", "10.200.5.0/24", 32)).getRejection().getMessage()).contains("default");
    assertThat(d.apply(createPool("default", "10.1.0.0/24", 32)).getRejection().getCode()).isEqualTo("already_exists");
    assertThat(d.apply(createPool("a", "10.60.0.0/24", 32)).getAccepted().getEventsCount()).isZero();
    assertThat(d.apply(createPool("a", "10.61.0.0/24", 32)).getRejection().getCode()).isEqualTo("already_exists");
    assertThat(d.apply(createPool("d", "10.62.0.1/24", 32)).getRejection().getField()).isEqualTo("cidr");
    assertThat(d.apply(createPool("e", "10.62.0.0/24", 20)).getRejection().getField()).isEqualTo("blockPrefix");
  }

  @Test
  void nodesTakeTheirPodCidrFromTheDefaultPoolAndGiveItBackOnRemoval() {
    d.apply(registerNode("n1"));
    d.apply(registerNode("n2"));
    assertThat(d.image().ipam().allocationsOf("default").values()).extracting(IpamAllocation::getOwner)
        .containsExactly("node:n1", "node:n2");
    // A block a user takes from the default pool is skipped by the next node.
    assertThat(allocated(d.apply(allocate("default", "reserved", 0)))).isEqualTo("10.200.2.0/24");
    d.apply(registerNode("n3"));
    assertThat(d.image().nodes().get("n3").orElseThrow().getPodCidr()).isEqualTo("10.200.3.0/24");
    assertThat(d.apply(release("default", "10.200.0.0/24")).getRejection().getCode()).isEqualTo("failed_precondition");

    d.apply(removeNode("n1", false));
    d.apply(registerNode("n4"));

    assertThat(d.image().nodes().get("n4").orElseThrow().getPodCidr()).isEqualTo("10.200.0.0/24");
  }

  @Test
  void aPoolIsDeletedOnlyOnceEmptyAndTheDefaultPoolNever() {
    d.apply(createPool("lb", "10.60.0.0/30", 32));
    allocated(d.apply(allocate("lb", "svc", 0)));

    assertThat(d.apply(deletePool("lb")).getRejection().getCode()).isEqualTo("failed_precondition");
    d.apply(release("lb", "10.60.0.0/32"));
    assertThat(d.apply(deletePool("lb")).hasAccepted()).isTrue();
    assertThat(d.apply(deletePool("default")).getRejection().getCode()).isEqualTo("failed_precondition");
    assertThat(d.apply(allocate("lb", "svc", 0)).getRejection().getCode()).isEqualTo("not_found");
  }

  @Test
  void rejectsBadOwnersAndUnknownReleases() {
    d.apply(createPool("lb", "10.60.0.0/30", 32));

    assertThat(d.apply(allocate("lb", "node:n9", 0)).getRejection().getField()).isEqualTo("owner");
    assertThat(d.apply(allocate("lb", "Has Space", 0)).getRejection().getField()).isEqualTo("owner");
    assertThat(d.apply(release("lb", "10.60.0.3/32")).getRejection().getCode()).isEqualTo("not_found");
    assertThat(d.apply(release("lb", "10.60.0.3")).getRejection().getField()).isEqualTo("cidr");
    assertThat(d.image().revision()).isEqualTo(1);
  }
}
