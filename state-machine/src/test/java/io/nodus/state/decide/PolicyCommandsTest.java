package io.nodus.state.decide;

import static io.nodus.state.policy.PolicyFixtures.cidrSet;
import static io.nodus.state.policy.PolicyFixtures.cidrs;
import static io.nodus.state.policy.PolicyFixtures.cnp;
import static io.nodus.state.policy.PolicyFixtures.delete;
import static io.nodus.state.policy.PolicyFixtures.rule;
import static io.nodus.state.policy.PolicyFixtures.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.CommandApplier;
import io.nodus.state.Fixtures.Driver;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.evolve.Evolver;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.policy.CidrIdentities;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.UpsertPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Policy upserts and deletes, and the lifecycle of the CIDR identities they need. */
class PolicyCommandsTest {
  private Driver d;

  @BeforeEach
  void setUp() {
    d = new Driver();
  }

  private static Policy egressTo(String name, String... prefixes) {
    return cnp(name, "default", rule("app=client").addEgress(cidrs(prefixes)));
  }

  private Optional<Integer> cidrIdentity(String prefix) {
    return d.image().identities().idOf(CidrIdentities.labels(Cidr.parse(prefix, "")));
  }

  @Test
  void allocatesLocalScopeIdentitiesForNewPrefixesBeforeThePolicy() {
    CommandResult r = d.apply(upsert(cnp("p", "default", rule("app=client")
        .addEgress(cidrSet("10.0.0.0/8", "10.96.0.0/12")).addEgress(cidrs("20.1.1.1", "0.0.0.0/0", "2001:db8::/64")))));
    List<Event> events = r.getAccepted().getEventsList();
    assertThat(events).extracting(e -> e.getBodyCase().name())
        .containsExactly("IDENTITY_ALLOCATED", "IDENTITY_ALLOCATED", "IDENTITY_ALLOCATED", "POLICY_UPSERTED");
    for (Event e : events.subList(0, 3)) {
      Identity id = e.getIdentityAllocated().getIdentity();
      assertThat(ReservedIdentity.isLocalScope(id.getId())).isTrue();
      assertThat(CidrIdentities.prefixOf(id)).isPresent();
      assertThat(id.getLabels().getLabelsList()).extracting(l -> l.getSource() + ":" + l.getKey())
          .contains("reserved:world");
    }
    assertThat(cidrIdentity("10.0.0.0/8")).isPresent();
    assertThat(cidrIdentity("10.96.0.0/12")).isPresent();
    assertThat(cidrIdentity("20.1.1.1/32")).isPresent();
    // /0 is world, and IPv6 prefixes are not enforced: neither gets an identity.
    assertThat(d.image().identities().byId().values()).filteredOn(i -> ReservedIdentity.isLocalScope(i.getId())).hasSize(3);
    assertThat(d.image().policies().get("default", "p").orElseThrow().getRules(0).getEgress(1).getCidrsList())
        .containsExactly("20.1.1.1/32", "0.0.0.0/0", "2001:db8::/64");
  }

  @Test
  void repeatingAnUpsertChangesNothing() {
    Policy p = egressTo("p", "192.0.2.0/24");
    long first = d.apply(upsert(p)).getAccepted().getRevision();
    CommandResult again = d.apply(upsert(p));
    assertThat(again.getAccepted().getEventsCount()).isZero();
    assertThat(again.getAccepted().getRevision()).isEqualTo(first);
    // The same prefix written differently normalizes to the same policy.
    assertThat(d.apply(upsert(egressTo("p", "192.0.2.0/24"))).getAccepted().getEventsCount()).isZero();
  }

  @Test
  void aPrefixSharedByTwoPoliciesIsReleasedWithTheLastOne() {
    d.apply(upsert(egressTo("a", "192.0.2.0/24", "198.51.100.7")));
    d.apply(upsert(egressTo("b", "192.0.2.0/24")));
    int shared = cidrIdentity("192.0.2.0/24").orElseThrow();
    int own = cidrIdentity("198.51.100.7/32").orElseThrow();

    List<Event> deleteA = d.apply(delete("default", "a")).getAccepted().getEventsList();
    assertThat(deleteA).extracting(e -> e.getBodyCase().name()).containsExactly("POLICY_DELETED", "IDENTITY_RELEASED");
    assertThat(deleteA.get(1).getIdentityReleased().getId()).isEqualTo(own);
    assertThat(cidrIdentity("192.0.2.0/24")).contains(shared);

    List<Event> deleteB = d.apply(delete("default", "b")).getAccepted().getEventsList();
    assertThat(deleteB).extracting(e -> e.getBodyCase().name()).containsExactly("POLICY_DELETED", "IDENTITY_RELEASED");
    assertThat(cidrIdentity("192.0.2.0/24")).isEmpty();
    assertThat(d.image().identities().quarantine().containsKey(shared)).isTrue();
  }

