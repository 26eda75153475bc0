package io.nodus.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.codec.ImageCodec;
import io.nodus.state.codec.ImageResources;
import io.nodus.state.codec.ResourceKey;
import io.nodus.state.evolve.Evolver;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.Protocol;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of decide/evolve over random command sequences, valid and invalid alike: nothing
 * throws, replaying events from any snapshot point rebuilds the live image, allocators never hand
 * out a held identity, CIDR or address, and the per-resource store form stays in step.
 */
class ReplayPropertiesTest {
  private static final String[] NODES = {"n1", "n2", "n3", "bad_node"};
  private static final String[] ENDPOINTS = {"a", "b", "c", "d", "e", "f", "Bad"};
  private static final String[] LABELS = {"app=web", "app=db", "app=cache", "tier=x", "app=web", "bad key=1", "app=-x"};

  @Provide
  Arbitrary<List<Command>> commands() {
    Arbitrary<String> node = Arbitraries.of(NODES);
    Arbitrary<String> ep = Arbitraries.of(ENDPOINTS);
    Arbitrary<String[]> labels = Arbitraries.of(LABELS).array(String[].class).ofMaxSize(3);
    Arbitrary<Command> register = node.map(Fixtures::registerNode);
    Arbitrary<Command> create = Combinators.combine(ep, node, labels).as(Fixtures::createEndpoint);
    Arbitrary<Command> ready = Combinators.combine(ep, Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 4))
        .as((e, n, host) -> Fixtures.markReady(e, "10.200." + n + "." + host));
    Arbitrary<Command> delete = ep.map(Fixtures::deleteEndpoint);
    Arbitrary<Command> upsert = Combinators.combine(Arbitraries.of("p1", "p2", "P3"), Arbitraries.of(LABELS), Arbitraries.of(LABELS),
        Arbitraries.of(0, 80, 443, 70000)).as((name, to, from, port) -> Fixtures.upsertPolicy(policy(name, to, from, port)));
    Arbitrary<Command> deletePolicy = Arbitraries.of("p1", "p2", "nope").map(n -> Fixtures.deletePolicy("default", n));
    Arbitrary<Command> garbage = Arbitraries.just(Command.getDefaultInstance());
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, register), net.jqwik.api.Tuple.of(6, create), net.jqwik.api.Tuple.of(4, ready),
        net.jqwik.api.Tuple.of(3, delete), net.jqwik.api.Tuple.of(3, upsert), net.jqwik.api.Tuple.of(1, deletePolicy),
        net.jqwik.api.Tuple.of(1, garbage)).list().ofMaxSize(80);
  }

  /** A cluster with a short identity quarantine, so that sequences exercise release, pruning and reuse. */
  private static List<Command> withShortQuarantine(List<Command> commands) {
    List<Command> all = new ArrayList<>();
    all.add(Command.newBuilder().setConfigureCluster(io.nodus.state.proto.ConfigureCluster.newBuilder().setConfig(
        ClusterImage.DEFAULT_CONFIG.toBuilder().setIdentityQuarantineSeconds(3))).build());
    all.addAll(commands);
    return all;
  }

  private static Policy policy(String name, String to, String from, int port) {
    if (to.contains(" ")) {
      // An invalid selector key: decide must reject it, not throw.
      return Policy.newBuilder().setName(name).setNamespace("default")
          .addRules(PolicyRule.newBuilder().setEndpointSelector(Fixtures.selector("bad key=1"))).build();
    }
    Policy.Builder p = Fixtures.allowIngress(name, to, from, port == 0 ? 80 : port).toBuilder();
    if (port == 0) {
      p.setRules(0, p.getRules(0).toBuilder().setIngress(0, p.getRules(0).getIngress(0).toBuilder()
          .setToPorts(0, Fixtures.ports(Protocol.PROTOCOL_ANY, 53))));
    }
    return p.build();
  }

  @Property(tries = 200)
  void replayingFromAnySnapshotPointYieldsTheLiveImage(@ForAll("commands") List<Command> commands, @ForAll @IntRange(min = 0, max = 100) int cutPercent) {
    List<Event> events = new ArrayList<>();
    ClusterImage image = ClusterImage.EMPTY;
    long index = 0;
    for (Command c : withShortQuarantine(commands)) {
      CommandApplier.Applied a = CommandApplier.apply(image, LoggedCommand.newBuilder().setCommand(c).setLeaderTimeMillis(index * 1000).build(), ++index);
      image = a.image();
      events.addAll(a.events());
      checkAllocators(image);
    }
    assertThat((long) events.size()).isEqualTo(image.revision());
    // The image at every revision, including those inside a multi-event command.
    List<ClusterImage> images = new ArrayList<>();
    images.add(ClusterImage.EMPTY);
    for (Event e : events) {
      images.add(Evolver.evolve(images.get(images.size() - 1), e));
    }
    assertThat(images.get(events.size())).isEqualTo(image);
    // A "snapshot" at any revision, taken through the serialized state form, plus the later events.
    int cut = (int) ((long) events.size() * cutPercent / 100);
    ClusterImage replayed = ImageCodec.fromState(ImageCodec.toState(images.get(cut)));
    for (Event e : events.subList(cut, events.size())) {
      replayed = Evolver.evolve(replayed, e);
    }
    assertThat(replayed).isEqualTo(image);
    assertThat(ImageCodec.stateHash(replayed)).isEqualTo(ImageCodec.stateHash(image));
  }

  @Property(tries = 100)
  void incrementalResourceWritesKeepAStoreEqualToTheImage(@ForAll("commands") List<Command> commands) {
    // An empty store fed only by changes: what a fresh controller's RocksDB sees.
    Map<ResourceKey, byte[]> store = new TreeMap<>((a, b) -> Arrays.compare(a.toBytes(), b.toBytes()));
    ClusterImage image = ClusterImage.EMPTY;
    long index = 0;
    for (Command c : withShortQuarantine(commands)) {
      CommandApplier.Applied a = CommandApplier.apply(image, LoggedCommand.newBuilder().setCommand(c).setLeaderTimeMillis(index * 1000).build(), ++index);
      ClusterImage before = image;
      image = a.image();
      for (ImageResources.Write w : ImageResources.changes(before, image, a.events())) {
        if (w.value() == null) {
          store.remove(w.key());
        } else {
          store.put(w.key(), w.value());
        }
      }
    }
    Map<ResourceKey, byte[]> expected = ImageResources.all(image);
    for (ResourceKey k : store.keySet()) {
      assertThat(store.get(k)).as(k.toString()).isEqualTo(expected.get(k));
    }
    assertThat(ImageResources.load(store)).isEqualTo(image);
    assertThat(ImageCodec.stateHash(ImageResources.load(store))).isEqualTo(ImageCodec.stateHash(image));
  }

  /** No identity, CIDR or address is held twice; every reference points at something that exists. */
  private static void checkAllocators(ClusterImage image) {
    Set<String> labelSets = new HashSet<>();
    for (Identity i : image.identities().byId().values()) {
      assertThat(labelSets.add(i.getLabels().toString())).as("label set held by two identities").isTrue();
    }
    Set<String> cidrs = new HashSet<>();
    for (Node n : image.nodes().byName().values()) {
      assertThat(cidrs.add(n.getPodCidr())).as("CIDR held by two nodes").isTrue();
    }
    Set<String> ips = new HashSet<>();
    Map<Integer, Integer> refs = new TreeMap<>();
    for (Endpoint e : image.endpoints().byName().values()) {
      if (!e.getIpv4().isEmpty()) {
        assertThat(ips.add(e.getIpv4())).as("address held by two endpoints").isTrue();
      }
      assertThat(image.identities().get(e.getIdentity())).isPresent();
      refs.merge(e.getIdentity(), 1, Integer::sum);
    }
    for (Identity i : image.identities().byId().values()) {
      assertThat(i.getReferences()).isEqualTo(refs.getOrDefault(i.getId(), 0));
    }
  }
}
