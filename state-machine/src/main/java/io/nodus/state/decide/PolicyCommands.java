package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.IdentitiesImage;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.image.StoredPolicy;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.policy.CidrIdentities;
import io.nodus.state.policy.PolicyNormalizer;
import io.nodus.state.policy.PolicyValidator;
import io.nodus.state.proto.DeletePolicy;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.IdentityAllocated;
import io.nodus.state.proto.IdentityReleased;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyDeleted;
import io.nodus.state.proto.PolicyUpserted;
import io.nodus.state.proto.UpsertPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides policy commands; owns the lifecycle of CIDR identities. An upsert that names an IPv4
 * prefix no identity stands for yet allocates a local-scope identity for it
 * ({@link IdentitiesImage#nextFreeLocal}, quarantine respected), emitted as IdentityAllocated
 * before PolicyUpserted, so no revision ever holds a policy whose prefix has no identity. An
 * upsert or delete that leaves a prefix referenced by no policy releases its identity after the
 * policy event (the Evolver puts the number in quarantine).
 */
final class PolicyCommands {
  /** Leader time for callers without an apply context: nothing leaves quarantine early. */
  private static final ApplyContext NO_CONTEXT = new ApplyContext(0, 0);

  private PolicyCommands() {}

  /** Decides an upsert without leader time: quarantined numbers are never reused. */
  static Decision upsert(ClusterImage image, UpsertPolicy cmd) {
    return upsert(image, cmd, NO_CONTEXT);
  }

  static Decision upsert(ClusterImage image, UpsertPolicy cmd, ApplyContext ctx) {
    Policy policy = cmd.getPolicy();
    PolicyValidator.validate(policy);
    Policy normalized = PolicyNormalizer.normalize(policy);
    Optional<StoredPolicy> existing = image.policies().stored(normalized.getNamespace(), normalized.getName());
    if (cmd.hasExpectedRevision() && revisionOf(existing) != cmd.getExpectedRevision()) {
      return conflict(existing, normalized.getNamespace(), normalized.getName(), cmd.getExpectedRevision());
    }
    if (existing.isPresent() && unchanged(existing.get(), normalized)) {
      return Decision.nothing();
    }
    List<Event> events = new ArrayList<>();
    IdentitiesImage ids = image.identities();
    Map<Cidr, String> referenced = CidrIdentities.referenced(normalized);
    for (Map.Entry<Cidr, String> ref : referenced.entrySet()) {
      LabelSet labels = CidrIdentities.labels(ref.getKey());
      if (ids.idOf(labels).isPresent()) {
        continue;
      }
      Optional<Integer> id = ids.nextFreeLocal(ctx.timeMillis(), image.identityQuarantineMillis());
      if (id.isEmpty()) {
        return Decision.reject(RejectionCodes.EXHAUSTED, ref.getValue(),
            "no local-scope identity is free for CIDR " + ref.getKey());
      }
      Identity identity = Identity.newBuilder().setId(id.get()).setLabels(labels).build();
      // Allocate on a scratch image so the next prefix of this command gets the next number.
      ids = ids.allocated(identity);
      events.add(Event.newBuilder().setIdentityAllocated(IdentityAllocated.newBuilder().setIdentity(identity)).build());
    }
    events.add(Event.newBuilder().setPolicyUpserted(PolicyUpserted.newBuilder().setPolicy(normalized)).build());
    Set<Cidr> dropped = new TreeSet<>(existing.map(StoredPolicy::prefixes).orElse(Set.of()));
    dropped.removeAll(referenced.keySet());
    events.addAll(releases(image, dropped, normalized.getNamespace(), normalized.getName()));
    return new Decision.Accepted(events);
  }

  /** The revision of a stored policy, 0 for none: what a compare-and-set compares. */
  private static long revisionOf(Optional<StoredPolicy> stored) {
    return stored.map(StoredPolicy::revision).orElse(0L);
  }

  /** A compare-and-set that found another revision than the one it expected. */
  private static Decision conflict(Optional<StoredPolicy> stored, String namespace, String name, long expected) {
    String found = stored.isEmpty() ? "does not exist" : "is at revision " + stored.get().revision();
    String wanted = expected == 0 ? "expected it not to exist" : "expected revision " + expected;
    return Decision.reject(RejectionCodes.FAILED_PRECONDITION, "expectedRevision",
        "policy " + describe(namespace, name) + " " + found + "; the command " + wanted);
  }

  private static String describe(String namespace, String name) {
    return name + " " + (namespace.isEmpty() ? "cluster-wide" : "in namespace " + namespace);
  }

  /**
   * Whether a stored policy equals a normalized one but for its revision. The documents are
   * compared first, by size and hash: nearly every change changes the document, and that answer
   * needs neither a parse of the stored policy nor a copy.
   */
  private static boolean unchanged(StoredPolicy stored, Policy normalized) {
    return stored.mayHaveDocumentOf(normalized)
        && stored.policy().toBuilder().clearRevision().build().equals(normalized);
  }

  static Decision delete(ClusterImage image, DeletePolicy cmd) {
    Optional<StoredPolicy> existing = image.policies().stored(cmd.getNamespace(), cmd.getName());
    if (existing.isEmpty()) {
      return Decision.reject(RejectionCodes.NOT_FOUND, "name", "no policy named " + describe(cmd.getNamespace(), cmd.getName()));
    }
    if (cmd.hasExpectedRevision() && revisionOf(existing) != cmd.getExpectedRevision()) {
      return conflict(existing, cmd.getNamespace(), cmd.getName(), cmd.getExpectedRevision());
    }
    List<Event> events = new ArrayList<>();
    events.add(Event.newBuilder().setPolicyDeleted(
        PolicyDeleted.newBuilder().setNamespace(cmd.getNamespace()).setName(cmd.getName())).build());
    events.addAll(releases(image, existing.get().prefixes(), cmd.getNamespace(), cmd.getName()));
    return new Decision.Accepted(events);
  }

  /**
   * IdentityReleased events for the prefixes in {@code candidates} that no policy other than
   * (namespace, name) references. Scans the other policies only when there is a candidate, so
   * upserts that drop no prefix stay cheap.
   */
  private static List<Event> releases(ClusterImage image, Set<Cidr> candidates, String namespace, String name) {
    if (candidates.isEmpty()) {
      return List.of();
    }
    Set<Cidr> unreferenced = new TreeSet<>(candidates);
    String self = PoliciesImage.key(namespace, name);
    for (Map.Entry<String, StoredPolicy> other : image.policies().byKey()) {
      if (other.getKey().equals(self)) {
        continue;
      }
      unreferenced.removeAll(other.getValue().prefixes());
      if (unreferenced.isEmpty()) {
        return List.of();
      }
    }
    List<Event> out = new ArrayList<>();
    for (Cidr c : unreferenced) {
      image.identities().idOf(CidrIdentities.labels(c)).ifPresent(id ->
          out.add(Event.newBuilder().setIdentityReleased(IdentityReleased.newBuilder().setId(id)).build()));
    }
    return out;
  }
}
