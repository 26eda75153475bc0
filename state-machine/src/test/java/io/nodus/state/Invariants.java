package io.nodus.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.IpamImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.Service;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What must hold in every image: no identity, CIDR, address, frontend or service id is held
 * twice; IPAM blocks lie inside their pools, never overlap, and pools never overlap; node pod
 * CIDRs are exactly the default pool's node-owned blocks; references point at things that exist.
 */
final class Invariants {
  private Invariants() {}

  static void check(ClusterImage image) {
    identities(image);
    ipam(image);
    services(image);
    sortedIndexes(image);
  }

  /** The key orders beside the hash maps hold exactly the maps' keys (paged reads walk them). */
  private static void sortedIndexes(ClusterImage image) {
    assertThat(image.policies().keyOrder().keys()).containsExactlyElementsOf(new java.util.TreeSet<>(image.policies().byKey().keys()));
    assertThat(image.endpoints().nameOrder().keys()).containsExactlyElementsOf(new java.util.TreeSet<>(image.endpoints().byName().keys()));
  }

  private static void identities(ClusterImage image) {
    Set<String> labelSets = new HashSet<>();
    for (Identity i : image.identities().byId().values()) {
      assertThat(labelSets.add(i.getLabels().toString())).as("label set held by two identities").isTrue();
    }
    Set<String> ips = new HashSet<>();
    Map<Integer, Integer> refs = new TreeMap<>();
    for (Endpoint e : image.endpoints().byName().values()) {
      if (!e.getIpv4().isEmpty()) {
        assertThat(ips.add(e.getIpv4())).as("address held by two endpoints").isTrue();
      }
      assertThat(image.identities().get(e.getIdentity())).isPresent();
      assertThat(image.nodes().get(e.getNode())).as("endpoint %s on a removed node", e.getName()).isPresent();
      refs.merge(e.getIdentity(), 1, Integer::sum);
    }
    for (Identity i : image.identities().byId().values()) {
      assertThat(i.getReferences()).isEqualTo(refs.getOrDefault(i.getId(), 0));
    }
  }

  private static void ipam(ClusterImage image) {
    List<IpamPool> pools = image.ipam().allPools(image.config());
    List<Cidr> ranges = new ArrayList<>();
    for (IpamPool p : pools) {
      Cidr range = Cidr.parse(p.getCidr(), "cidr");
      for (Cidr other : ranges) {
        assertThat(other.contains(range) || range.contains(other)).as("pools %s and %s overlap", other, range).isFalse();
      }
      ranges.add(range);
      long end = -1;
      for (IpamAllocation a : image.ipam().allocationsOf(p.getName()).values()) {
        Cidr block = Cidr.parse(a.getCidr(), "cidr");
        assertThat(range.contains(block)).as("%s outside pool %s", block, p.getName()).isTrue();
        long start = Integer.toUnsignedLong(block.network());
        assertThat(start).as("%s overlaps the block before it in %s", block, p.getName()).isGreaterThan(end);
        end = start + block.size() - 1;
      }
    }
    assertThat(image.ipam().allocations().keys()).allMatch(name -> image.ipam().pool(name, image.config()).isPresent());
    Set<String> nodeBlocks = new HashSet<>();
    for (IpamAllocation a : image.ipam().allocationsOf(IpamImage.DEFAULT_POOL).values()) {
      if (a.getOwner().startsWith(IpamImage.NODE_OWNER_PREFIX)) {
        nodeBlocks.add(a.getOwner().substring(IpamImage.NODE_OWNER_PREFIX.length()) + "=" + a.getCidr());
      }
    }
    Set<String> nodes = new HashSet<>();
    for (Node n : image.nodes().byName().values()) {
      nodes.add(n.getName() + "=" + n.getPodCidr());
    }
    assertThat(nodeBlocks).as("node pod CIDRs versus the default pool").isEqualTo(nodes);
  }

  private static void services(ClusterImage image) {
    Set<String> frontends = new HashSet<>();
    Set<Integer> ids = new HashSet<>();
    for (Service s : image.services().all()) {
      assertThat(frontends.add(s.getFrontend().getIp() + ":" + s.getFrontend().getPort() + "/" + s.getFrontend().getProtocol()))
          .as("frontend held by two services").isTrue();
      assertThat(s.getId()).isBetween(1, 65535);
      assertThat(ids.add(s.getId())).as("service id held twice").isTrue();
    }
    assertThat(image.services().byFrontend().size()).isEqualTo(image.services().byKey().size());
    assertThat(image.services().byId().size()).isEqualTo(image.services().byKey().size());
  }
}
