package io.nodus.state.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.image.IdentitiesImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.Labels;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.LabelSelectorRequirement.Operator;
import io.nodus.state.proto.LabelSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class SelectorCacheTest {
  private static final String[] SOURCES = {"k8s", "docker", "reserved"};
  private static final String[] KEYS = {"app", "tier", "env"};
  private static final String[] VALUES = {"a", "b", ""};

  /** One step of a run: add (or relabel) an identity, remove one, or start using a selector. */
  sealed interface Op permits Add, Remove, Use {}

  record Add(int id, LabelSet labels) implements Op {}

  record Remove(int id) implements Op {}

  record Use(EndpointSelector selector) implements Op {}

  @Provide
  Arbitrary<List<Op>> runs() {
    Arbitrary<Integer> ids = Arbitraries.integers().between(256, 270);
    Arbitrary<Label> label = Combinators.combine(Arbitraries.of(SOURCES), Arbitraries.of(KEYS), Arbitraries.of(VALUES))
        .as(Labels::label);
    Arbitrary<LabelSet> labels = label.list().ofMaxSize(3).map(l -> {
      Map<String, Label> unique = new TreeMap<>();
      l.forEach(x -> unique.put(x.getSource() + ":" + x.getKey(), x));
      return Labels.canonical(unique.values(), "labels");
    });
    Arbitrary<LabelSelectorRequirement> req = Combinators.combine(Arbitraries.of("any", "k8s", "reserved"), Arbitraries.of(KEYS),
        Arbitraries.of(Operator.IN, Operator.NOT_IN, Operator.EXISTS, Operator.DOES_NOT_EXIST), Arbitraries.of(VALUES).set().ofMinSize(1).ofMaxSize(2))
        .as((s, k, op, vs) -> {
          LabelSelectorRequirement.Builder b = LabelSelectorRequirement.newBuilder().setSource(s).setKey(k).setOperator(op);
          if (op == Operator.IN || op == Operator.NOT_IN) {
            b.addAllValues(vs);
          }
          return b.build();
        });
    Arbitrary<Label> want = Combinators.combine(Arbitraries.of("any", "k8s", "docker"), Arbitraries.of(KEYS), Arbitraries.of(VALUES))
        .as(Labels::label);
    Arbitrary<EndpointSelector> selector = Combinators.combine(want.list().ofMaxSize(2), req.list().ofMaxSize(2))
        .as((ls, rs) -> EndpointSelector.newBuilder().addAllMatchLabels(ls).addAllMatchExpressions(rs).build());
    Arbitrary<Op> op = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Combinators.combine(ids, labels).as(Add::new)),
        net.jqwik.api.Tuple.of(2, ids.map(Remove::new)),
        net.jqwik.api.Tuple.of(3, selector.map(Use::new)));
    return op.list().ofMaxSize(60);
  }

  @Property(tries = 300)
  void theIncrementalCacheAlwaysEqualsAFromScratchResolution(@ForAll("runs") List<Op> run) {
    SelectorCache cache = new SelectorCache();
    Map<Integer, LabelSet> truth = new TreeMap<>();
    List<EndpointSelector> used = new ArrayList<>();
    for (Op op : run) {
      switch (op) {
        case Add a -> {
          Set<EndpointSelector> changed = cache.add(Identity.newBuilder().setId(a.id()).setLabels(a.labels()).build());
          LabelSet before = truth.put(a.id(), a.labels());
          // Only selectors whose answer for this identity flipped may be reported, and all of them are.
          for (EndpointSelector s : used) {
            boolean was = before != null && LabelSelectors.matches(s, before);
            boolean is = LabelSelectors.matches(s, a.labels());
            if (was != is) {
              assertThat(changed).contains(LabelSelectors.canonical(s));
            }
          }
        }
        case Remove r -> {
          cache.remove(r.id());
          truth.remove(r.id());
        }
        case Use u -> used.add(u.selector());
      }
      for (EndpointSelector s : used) {
        assertThat(cache.select(s)).as("selector %s", s).isEqualTo(fromScratch(s, truth));
      }
    }
  }

  private static Set<Integer> fromScratch(EndpointSelector s, Map<Integer, LabelSet> identities) {
    Set<Integer> out = new TreeSet<>();
    identities.forEach((id, labels) -> {
      if (LabelSelectors.matches(s, labels)) {
        out.add(id);
      }
    });
    return out;
  }

  @Test
  void reorderedSelectorsShareOneCachedSelection() {
    SelectorCache cache = SelectorCache.of(IdentitiesImage.EMPTY);
    EndpointSelector ab = EndpointSelector.newBuilder().addMatchLabels(Labels.label("any", "a", "1")).addMatchLabels(Labels.label("any", "b", "2")).build();
    EndpointSelector ba = EndpointSelector.newBuilder().addMatchLabels(Labels.label("any", "b", "2")).addMatchLabels(Labels.label("any", "a", "1")).build();
    cache.select(ab);
    cache.select(ba);
    assertThat(cache.selectorCount()).isEqualTo(1);
  }

  @Test
  void reservedIdentitiesAreSelectedByTheirLabels() {
    SelectorCache cache = SelectorCache.of(IdentitiesImage.EMPTY);
    EndpointSelector world = EndpointSelector.newBuilder().addMatchLabels(Labels.label("reserved", "world", "")).build();
    assertThat(cache.select(world)).containsExactly(ReservedIdentity.WORLD.id());
  }

  @Test
  void cidrLookupsFindPrefixesInsideAndSkipExceptions() {
    SelectorCache cache = new SelectorCache();
    int n = 0;
    for (String p : List.of("10.0.0.0/8", "10.96.0.0/12", "10.96.1.0/24", "10.128.0.0/9", "11.0.0.0/8", "9.255.255.255/32")) {
      cache.add(Identity.newBuilder().setId(ReservedIdentity.LOCAL_SCOPE | ++n).setLabels(CidrIdentities.labels(Cidr.parse(p, ""))).build());
    }
    IpPrefix ten = IpPrefix.parse("10.0.0.0/8", "", false);
    assertThat(cache.selectCidr(ten, List.of())).containsExactly(ReservedIdentity.LOCAL_SCOPE | 1, ReservedIdentity.LOCAL_SCOPE | 2,
        ReservedIdentity.LOCAL_SCOPE | 3, ReservedIdentity.LOCAL_SCOPE | 4);
    assertThat(cache.selectCidr(ten, List.of(IpPrefix.parse("10.96.0.0/12", "", false))))
        .containsExactly(ReservedIdentity.LOCAL_SCOPE | 1, ReservedIdentity.LOCAL_SCOPE | 4);
    assertThat(cache.selectCidr(IpPrefix.parse("0.0.0.0/0", "", false), List.of())).contains(ReservedIdentity.WORLD.id()).hasSize(7);
    assertThat(cache.selectCidr(IpPrefix.parse("2001:db8::/32", "", false), List.of())).isEmpty();
    cache.remove(ReservedIdentity.LOCAL_SCOPE | 4);
    assertThat(cache.selectCidr(ten, List.of())).doesNotContain(ReservedIdentity.LOCAL_SCOPE | 4);
  }

  @Test
  void aSelectorNoOwnerHoldsAnyMoreIsForgotten() {
    SelectorCache cache = SelectorCache.of(IdentitiesImage.EMPTY);
    EndpointSelector host = EndpointSelector.newBuilder().addMatchLabels(Labels.label("reserved", "host", "")).build();
    EndpointSelector world = EndpointSelector.newBuilder().addMatchLabels(Labels.label("reserved", "world", "")).build();
    cache.hold("a", Set.of(host, world), false);
    cache.hold("b", Set.of(world), true);
    assertThat(cache.selectorCount()).isEqualTo(2);

    cache.hold("a", Set.of(host), false);
    assertThat(cache.selectorCount()).as("b still holds world").isEqualTo(2);
    cache.release("b");

    assertThat(cache.selectorCount()).isEqualTo(1);
    assertThat(cache.cidrOwners()).isEmpty();
    assertThat(cache.add(Identity.newBuilder().setId(300).setLabels(ReservedIdentity.WORLD.labels()).build())).isEmpty();
    assertThat(cache.select(host)).containsExactly(1);
  }

  @Test
  void theOwnersOfTheSelectorsAnIdentityMovesAreTheOnesItConcerns() {
    SelectorCache cache = new SelectorCache();
    EndpointSelector web = EndpointSelector.newBuilder().addMatchLabels(Labels.label("k8s", "app", "web")).build();
    EndpointSelector db = EndpointSelector.newBuilder().addMatchLabels(Labels.label("k8s", "app", "db")).build();
    cache.hold("client", Set.of(web), false);
    cache.hold("backup", Set.of(db), true);

    Identity newWeb = Identity.newBuilder().setId(400).setLabels(io.nodus.state.proto.LabelSet.newBuilder()
        .addLabels(Labels.label("k8s", "app", "web"))).build();
    assertThat(cache.ownersOf(cache.add(newWeb))).containsExactly("client");
    assertThat(cache.ownersOf(cache.remove(400))).containsExactly("client");
    assertThat(cache.cidrOwners()).containsExactly("backup");
  }
}
