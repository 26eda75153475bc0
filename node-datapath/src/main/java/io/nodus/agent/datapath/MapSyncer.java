package io.nodus.agent.datapath;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.maps.EndpointInfo;
import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMap;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.policy.PolicyEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the pinned maps to a desired state by writing only what differs. Its first sync reads
 * what is pinned (an agent restart finds the maps of its previous run), removes what is stale and
 * adds what is missing; later syncs diff against the state it wrote last.
 *
 * <p>Order of writes, so that an allowed flow is never dropped while a change is in flight: policy
 * entries are added first, then endpoint entries (which switch enforcement on or off), then stale
 * policy entries are removed.
 *
 * <p>Threading: owned by the agent's reconciler thread; not thread-safe.
 */
public final class MapSyncer {
  private static final Logger LOG = LoggerFactory.getLogger(MapSyncer.class);

  private final Datapath datapath;
  private final Counter ipcacheWrites;
  private final Counter endpointWrites;
  private final Counter policyWrites;
  private Map<Ipv4Prefix, IpCacheEntry> ipcache;
  private Map<Integer, EndpointInfo> endpoints;
  private final Map<Integer, Map<PolicyKey, PolicyValue>> policies = new HashMap<>();
  private final Map<Integer, PolicyMap> policyMaps = new HashMap<>();

  public MapSyncer(Datapath datapath, MeterRegistry registry) {
    this.datapath = datapath;
    this.ipcacheWrites = writes(registry, "ipcache");
    this.endpointWrites = writes(registry, "endpoints");
    this.policyWrites = writes(registry, "policy");
  }

  private static Counter writes(MeterRegistry registry, String map) {
    return Counter.builder("nodus.agent.map.writes").description("BPF map entries written or deleted")
        .tag("map", map).register(registry);
  }

  /**
   * Where a local endpoint is plumbed: the ifindex of its host-side veth and the address it was
   * given (known before the log records it, for an endpoint still pending).
   *
   * @param ifindex host-side ifindex
   * @param ipv4 endpoint address
   */
  public record Attachment(int ifindex, String ipv4) {}

  /**
   * Syncs to {@code desired}. {@code attachments} says where every plumbed local endpoint is;
   * endpoints without one get no entries yet.
   */
  public void sync(DesiredDatapath desired, Map<String, Attachment> attachments) {
    syncIpcache(desired.ipcache());
    Map<Integer, EndpointInfo> wantedEndpoints = new HashMap<>();
    Map<Integer, Map<PolicyKey, PolicyValue>> wantedPolicies = new HashMap<>();
    for (DesiredDatapath.EndpointPlan plan : desired.endpoints().values()) {
      Attachment at = attachments.get(plan.endpoint().getName());
      if (at == null) {
        continue;
      }
      EndpointPolicy p = plan.policy();
      wantedEndpoints.put(at.ifindex(), new EndpointInfo(plan.endpoint().getId(), plan.endpoint().getIdentity(),
          Ipv4.parse(at.ipv4()), p.ingressEnforced(), p.egressEnforced()));
      wantedPolicies.put(plan.endpoint().getId(), policyEntries(p));
    }
    if (endpoints == null) {
      endpoints = new HashMap<>(datapath.endpoints().entries());
      for (int id : datapath.policies().endpointIds()) {
        PolicyMap m = datapath.policies().openOrCreate(id);
        policyMaps.put(id, m);
        policies.put(id, new HashMap<>(m.entries()));
      }
    }
    // 1. Add and change policy entries.
    List<Runnable> deletions = new ArrayList<>();
    for (Map.Entry<Integer, Map<PolicyKey, PolicyValue>> e : wantedPolicies.entrySet()) {
      int id = e.getKey();
      Map<PolicyKey, PolicyValue> have = policies.computeIfAbsent(id, k -> new HashMap<>());
      PolicyMap map = policyMaps.computeIfAbsent(id, k -> datapath.policies().openOrCreate(k));
      Map<PolicyKey, PolicyValue> puts = new HashMap<>();
      e.getValue().forEach((k, v) -> {
        if (!v.equals(have.get(k))) {
          puts.put(k, v);
        }
      });
      List<PolicyKey> stale = have.keySet().stream().filter(k -> !e.getValue().containsKey(k)).toList();
      if (!puts.isEmpty()) {
        policyWrites.increment(map.apply(puts, List.of()));
        have.putAll(puts);
      }
      if (!stale.isEmpty()) {
        deletions.add(() -> {
          policyWrites.increment(map.apply(Map.of(), stale));
          stale.forEach(have::remove);
        });
      }
    }
    // 2. Endpoint entries: enforcement flags flip only once the entries they need are in place.
    for (Map.Entry<Integer, EndpointInfo> e : wantedEndpoints.entrySet()) {
      if (!e.getValue().equals(endpoints.get(e.getKey()))) {
        datapath.endpoints().put(e.getKey(), e.getValue());
        endpoints.put(e.getKey(), e.getValue());
        endpointWrites.increment();
      }
    }
    for (Integer ifindex : new HashSet<>(endpoints.keySet())) {
      if (!wantedEndpoints.containsKey(ifindex)) {
        datapath.endpoints().delete(ifindex);
        endpoints.remove(ifindex);
        endpointWrites.increment();
      }
    }
    // 3. Remove stale policy entries, then the maps of endpoints that are gone.
    deletions.forEach(Runnable::run);
    for (Integer id : new HashSet<>(policyMaps.keySet())) {
      if (!wantedPolicies.containsKey(id)) {
        policyMaps.remove(id).close();
        policies.remove(id);
        datapath.policies().remove(id);
        LOG.info("removed policy map endpoint_id={}", id);
      }
    }
  }

