package io.nodus.agent.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.state.Fixtures;
import io.nodus.state.ModelCommands;
import io.nodus.state.ReplayPropertiesTest;
import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Entity;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * The agent's incremental path against the answer from scratch: over random command sequences
 * (valid and invalid, with retries) cut into batches of random size, a tracker fed one delta per
 * batch, resolving only the endpoints the core says each delta affects, ends with the same policy
 * map contents and enforcement for every endpoint of the node as a tracker that resolves every
 * endpoint of the final image afresh.
 */
class PolicyTrackerPropertiesTest {
  private static final String NODE = "n1";

  /** What the maps of one endpoint hold: enforcement flags and entries. */
  private record Desired(boolean ingress, boolean egress, SortedMap<PolicyKey, PolicyValue> entries) {
    static Desired of(EndpointPolicy p) {
      return new Desired(p.ingressEnforced(), p.egressEnforced(), PolicyTracker.contents(p));
    }
  }

  private static final String[] APPS = {"app=a", "app=b", "app=c", "app=d"};

  @Provide
  Arbitrary<List<ModelCommands.Step>> steps() {
    return ModelCommands.steps(120);
  }

  /**
   * Commands over a small world where selections interplay all the time: six endpoints on two
   * nodes with one of four labels, three policies whose subjects and peers (endpoints, a CIDR, an
   * entity) name those labels, in either direction, allow or deny, created, changed and deleted.
   */
  @Provide
  Arbitrary<List<Command>> selections() {
    Arbitrary<String> ep = Arbitraries.of("e1", "e2", "e3", "e4", "e5", "e6");
    Arbitrary<String> app = Arbitraries.of(APPS);
    Arbitrary<Command> create = Combinators.combine(ep, Arbitraries.of("n1", "n2"), app)
        .as((e, n, a) -> Fixtures.createEndpoint(e, n, a));
    Arbitrary<Command> delete = ep.map(Fixtures::deleteEndpoint);
    Arbitrary<PeerRule> peer = Arbitraries.oneOf(
        app.map(a -> PeerRule.newBuilder().addEndpoints(Fixtures.selector(a)).build()),
        Arbitraries.just(PeerRule.newBuilder().addCidrs("10.0.0.0/8").build()),
        Arbitraries.just(PeerRule.newBuilder().addEntities(Entity.ENTITY_WORLD).build()),
        app.map(a -> PeerRule.newBuilder().addEndpoints(Fixtures.selector(a)).addToPorts(Fixtures.ports(Protocol.TCP, 80)).build()));
    Arbitrary<Command> upsert = Combinators.combine(Arbitraries.of("p1", "p2", "p3"), app, peer, Arbitraries.integers().between(0, 3))
        .as((name, subject, from, shape) -> {
          PolicyRule.Builder rule = PolicyRule.newBuilder().setEndpointSelector(Fixtures.selector(subject));
          switch (shape) {
            case 0 -> rule.addIngress(from);
            case 1 -> rule.addEgress(from);
            case 2 -> rule.addIngressDeny(from);
            default -> rule.addIngress(from).addEgressDeny(from);
          }
          return Fixtures.upsertPolicy(Policy.newBuilder().setName(name).setNamespace("default").setKind("CiliumNetworkPolicy")
              .addRules(rule).build());
        });
    Arbitrary<Command> deletePolicy = Arbitraries.of("p1", "p2", "p3").map(n -> Fixtures.deletePolicy("default", n));
    return Arbitraries.frequencyOf(Tuple.of(4, create), Tuple.of(2, delete), Tuple.of(4, upsert), Tuple.of(1, deletePolicy))
        .list().ofMaxSize(60)
        .map(l -> {
          List<Command> all = new ArrayList<>(List.of(Fixtures.registerNode("n1"), Fixtures.registerNode("n2")));
          all.addAll(l);
          return all;
        });
  }

  @Property(tries = 300)
  void desiredMapEntriesFromDeltasEqualThoseFromScratchInAWorldOfInterplayingSelections(
      @ForAll("selections") List<Command> commands, @ForAll @IntRange(min = 1, max = 8) int batch) {
    check(ReplayPropertiesTest.run(commands), batch);
  }

  @Property(tries = 150)
  void desiredMapEntriesFromDeltasEqualThoseFromScratch(@ForAll("steps") List<ModelCommands.Step> steps,
      @ForAll @IntRange(min = 1, max = 12) int batch) {
    check(ReplayPropertiesTest.run(ReplayPropertiesTest.withConfiguration(steps)), batch);
  }

  private static void check(ReplayPropertiesTest.Run run, int batch) {
    List<Event> events = run.events();

    PolicyTracker incremental = new PolicyTracker(NODE);
    Map<String, Desired> maps = new TreeMap<>();
    ClusterImage image = ClusterImage.EMPTY;
    for (int i = 0; i < events.size(); i += batch) {
      ClusterDelta delta = ClusterDelta.on(image);
      events.subList(i, Math.min(events.size(), i + batch)).forEach(delta::replay);
      image = delta.apply();
      for (String name : incremental.affected(delta)) {
        ClusterImage at = image;
        image.endpoints().get(name).filter(e -> e.getNode().equals(NODE)).ifPresentOrElse(
            e -> maps.put(name, Desired.of(incremental.resolve(at, e))), () -> maps.remove(name));
      }
    }

    PolicyTracker scratch = new PolicyTracker(NODE);
    scratch.reset(image);
    Map<String, Desired> expected = new TreeMap<>();
    for (Endpoint e : image.endpoints().onNode(NODE)) {
      expected.put(e.getName(), Desired.of(scratch.resolve(image, e)));
    }
    assertThat(image).isEqualTo(run.end().image());
    assertThat(maps).isEqualTo(expected);
  }
}
