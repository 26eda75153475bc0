package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.policy.PolicyNormalizer;
import io.nodus.state.policy.PolicyValidator;
import io.nodus.state.proto.DeletePolicy;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyDeleted;
import io.nodus.state.proto.PolicyUpserted;
import io.nodus.state.proto.UpsertPolicy;
import java.util.Optional;

/** Decides policy commands. */
final class PolicyCommands {
  private PolicyCommands() {}

  static Decision upsert(ClusterImage image, UpsertPolicy cmd) {
    Policy policy = cmd.getPolicy();
    PolicyValidator.validate(policy);
    Policy normalized = PolicyNormalizer.normalize(policy).toBuilder().clearRevision().build();
    Optional<Policy> existing = image.policies().get(normalized.getNamespace(), normalized.getName());
    if (existing.isPresent() && existing.get().toBuilder().clearRevision().build().equals(normalized)) {
      return Decision.nothing();
    }
    return Decision.accept(Event.newBuilder().setPolicyUpserted(PolicyUpserted.newBuilder().setPolicy(normalized)));
  }

  static Decision delete(ClusterImage image, DeletePolicy cmd) {
    if (image.policies().get(cmd.getNamespace(), cmd.getName()).isEmpty()) {
      String where = cmd.getNamespace().isEmpty() ? "cluster-wide" : "in namespace " + cmd.getNamespace();
      return Decision.reject(RejectionCodes.NOT_FOUND, "name", "no policy named " + cmd.getName() + " " + where);
    }
    return Decision.accept(Event.newBuilder().setPolicyDeleted(
        PolicyDeleted.newBuilder().setNamespace(cmd.getNamespace()).setName(cmd.getName())));
  }
}