  @Test
  void anUpsertThatDropsAPrefixReleasesItAfterThePolicy() {
    d.apply(upsert(egressTo("p", "192.0.2.0/24")));
    int old = cidrIdentity("192.0.2.0/24").orElseThrow();
    List<Event> events = d.apply(upsert(egressTo("p", "203.0.113.0/24"))).getAccepted().getEventsList();
    assertThat(events).extracting(e -> e.getBodyCase().name()).containsExactly("IDENTITY_ALLOCATED", "POLICY_UPSERTED", "IDENTITY_RELEASED");
    assertThat(events.get(2).getIdentityReleased().getId()).isEqualTo(old);
    assertThat(events.get(0).getIdentityAllocated().getIdentity().getId()).isNotEqualTo(old);
  }

  @Test
  void aReleasedNumberStaysInQuarantineUntilItsWindowEnds() {
    d.apply(upsert(egressTo("p", "192.0.2.0/24")));
    int released = cidrIdentity("192.0.2.0/24").orElseThrow();
    d.apply(delete("default", "p"));
    long releasedAt = d.image().identities().quarantine().getOrNull(released);
    // Point the local-scope cursor back at the released number, as after a wrap-around.
    ClusterImage image = d.image().withIdentities(d.image().identities().withCursors(d.image().identities().nextId(),
        released & ReservedIdentity.MAX_LOCAL));
    UpsertPolicy cmd = UpsertPolicy.newBuilder().setPolicy(egressTo("q", "203.0.113.0/24")).build();
    long window = image.identityQuarantineMillis();

    Decision during = PolicyCommands.upsert(image, cmd, new ApplyContext(99, releasedAt + window - 1));
    assertThat(allocatedIds(during)).containsExactly(released + 1);
    Decision after = PolicyCommands.upsert(image, cmd, new ApplyContext(99, releasedAt + window));
    assertThat(allocatedIds(after)).containsExactly(released);
    // Without leader time nothing leaves quarantine early.
    assertThat(allocatedIds(PolicyCommands.upsert(image, cmd))).containsExactly(released + 1);
  }

  private static List<Integer> allocatedIds(Decision decision) {
    return ((Decision.Accepted) decision).events().stream().filter(Event::hasIdentityAllocated)
        .map(e -> e.getIdentityAllocated().getIdentity().getId()).toList();
  }

  @Test
  void anInvalidPolicyIsRejectedNamingTheFieldAndAllocatesNothing() {
    d.apply(upsert(egressTo("ok", "192.0.2.0/24")));
    long before = d.image().revision();
    int identities = d.image().identities().size();
    CommandResult r = d.apply(upsert(cnp("bad", "default", rule("app=client")
        .addEgress(cidrs("203.0.113.0/24")).addEgress(cidrSet("10.0.0.0/8", "11.0.0.0/16")))));
    assertThat(r.getRejection().getCode()).isEqualTo("invalid_argument");
    assertThat(r.getRejection().getField()).isEqualTo("rules[0].egress[1].toCIDRSet[0].except[0]");
    assertThat(r.getRejection().getRevision()).isEqualTo(before);
    assertThat(d.image().revision()).isEqualTo(before);
    assertThat(d.image().identities().size()).isEqualTo(identities);
    CommandResult hostBits = d.apply(upsert(egressTo("bad", "203.0.113.1/24")));
    assertThat(hostBits.getRejection().getField()).isEqualTo("rules[0].egress[0].toCIDR[0]");
    assertThat(hostBits.getRejection().getMessage()).contains("host bits").contains("203.0.113.0/24");
  }

  @Test
  void deletingAMissingPolicyIsNotFound() {
    CommandResult r = d.apply(delete("default", "ghost"));
    assertThat(r.getRejection().getCode()).isEqualTo("not_found");
  }

  private static Command upsertIf(Policy p, long expectedRevision) {
    Command c = upsert(p);
    return c.toBuilder().setUpsertPolicy(c.getUpsertPolicy().toBuilder().setExpectedRevision(expectedRevision)).build();
  }

  private static Command deleteIf(String namespace, String name, long expectedRevision) {
    Command c = delete(namespace, name);
    return c.toBuilder().setDeletePolicy(c.getDeletePolicy().toBuilder().setExpectedRevision(expectedRevision)).build();
  }

