package io.nodus.agent.datapath;

import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMapContents;
import io.nodus.bpf.maps.PolicyMapRule;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.policy.Entities;
import io.nodus.state.policy.LabelSelectors;
import io.nodus.state.policy.PolicyEntry;
import io.nodus.state.policy.PolicyResolver;
import io.nodus.state.policy.SelectorCache;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Entity;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Decides which local endpoints a batch of changes can affect, and resolves their policies into
 * policy map contents. It remembers, per local endpoint, which policies select it, and per policy,
 * the peer selectors its rules use, so that:
 *
 * <ul>
 *   <li>a policy change affects the endpoints it selected before or selects now;</li>
 *   <li>an identity that comes or goes affects the endpoints selected by a policy with a peer
 *       that could select it: an endpoint or entity selector matching the identity's labels (a
 *       fromRequires only narrows such a selector, so the plain selector is a safe test), or, for
 *       a CIDR identity, any CIDR rule;</li>
 *   <li>an endpoint that is created, made ready or deleted affects itself.</li>
 * </ul>
 * Everything else keeps its last resolution, so one policy change on a node of 1,000 endpoints
 * resolves the endpoints it selects and nothing more. Resolution itself goes through one
 * {@link SelectorCache} kept in step with the identities, so a peer selector costs a lookup, not a
 * scan of every identity.
 *
 * <p>Threading: owned by the agent's reconciler thread.
 */
public final class PolicyTracker {
  private final String node;
  /** Local endpoint name to the keys of the policies that select it. */
  private final Map<String, Set<String>> selectedBy = new HashMap<>();
  /** Local endpoint name to its labels, as last seen. */
  private final Map<String, LabelSet> labels = new HashMap<>();
  /** Policy key to the peers of its rules. */
  private final Map<String, Peers> peers = new HashMap<>();
  private SelectorCache cache = new SelectorCache();
  private int deletionsSinceCache;
  private long resolutions;

  /** What a policy's rules can select as peers: label selectors, and whether any CIDR rule. */
  private record Peers(List<EndpointSelector> selectors, boolean cidr) {
    boolean couldSelect(Identity i) {
      return (cidr && ReservedIdentity.isLocalScope(i.getId()))
          || selectors.stream().anyMatch(s -> LabelSelectors.matches(s, i.getLabels()));
    }
  }

  public PolicyTracker(String node) {
    this.node = node;
  }

  /** Names of the local endpoints whose policy must be resolved again after {@code changes}. */
  public Set<String> affected(ClusterImage after, ChangeSet changes) {
    if (changes.full()) {
      return reset(after);
    }
    Set<String> out = new TreeSet<>();
    for (String name : changes.endpoints()) {
      Optional<Endpoint> e = after.endpoints().get(name);
      if (e.isPresent() && e.get().getNode().equals(node)) {
        track(after, e.get());
        out.add(name);
      } else if (selectedBy.remove(name) != null) {
        labels.remove(name);
        out.add(name);
      }
    }
    for (Map.Entry<String, Optional<Policy>> c : changes.policies().entrySet()) {
      String key = c.getKey();
      Optional<Policy> now = policy(after, key);
      if (now.isPresent()) {
        peers.put(key, peersOf(now.get(), after.config().getClusterName()));
      } else {
        peers.remove(key);
        deletionsSinceCache++;
      }
      for (Map.Entry<String, Set<String>> ep : selectedBy.entrySet()) {
        if (now.isPresent() && selects(now.get(), labels.get(ep.getKey()))) {
          ep.getValue().add(key);
          out.add(ep.getKey());
        } else if (ep.getValue().remove(key)) {
          out.add(ep.getKey()); // selected by the version before
        }
      }
    }
    List<Identity> identities = new ArrayList<>(changes.identitiesAdded().values());
    identities.addAll(changes.identitiesRemoved().values());
    changes.identitiesRemoved().keySet().forEach(cache::remove);
    changes.identitiesAdded().values().forEach(cache::add);
    if (deletionsSinceCache > 256) {
      // Selections of deleted policies' selectors linger in the cache: start it afresh now and then.
      cache = SelectorCache.of(after.identities());
      deletionsSinceCache = 0;
    }
    if (!identities.isEmpty()) {
      Set<String> touched = new HashSet<>();
      for (Map.Entry<String, Peers> p : peers.entrySet()) {
        if (identities.stream().anyMatch(i -> p.getValue().couldSelect(i))) {
          touched.add(p.getKey());
        }
      }
      for (Map.Entry<String, Set<String>> ep : selectedBy.entrySet()) {
        if (ep.getValue().stream().anyMatch(touched::contains)) {
          out.add(ep.getKey());
        }
      }
    }
    return out;
  }

  /** Forgets everything and indexes {@code image} afresh; returns every local endpoint. */
  public Set<String> reset(ClusterImage image) {
    selectedBy.clear();
    labels.clear();
    peers.clear();
    cache = SelectorCache.of(image.identities());
    deletionsSinceCache = 0;
    for (Policy p : image.policies().all()) {
      peers.put(PoliciesImage.key(p.getNamespace(), p.getName()), peersOf(p, image.config().getClusterName()));
    }
    Set<String> out = new TreeSet<>();
    for (Endpoint e : image.endpoints().onNode(node)) {
      track(image, e);
      out.add(e.getName());
    }
    return out;
  }

  /** The resolved policy of a local endpoint under {@code image}. */
  public EndpointPolicy resolve(ClusterImage image, Endpoint endpoint) {
    resolutions++;
    return PolicyResolver.resolve(image, endpoint.getLabels(), cache);
  }

  /** How many endpoint resolutions this tracker has done (a metric). */
  public long resolutions() {
    return resolutions;
  }

  /** Keys of the policies that select a local endpoint. */
  public Set<String> selecting(String endpoint) {
    return Set.copyOf(selectedBy.getOrDefault(endpoint, Set.of()));
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

  private void track(ClusterImage image, Endpoint e) {
    labels.put(e.getName(), e.getLabels());
    Set<String> keys = new HashSet<>();
    for (Policy p : image.policies().all()) {
      if (selects(p, e.getLabels())) {
        keys.add(PoliciesImage.key(p.getNamespace(), p.getName()));
      }
    }
    selectedBy.put(e.getName(), keys);
  }

  private static Optional<Policy> policy(ClusterImage image, String key) {
    int slash = key.indexOf('/');
    return image.policies().get(key.substring(0, slash), key.substring(slash + 1));
  }

  /** Over-approximates: a rule without an endpoint selector (a host rule) counts as selecting. */
  private static boolean selects(Policy p, LabelSet endpointLabels) {
    for (PolicyRule rule : p.getRulesList()) {
      if (!rule.hasEndpointSelector() || LabelSelectors.matches(rule.getEndpointSelector(), endpointLabels)) {
        return true;
      }
    }
    return false;
  }

  private static Peers peersOf(Policy p, String clusterName) {
    List<EndpointSelector> selectors = new ArrayList<>();
    boolean cidr = false;
    for (PolicyRule rule : p.getRulesList()) {
      for (List<PeerRule> list : List.of(rule.getIngressList(), rule.getEgressList(), rule.getIngressDenyList(),
          rule.getEgressDenyList())) {
        for (PeerRule peer : list) {
          selectors.addAll(peer.getEndpointsList());
          for (Entity e : peer.getEntitiesList()) {
            selectors.addAll(Entities.selectors(e, clusterName));
          }
          cidr |= peer.getCidrsCount() > 0 || peer.getCidrSetCount() > 0;
        }
      }
    }
    return new Peers(List.copyOf(selectors), cidr);
  }
}
