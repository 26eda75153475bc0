package io.nodus.agent.datapath;

import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMapContents;
import io.nodus.bpf.maps.PolicyMapRule;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.policy.PolicyEntry;
import io.nodus.state.policy.PolicyImpact;
import io.nodus.state.policy.PolicyResolver;
import io.nodus.state.policy.SelectorCache;
import io.nodus.state.proto.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Resolves the node's endpoints' policies into policy map contents, and asks the core which of
 * them a delta can affect ({@link PolicyImpact}): the endpoints a changed policy selected before
 * or selects now, those whose peers a coming or going identity moves (through the selectors each
 * endpoint's last resolution holds in the {@link SelectorCache}), and those created, made ready
 * or deleted. Everything else keeps its last resolution, so one policy change on a node of 1,000
 * endpoints resolves the endpoints it selects and nothing more. The selector cache holds exactly
 * the selectors the endpoints use (each resolution replaces its endpoint's holds), so it never
 * needs rebuilding.
 *
 * <p>Threading: owned by the agent's reconciler thread.
 */
public final class PolicyTracker {
  private final String node;
  /** Starts with the identities of the empty image (the reserved ones), where every chain of deltas starts. */
  private SelectorCache cache = SelectorCache.of(ClusterImage.EMPTY.identities());
  private long resolutions;

  public PolicyTracker(String node) {
    this.node = node;
  }

  /** Names of the node's endpoints whose policy must be resolved again after {@code delta}. */
  public Set<String> affected(ClusterDelta delta) {
    if (delta.snapshot()) {
      return reset(delta.apply());
    }
    return PolicyImpact.affected(delta, node, cache);
  }

  /** Forgets every resolution and starts from {@code image}; returns every endpoint of the node. */
  public Set<String> reset(ClusterImage image) {
    cache = SelectorCache.of(image.identities());
    Set<String> out = new TreeSet<>();
    for (Endpoint e : image.endpoints().onNode(node)) {
      out.add(e.getName());
    }
    return out;
  }

  /** The resolved policy of a local endpoint under {@code image}; the endpoint then holds the selectors it used. */
  public EndpointPolicy resolve(ClusterImage image, Endpoint endpoint) {
    resolutions++;
    return PolicyResolver.resolve(image, endpoint.getLabels(), cache, endpoint.getName());
  }

  /** How many endpoint resolutions this tracker has done (a metric). */
  public long resolutions() {
    return resolutions;
  }

  /** Selectors the cache holds for the node's endpoints (a metric, and the proof it does not grow). */
  public int selectors() {
    return cache.selectorCount();
  }

  /** The policy map contents of a resolved policy: ranges as prefixes, deny-consistent. */
  public static SortedMap<PolicyKey, PolicyValue> contents(EndpointPolicy policy) {
    List<PolicyMapRule> rules = new ArrayList<>(policy.entries().size());
    for (PolicyEntry e : policy.entries()) {
      TrafficDirection dir = e.direction() == PolicyEntry.Direction.INGRESS ? TrafficDirection.INGRESS : TrafficDirection.EGRESS;
      rules.add(new PolicyMapRule(e.identity(), dir, e.protocol(), e.port(), e.endPort(), e.deny()));
    }
    return PolicyMapContents.of(rules);
  }
}