  /** The policy map contents of an endpoint policy. */
  static Map<PolicyKey, PolicyValue> policyEntries(EndpointPolicy p) {
    Map<PolicyKey, PolicyValue> out = new HashMap<>();
    for (PolicyEntry e : p.entries()) {
      TrafficDirection dir = e.direction() == PolicyEntry.Direction.INGRESS ? TrafficDirection.INGRESS : TrafficDirection.EGRESS;
      // The map holds exact ports: a range becomes one key per port.
      for (int port = e.port(); port <= e.endPort(); port++) {
        PolicyKey key = new PolicyKey(e.identity(), port, e.protocol(), dir);
        // Deny beats allow for the same key, as it does in the datapath across keys.
        if (e.deny() || !out.containsKey(key)) {
          out.put(key, e.deny() ? PolicyValue.DENY : PolicyValue.ALLOW);
        }
      }
    }
    return out;
  }

  private void syncIpcache(Map<Ipv4Prefix, IpCacheEntry> wanted) {
    if (ipcache == null) {
      ipcache = new HashMap<>(datapath.ipcache().entries());
    }
    for (Map.Entry<Ipv4Prefix, IpCacheEntry> e : wanted.entrySet()) {
      if (!e.getValue().equals(ipcache.get(e.getKey()))) {
        datapath.ipcache().put(e.getKey(), e.getValue());
        ipcache.put(e.getKey(), e.getValue());
        ipcacheWrites.increment();
      }
    }
    for (Ipv4Prefix p : new HashSet<>(ipcache.keySet())) {
      if (!wanted.containsKey(p)) {
        datapath.ipcache().delete(p);
        ipcache.remove(p);
        ipcacheWrites.increment();
      }
    }
  }

  /** Number of policy entries currently written for an endpoint id (for metrics and tests). */
  public int policyEntryCount(int endpointId) {
    Map<PolicyKey, PolicyValue> m = policies.get(endpointId);
    return m == null ? 0 : m.size();
  }

  /** Closes the inner-map handles; pins stay. */
  public void close() {
    policyMaps.values().forEach(PolicyMap::close);
    policyMaps.clear();
  }
}