  @Test
  void compareAndSetAppliesOnlyAtTheExpectedRevision() {
    // 0: only if absent.
    long created = d.apply(upsertIf(egressTo("cas", "10.0.0.0/8"), 0)).getAccepted().getRevision();
    CommandResult again = d.apply(upsertIf(egressTo("cas", "10.0.0.0/8", "192.0.2.0/24"), 0));
    assertThat(again.getRejection().getCode()).isEqualTo("failed_precondition");
    assertThat(again.getRejection().getField()).isEqualTo("expectedRevision");
    assertThat(again.getRejection().getMessage()).contains("is at revision " + created);

    long before = d.image().revision();
    CommandResult stale = d.apply(upsertIf(egressTo("cas", "10.0.0.0/8", "192.0.2.0/24"), created - 1));
    assertThat(stale.getRejection().getCode()).isEqualTo("failed_precondition");
    assertThat(d.image().revision()).isEqualTo(before);
    assertThat(cidrIdentity("192.0.2.0/24")).isEmpty();

    long updated = d.apply(upsertIf(egressTo("cas", "10.0.0.0/8", "192.0.2.0/24"), created)).getAccepted().getRevision();
    assertThat(d.image().policies().get("default", "cas").orElseThrow().getRevision()).isEqualTo(updated);
    assertThat(d.image().policies().stored("default", "cas").orElseThrow().revision()).isEqualTo(updated);

    CommandResult staleDelete = d.apply(deleteIf("default", "cas", created));
    assertThat(staleDelete.getRejection().getField()).isEqualTo("expectedRevision");
    assertThat(d.image().policies().get("default", "cas")).isPresent();
    assertThat(d.apply(deleteIf("default", "cas", updated)).hasAccepted()).isTrue();
    assertThat(d.image().policies().get("default", "cas")).isEmpty();

    CommandResult missing = d.apply(upsertIf(egressTo("cas", "10.0.0.0/8"), updated));
    assertThat(missing.getRejection().getMessage()).contains("does not exist");
  }

  @Test
  void anUnchangedUpsertAtTheExpectedRevisionChangesNothing() {
    long created = d.apply(upsert(egressTo("same", "10.0.0.0/8"))).getAccepted().getRevision();
    long before = d.image().revision();
    CommandResult r = d.apply(upsertIf(egressTo("same", "10.0.0.0/8"), created));
    assertThat(r.hasAccepted()).isTrue();
    assertThat(d.image().revision()).isEqualTo(before);
  }

  private static final String[] PREFIXES = {"10.0.0.0/8", "10.1.0.0/16", "192.0.2.0/24", "192.0.2.7", "2001:db8::/64", "0.0.0.0/0"};

  @Provide
  Arbitrary<List<Command>> policyRuns() {
    Arbitrary<String> names = Arbitraries.of("a", "b", "c");
    Arbitrary<Command> upsert = Combinators.combine(names, Arbitraries.of(PREFIXES).list().ofMaxSize(3))
        .as((n, ps) -> upsert(egressTo(n, ps.toArray(String[]::new))));
    Arbitrary<Command> delete = names.map(n -> delete("default", n));
    return Arbitraries.oneOf(upsert, upsert, delete).list().ofMaxSize(30);
  }

  @Property(tries = 200)
  void everyReferencedPrefixHasExactlyOneIdentityAndReplayRebuildsTheImage(@ForAll("policyRuns") List<Command> run) {
    ClusterImage image = ClusterImage.EMPTY;
    List<Event> events = new ArrayList<>();
    long index = 0;
    for (Command c : run) {
      CommandApplier.Applied a = CommandApplier.apply(image,
          LoggedCommand.newBuilder().setCommand(c).setLeaderTimeMillis(1_000 * index).build(), ++index);
      image = a.image();
      events.addAll(a.events());
      Set<Cidr> referenced = new TreeSet<>();
      image.policies().all().forEach(p -> referenced.addAll(CidrIdentities.referenced(p).keySet()));
      Set<Cidr> held = new TreeSet<>();
      for (Identity i : image.identities().byId().values()) {
        CidrIdentities.prefixOf(i).ifPresent(p -> assertThat(held.add(p)).as("prefix with two identities").isTrue());
      }
      assertThat(held).isEqualTo(referenced);
    }
    ClusterImage replayed = ClusterImage.EMPTY;
    for (Event e : events) {
      replayed = Evolver.evolve(replayed, e);
    }
    assertThat(replayed).isEqualTo(image);
    assertThat(ImageCodec.stateHash(ImageCodec.fromState(ImageCodec.toState(image)))).isEqualTo(ImageCodec.stateHash(image));
  }
}
