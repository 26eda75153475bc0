package io.nodus.agent.monitor;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Identity;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable lookup from identity numbers to labels and from endpoint ids to names, built from
 * one image. The reconciler publishes a new one when the image changes; event readers on other
 * threads only read the published instance.
 */
public final class IdentityDirectory {
  public static final IdentityDirectory EMPTY = new IdentityDirectory(Map.of(), Map.of());

  private final Map<Integer, List<String>> labels;
  private final Map<Integer, String> endpoints;

  private IdentityDirectory(Map<Integer, List<String>> labels, Map<Integer, String> endpoints) {
    this.labels = labels;
    this.endpoints = endpoints;
  }

  public static IdentityDirectory of(ClusterImage image) {
    Map<Integer, List<String>> labels = new HashMap<>();
    for (Identity i : image.identities().byId().values()) {
      labels.put(i.getId(), i.getLabels().getLabelsList().stream().map(Labels::format).toList());
    }
    Map<Integer, String> endpoints = new HashMap<>();
    for (Endpoint e : image.endpoints().byName().values()) {
      endpoints.put(e.getId(), e.getName());
    }
    return new IdentityDirectory(Map.copyOf(labels), Map.copyOf(endpoints));
  }

  /** A directory of the given labels and endpoint names (for tests of the records built from it). */
  static IdentityDirectory ofForTest(Map<Integer, List<String>> labels, Map<Integer, String> endpoints) {
    return new IdentityDirectory(Map.copyOf(labels), Map.copyOf(endpoints));
  }

  /** Labels of an identity; identity 0 and unknown identities have none. */
  public List<String> labels(int identity) {
    return labels.getOrDefault(identity, List.of());
  }

  public String endpointName(int endpointId) {
    return endpoints.getOrDefault(endpointId, "#" + endpointId);
  }
}
