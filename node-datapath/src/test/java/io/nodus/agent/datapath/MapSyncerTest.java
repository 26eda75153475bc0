package io.nodus.agent.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.maps.EndpointInfo;
import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.policy.PolicyEntry;
import io.nodus.state.policy.PolicyEntry.Direction;
import io.nodus.state.proto.Endpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The syncer against real kernel maps pinned in a directory of its own. */
class MapSyncerTest {
  private static final int IFINDEX = 4242;
  private final Path pins = Path.of("/sys/fs/bpf/nodus", "test-sync-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
  private Datapath datapath;
  private SimpleMeterRegistry registry;

  @BeforeEach
  void open() {
    datapath = Datapath.open(pins);
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void close() throws IOException {
    if (datapath != null) {
      datapath.close();
    }
    if (Files.exists(pins)) {
      try (Stream<Path> walk = Files.walk(pins)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static Endpoint endpoint(int id, int identity, String ip) {
    return Endpoint.newBuilder().setName("ep" + id).setId(id).setIdentity(identity).setIpv4(ip).build();
  }

  private static DesiredDatapath desired(Endpoint e, EndpointPolicy policy) {
    return new DesiredDatapath(
        Map.of(Ipv4Prefix.parse(e.getIpv4() + "/32"), IpCacheEntry.local(e.getIdentity()),
            Ipv4Prefix.parse("192.0.2.1/32"), IpCacheEntry.local(1)),
        Map.of(e.getName(), new DesiredDatapath.EndpointPlan(e, policy)));
  }

  private static EndpointPolicy ingress(PolicyEntry... entries) {
    TreeSet<PolicyEntry> set = new TreeSet<>(java.util.List.of(entries));
    return new EndpointPolicy(true, false, set);
  }

  private double writes(String map) {
    return registry.get("nodus.agent.map.writes").tag("map", map).counter().count();
  }

  @Test
  void writesOnlyTheDifferenceAndPicksUpItsPinsAfterARestart() {
    Endpoint e = endpoint(7, 300, "10.200.0.9");
    EndpointPolicy p1 = ingress(new PolicyEntry(256, 80, 6, Direction.INGRESS, false), new PolicyEntry(1, 0, 0, Direction.INGRESS, false));
    Map<String, MapSyncer.Attachment> at = Map.of("ep7", new MapSyncer.Attachment(IFINDEX, "10.200.0.9"));

    MapSyncer syncer = new MapSyncer(datapath, registry);
    syncer.sync(desired(e, p1), at);
    assertThat(writes("ipcache")).isEqualTo(2);
    assertThat(writes("endpoints")).isEqualTo(1);
    assertThat(writes("policy")).isEqualTo(2);
    assertThat(datapath.endpoints().lookup(IFINDEX))
        .contains(new EndpointInfo(7, 300, Ipv4.parse("10.200.0.9"), true, false));
    assertThat(datapath.policies().open(7).orElseThrow().entries())
        .containsOnlyKeys(new PolicyKey(256, 80, 6, TrafficDirection.INGRESS), new PolicyKey(1, 0, 0, TrafficDirection.INGRESS));

    // The same desired state again: nothing to write.
    syncer.sync(desired(e, p1), at);
    assertThat(writes("ipcache") + writes("endpoints") + writes("policy")).isEqualTo(5);

    // One more allowed port: one policy entry written, nothing else.
    EndpointPolicy p2 = ingress(new PolicyEntry(256, 80, 6, Direction.INGRESS, false), new PolicyEntry(256, 443, 6, Direction.INGRESS, false),
        new PolicyEntry(1, 0, 0, Direction.INGRESS, false));
    syncer.sync(desired(e, p2), at);
    assertThat(writes("policy")).isEqualTo(3);
    assertThat(writes("endpoints")).isEqualTo(1);
    syncer.close();

    // A restarted agent: new handles on the same pins, plus a stale entry left behind.
    datapath.close();
    datapath = Datapath.open(pins);
    datapath.ipcache().put(Ipv4Prefix.parse("10.9.9.9/32"), IpCacheEntry.local(999));
    SimpleMeterRegistry fresh = new SimpleMeterRegistry();
    registry = fresh;
    MapSyncer restarted = new MapSyncer(datapath, fresh);
    restarted.sync(desired(e, p2), at);
    assertThat(writes("policy")).isZero();
    assertThat(writes("endpoints")).isZero();
    assertThat(writes("ipcache")).isEqualTo(1);
    assertThat(datapath.ipcache().entries()).doesNotContainKey(Ipv4Prefix.parse("10.9.9.9/32"));

    // The endpoint goes away: its entry and its policy map are removed.
    restarted.sync(new DesiredDatapath(Map.of(), Map.of()), Map.of());
    assertThat(datapath.endpoints().entries()).isEmpty();
    assertThat(datapath.policies().open(7)).isEmpty();
    assertThat(datapath.ipcache().entries()).isEmpty();
    restarted.close();
  }

  @Test
  void switchingEnforcementOffKeepsAllowedEntriesUntilTheFlagIsCleared() {
    Endpoint e = endpoint(8, 301, "10.200.0.10");
    Map<String, MapSyncer.Attachment> at = Map.of("ep8", new MapSyncer.Attachment(IFINDEX + 1, "10.200.0.10"));
    MapSyncer syncer = new MapSyncer(datapath, registry);
    syncer.sync(desired(e, ingress(new PolicyEntry(256, 80, 6, Direction.INGRESS, false))), at);
    syncer.sync(desired(e, EndpointPolicy.UNENFORCED), at);
    assertThat(datapath.endpoints().lookup(IFINDEX + 1).orElseThrow().ingressEnforced()).isFalse();
    assertThat(datapath.policies().open(8).orElseThrow().entries()).isEmpty();
    assertThat(MapSyncer.policyEntries(ingress(new PolicyEntry(5, 0, 0, Direction.INGRESS, true))))
        .containsEntry(new PolicyKey(5, 0, 0, TrafficDirection.INGRESS), PolicyValue.DENY);
    syncer.close();
  }
}
