package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Label display helpers for tables. */
final class Labels {
  private Labels() {}

  /** The labels of a JSON array joined by commas, without the ones Nodus adds to every endpoint. */
  static String userLabels(JsonNode labels) {
    List<String> out = new ArrayList<>();
    for (JsonNode l : labels) {
      String s = l.asText();
      if (!s.startsWith("k8s:io.cilium.k8s.policy.cluster=") && !s.startsWith("k8s:io.kubernetes.pod.namespace=")) {
        out.add(s);
      }
    }
    return String.join(",", out);
  }

  static String all(JsonNode labels) {
    List<String> out = new ArrayList<>();
    labels.forEach(l -> out.add(l.asText()));
    return String.join(",", out);
  }
}
