package io.nodus.ops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Incremental sync at scale, through real processes: 1,000 real endpoints (namespace, veth,
 * programs, maps each) on one agent, all selected by a base policy. Changing one policy that
 * selects one endpoint writes exactly that endpoint's changed entries (the map-writes metric),
 * resolves only that endpoint again, and leaves every other endpoint's map as it was.
 */
class Datapath1000EndpointsE2ETest {
  private static final int ENDPOINTS = 1000;
  private static final int TIERS = 10;

  private DatapathHarness h;

  @AfterEach
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void changingOnePolicyWritesOnlyItsEndpointsChangedEntries() throws Exception {
    h = DatapathHarness.start(21); // a /21 holds 2,045 endpoint addresses
    String prefix = "k" + h.id + "-";
    String tierKey = "tier-" + h.id;
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < ENDPOINTS; i++) {
      String name = prefix + i;
      names.add(name);
      h.createEndpoint(name, Map.of("app", name, tierKey, Integer.toString(i % TIERS)));
    }
    // Every endpoint: ingress from tier 0 (100 identities) on TCP 80, plus the host.
    long base = h.apply("""
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: base-%1$s
        spec:
          endpointSelector:
            matchExpressions:
            - key: %2$s
              operator: Exists
          ingress:
          - fromEndpoints:
            - matchLabels:
                %2$s: "0"
            toPorts:
            - ports:
              - port: "80"
                protocol: TCP
        """.formatted(h.id, tierKey));
    h.awaitReady(names, Duration.ofMinutes(5));
    String target = prefix + 17;
    long first = h.apply(onePolicy(target, tierKey, "443"));
    h.agentApi.awaitRevision(Math.max(base, first));
    h.agentApi.awaitRevision(h.rest.get("/v1/cluster").revision());

    Map<String, Integer> before = entries();
    assertThat(before).hasSize(ENDPOINTS);
    assertThat(before.get(prefix + 3)).isEqualTo(101);
    assertThat(before.get(target)).isEqualTo(101 + 100);
    double policyWrites = h.agentApi.metric("nodus_agent_map_writes_total{map=\"policy\"}");
    double endpointWrites = h.agentApi.metric("nodus_agent_map_writes_total{map=\"endpoints\"}");
    double resolutions = h.agentApi.metric("nodus_agent_policy_resolutions_total");

    // The change: the one policy now also allows tier 1 on 8443 into the one endpoint.
    long changed = h.apply(onePolicy(target, tierKey, "443,8443"));
    h.agentApi.awaitRevision(changed);

    assertThat(h.agentApi.metric("nodus_agent_map_writes_total{map=\"policy\"}") - policyWrites)
        .as("policy entries written: the target's 100 new entries, nothing else").isEqualTo(100);
    assertThat(h.agentApi.metric("nodus_agent_map_writes_total{map=\"endpoints\"}") - endpointWrites).isZero();
    assertThat(h.agentApi.metric("nodus_agent_policy_resolutions_total") - resolutions)
        .as("endpoints resolved again").isEqualTo(1);
    Map<String, Integer> after = entries();
    assertThat(after.get(target)).isEqualTo(before.get(target) + 100);
    after.remove(target);
    before.remove(target);
    assertThat(after).isEqualTo(before);
    assertThat(h.agentApi.metric("nodus_agent_propagation_seconds_count")).isPositive();
  }

  /** A policy selecting only {@code target}: tier 1 may reach it on the given TCP ports. */
  private String onePolicy(String target, String tierKey, String ports) {
    StringBuilder p = new StringBuilder();
    for (String port : ports.split(",")) {
      p.append("      - port: \"").append(port).append("\"\n        protocol: TCP\n");
    }
    return """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: one-%s
        spec:
          endpointSelector:
            matchLabels:
              app: %s
          ingress:
          - fromEndpoints:
            - matchLabels:
                %s: "1"
            toPorts:
            - ports:
        %s""".formatted(h.id, target, tierKey, p);
  }

  private Map<String, Integer> entries() throws Exception {
    Map<String, Integer> out = new HashMap<>();
    for (JsonNode e : h.agentApi.endpoints()) {
      if (e.path("name").asText().startsWith("k" + h.id + "-")) {
        assertThat(e.path("error").asText()).isEmpty();
        out.put(e.path("name").asText(), e.path("policyEntries").asInt());
      }
    }
    return out;
  }
}
