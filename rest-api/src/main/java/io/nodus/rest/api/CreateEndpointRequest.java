package io.nodus.rest.api;

import io.nodus.state.model.InvalidFieldException;
import java.util.Map;

/**
 * POST /v1/endpoints.
 *
 * @param name endpoint name (DNS label); also the name of its network namespace
 * @param node node to create it on
 * @param namespace policy namespace, "default" when absent
 * @param labels label key (optionally {@code source:key}) to value
 */
public record CreateEndpointRequest(String name, String node, String namespace, Map<String, String> labels) {
  public CreateEndpointRequest {
    if (labels != null) {
      labels.forEach((k, v) -> {
        if (v == null) {
          throw InvalidFieldException.invalid("labels." + k, "must be a string, not null (use \"\" for an empty value)");
        }
      });
    }
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
