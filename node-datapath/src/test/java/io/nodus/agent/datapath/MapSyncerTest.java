package io.nodus.agent.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.DatapathSizes;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.maps.EndpointInfo;
import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMap;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.policy.PolicyEntry;
import io.nodus.state.policy.PolicyEntry.Direction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The syncer against real kernel maps pinned in a directory of its own. */
class MapSyncerTest {
  private static final int IFINDEX = 4242;
  private final Path pins = Path.of("/sys/fs/bpf/nodus", "test-sync-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
  private Datapath datapath;
  private SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private MapSyncer open(int policyCapacity) {
    if (datapath != null) {
      datapath.close();
    }
    datapath = Datapath.open(pins, new DatapathSizes(1024, policyCapacity));
    registry = new SimpleMeterRegistry();
    return new MapSyncer(datapath, registry);
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

  private static EndpointPolicy ingress(PolicyEntry... entries) {
    return new EndpointPolicy(true, false, new TreeSet<>(List.of(entries)));
  }

  /** An ingress policy allowing identity 256 on TCP ports {@code from..to}. */
  private static EndpointPolicy ports(int from, int to) {
    TreeSet<PolicyEntry> set = new TreeSet<>();
    for (int p = from; p <= to; p++) {
      set.add(new PolicyEntry(256, p, 6, Direction.INGRESS, false));
    }
    return new EndpointPolicy(true, false, set);
  }

  private static EndpointPlan plan(int id, int ifindex, EndpointPolicy policy, long revision) {
    return new EndpointPlan("ep" + id, id, 300 + id, ifindex, "10.200.0." + id, policy.ingressEnforced(), policy.egressEnforced(),
        false, PolicyTracker.contents(policy), revision);
  }

  private double writes(String map) {
    return registry.get("nodus.agent.map.writes").tag("map", map).counter().count();
  }

  @Test
  void writesOnlyTheDifferenceAndPicksUpItsPinsAfterARestart() {
    MapSyncer syncer = open(16384);
    EndpointPolicy p1 = ingress(new PolicyEntry(256, 80, 6, Direction.INGRESS, false), new PolicyEntry(1, 0, 0, Direction.INGRESS, false));
    Map<Ipv4Prefix, IpCacheEntry> ipcache = Map.of(Ipv4Prefix.parse("10.200.0.7/32"), IpCacheEntry.local(307),
        Ipv4Prefix.parse("192.0.2.1/32"), IpCacheEntry.local(1));

    syncer.syncIpcache(ipcache);
    EndpointStatus s = syncer.syncEndpoint(plan(7, IFINDEX, p1, 10));
    assertThat(s.ok()).isTrue();
    assertThat(s.policyEntries()).isEqualTo(2);
    assertThat(writes("ipcache")).isEqualTo(2);
    assertThat(writes("endpoints")).isEqualTo(1);
    assertThat(writes("policy")).isEqualTo(2);
    assertThat(datapath.endpoints().lookup(IFINDEX)).contains(new EndpointInfo(7, 307, Ipv4.parse("10.200.0.7"), true, false));
    try (PolicyMap m = datapath.policies().open(7).orElseThrow()) {
      assertThat(m.entries()).containsOnlyKeys(PolicyKey.ingress(256, 80, 6), PolicyKey.ingress(1, 0, 0));
    }

    // The same desired state again: nothing to write.
    syncer.syncIpcache(ipcache);
    syncer.syncEndpoint(plan(7, IFINDEX, p1, 11));
    assertThat(writes("ipcache") + writes("endpoints") + writes("policy")).isEqualTo(5);

    // One more allowed port: one policy entry written, nothing else.
    EndpointPolicy p2 = ingress(new PolicyEntry(256, 80, 6, Direction.INGRESS, false), new PolicyEntry(256, 443, 6, Direction.INGRESS, false),
        new PolicyEntry(1, 0, 0, Direction.INGRESS, false));
    syncer.syncEndpoint(plan(7, IFINDEX, p2, 12));
    assertThat(writes("policy")).isEqualTo(3);
    assertThat(writes("endpoints")).isEqualTo(1);
    syncer.close();

    // A restarted agent: new handles on the same pins, plus stale entries left behind.
    MapSyncer restarted = open(16384);
    datapath.ipcache().put(Ipv4Prefix.parse("10.9.9.9/32"), IpCacheEntry.local(999));
    datapath.policies().create(99).close();
    restarted.syncIpcache(ipcache);
    restarted.syncEndpoint(plan(7, IFINDEX, p2, 12));
    restarted.removeStale();
    assertThat(writes("policy")).isZero();
    assertThat(writes("endpoints")).isZero();
    assertThat(writes("ipcache")).isEqualTo(1);
    assertThat(datapath.ipcache().entries()).doesNotContainKey(Ipv4Prefix.parse("10.9.9.9/32"));
    assertThat(datapath.policies().endpointIds()).containsExactly(7);

    // The endpoint goes away: its entry and its policy map are removed.
    restarted.removeEndpoint("ep7");
    assertThat(datapath.endpoints().entries()).isEmpty();
    assertThat(datapath.policies().open(7)).isEmpty();
    assertThat(restarted.statuses()).isEmpty();
    restarted.close();
  }

  @Test
  void switchingEnforcementOffClearsTheFlagAndThenTheEntries() {
    MapSyncer syncer = open(16384);
    syncer.syncEndpoint(plan(8, IFINDEX + 1, ingress(new PolicyEntry(256, 80, 6, Direction.INGRESS, false)), 1));
    syncer.syncEndpoint(plan(8, IFINDEX + 1, EndpointPolicy.UNENFORCED, 2));
    assertThat(datapath.endpoints().lookup(IFINDEX + 1).orElseThrow().ingressEnforced()).isFalse();
    try (PolicyMap m = datapath.policies().open(8).orElseThrow()) {
      assertThat(m.entries()).isEmpty();
    }
    syncer.close();
  }

  @Test
  void aPolicyBeyondCapacityIsNeverWrittenInPartAndThePreviousOneStays() {
    MapSyncer syncer = open(4);
    assertThat(syncer.syncEndpoint(plan(9, IFINDEX + 2, ports(1, 3), 5)).ok()).isTrue();

    EndpointStatus s = syncer.syncEndpoint(plan(9, IFINDEX + 2, ports(1, 6), 6));
    assertThat(s.ok()).isFalse();
    assertThat(s.error()).contains("policy map overflow at revision 6").contains("6 entries needed, capacity 4")
        .contains("revision 5 stays in force");
    assertThat(s.revision()).isEqualTo(5);
    try (PolicyMap m = datapath.policies().open(9).orElseThrow()) {
      assertThat(m.entries()).containsOnlyKeys(PolicyKey.ingress(256, 1, 6), PolicyKey.ingress(256, 2, 6), PolicyKey.ingress(256, 3, 6));
    }
    assertThat(registry.get("nodus.agent.policy.map.overflows").counter().count()).isEqualTo(1);
    assertThat(registry.get("nodus.agent.policy.map.errors").gauge().value()).isEqualTo(1);

    // A policy that fits again is written and the error clears.
    EndpointStatus fixed = syncer.syncEndpoint(plan(9, IFINDEX + 2, ports(2, 5), 7));
    assertThat(fixed.ok()).isTrue();
    assertThat(fixed.policyEntries()).isEqualTo(4);
    assertThat(registry.get("nodus.agent.policy.map.errors").gauge().value()).isZero();
    syncer.close();
  }

  @Test
  void aNewEndpointWhosePolicyOverflowsFailsClosed() {
    MapSyncer syncer = open(4);
    EndpointStatus s = syncer.syncEndpoint(plan(10, IFINDEX + 3, ports(1, 5), 3));
    assertThat(s.error()).contains("default deny applies");
    assertThat(datapath.endpoints().lookup(IFINDEX + 3).orElseThrow().ingressEnforced()).isTrue();
    try (PolicyMap m = datapath.policies().open(10).orElseThrow()) {
      assertThat(m.entries()).isEmpty();
    }
    syncer.close();
  }

  @Test
  void aChangeThatDoesNotFitBesideTheOldEntriesSwapsInANewMap() {
    MapSyncer syncer = open(4);
    syncer.syncEndpoint(plan(11, IFINDEX + 4, ports(1, 3), 1));
    int before = datapath.policies().installedMapId(11).orElseThrow();
    EndpointStatus s = syncer.syncEndpoint(plan(11, IFINDEX + 4, ports(4, 6), 2));
    assertThat(s.ok()).isTrue();
    assertThat(datapath.policies().installedMapId(11).orElseThrow()).isNotEqualTo(before);
    try (PolicyMap m = datapath.policies().open(11).orElseThrow()) {
      assertThat(m.entries()).containsOnlyKeys(PolicyKey.ingress(256, 4, 6), PolicyKey.ingress(256, 5, 6), PolicyKey.ingress(256, 6, 6));
    }
    syncer.close();

    // A larger configured capacity rebuilds the map at the next sync, contents unchanged.
    MapSyncer bigger = open(8);
    assertThat(bigger.syncEndpoint(plan(11, IFINDEX + 4, ports(4, 6), 3)).policyCapacity()).isEqualTo(8);
    try (PolicyMap m = datapath.policies().open(11).orElseThrow()) {
      assertThat(m.capacity()).isEqualTo(8);
      assertThat(m.entries()).hasSize(3);
    }
    bigger.close();
  }

  @Test
  void rangesAndDenyPrecedenceReachTheMapAsTriePrefixes() {
    MapSyncer syncer = open(16384);
    EndpointPolicy p = ingress(new PolicyEntry(256, 1, 1024, 6, Direction.INGRESS, false),
        new PolicyEntry(256, 22, 22, 6, Direction.INGRESS, true));
    syncer.syncEndpoint(plan(12, IFINDEX + 5, p, 1));
    try (PolicyMap m = datapath.policies().open(12).orElseThrow()) {
      assertThat(m.entries()).hasSize(12); // 11 prefixes for 1-1024, one deny
      assertThat(m.lookup(PolicyKey.ingress(256, 22, 6)).orElseThrow().deny()).isTrue();
      assertThat(m.entries().keySet()).allMatch(k -> k.direction() == TrafficDirection.INGRESS);
    }
    syncer.close();
  }
}
