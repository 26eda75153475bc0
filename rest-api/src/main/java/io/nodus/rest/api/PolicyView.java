package io.nodus.rest.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.nodus.state.proto.Policy;

/**
 * A policy as the API lists and shows it.
 *
 * @param namespace namespace, empty for a cluster-wide policy
 * @param name policy name
 * @param kind kind of the original document
 * @param revision revision of its last change
 * @param rules number of rules
 * @param document the original document (only when one policy is shown)
 * @param format media type of the document
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyView(String namespace, String name, String kind, long revision, int rules, String document, String format) {
  public static PolicyView summary(Policy p) {
    return new PolicyView(p.getNamespace(), p.getName(), p.getKind(), p.getRevision(), p.getRulesCount(), null, null);
  }

  public static PolicyView full(Policy p) {
    return new PolicyView(p.getNamespace(), p.getName(), p.getKind(), p.getRevision(), p.getRulesCount(),
        p.getOriginalDocument(), p.getOriginalFormat());
  }
}
