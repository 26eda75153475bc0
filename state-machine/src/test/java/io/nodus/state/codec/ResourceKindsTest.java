package io.nodus.state.codec;

import static io.nodus.state.Fixtures.allocate;
import static io.nodus.state.Fixtures.createEndpoint;
import static io.nodus.state.Fixtures.createPool;
import static io.nodus.state.Fixtures.registerNode;
import static io.nodus.state.Fixtures.removeNode;
import static io.nodus.state.Fixtures.upsertService;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.Fixtures.Driver;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.ResourceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResourceKindsTest {
  private static List<Event> events(Driver d, io.nodus.state.proto.Command... commands) {
    List<Event> out = new ArrayList<>();
    for (var c : commands) {
      out.addAll(d.apply(c).getAccepted().getEventsList());
    }
    return out;
  }

  @Test
  void anEventBelongsToEveryKindWhoseRecordsItChanges() {
    Driver d = new Driver();
    List<Event> e = events(d, registerNode("n1"), createEndpoint("a", "n1", "app=a"), upsertService("s", "10.96.0.1", 80),
        createPool("lb", "10.60.0.0/24", 32), allocate("lb", "o", 0), removeNode("n1", true));

    assertThat(e.stream().map(ResourceKinds::of).toList()).containsExactly(
        Set.of(ResourceKind.KIND_NODE, ResourceKind.KIND_IPAM),
        Set.of(ResourceKind.KIND_IDENTITY),
        Set.of(ResourceKind.KIND_ENDPOINT, ResourceKind.KIND_IDENTITY),
        Set.of(ResourceKind.KIND_SERVICE),
        Set.of(ResourceKind.KIND_IPAM),
        Set.of(ResourceKind.KIND_IPAM),
        Set.of(ResourceKind.KIND_ENDPOINT, ResourceKind.KIND_IDENTITY),
        Set.of(ResourceKind.KIND_IDENTITY),
        Set.of(ResourceKind.KIND_NODE, ResourceKind.KIND_IPAM));
    assertThat(ResourceKinds.matches(e.get(3), Set.of())).isTrue();
    assertThat(ResourceKinds.matches(e.get(3), Set.of(ResourceKind.KIND_POLICY))).isFalse();
  }

  @Test
  void aFilteredSnapshotKeepsTheRevisionAndOnlyTheKindsAskedFor() {
    Driver d = new Driver();
    events(d, registerNode("n1"), upsertService("s", "10.96.0.1", 80));
    ClusterState all = ImageCodec.toState(d.image());

    ClusterState services = ResourceKinds.filter(all, Set.of(ResourceKind.KIND_SERVICE));

    assertThat(services.getRevision()).isEqualTo(2);
    assertThat(services.getServicesCount()).isEqualTo(1);
    assertThat(services.getNodesCount()).isZero();
    assertThat(services.getIdentitiesCount()).isZero();
    assertThat(services.hasConfig()).isFalse();
    assertThat(ResourceKinds.filter(all, Set.of())).isSameAs(all);
    assertThat(ResourceKinds.filter(all, Set.of(ResourceKind.KIND_NODE, ResourceKind.KIND_CLUSTER)).getNodesCount()).isEqualTo(1);
  }
}
