package io.nodus.agent.datapath;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.maps.EndpointInfo;
import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMap;
import io.nodus.bpf.maps.PolicyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the pinned maps to a desired state by writing only what differs. On first use it reads
 * what is pinned (an agent restart finds the maps of its previous run) and diffs against that;
 * later it diffs against what it wrote. {@link #removeStale} then drops what no endpoint wants.
 *
 * <p>Per endpoint, so that an allowed flow is never dropped while a change is in flight: new and
 * changed policy entries first, then the endpoint entry (which switches enforcement), then stale
 * entries. A change that would not fit next to the old entries is built in a new map that
 * replaces the old one in one step. A policy larger than the map's capacity is never written in
 * part: the endpoint keeps its previous entries (or, if it had none, default deny), and the
 * overflow is an error in its status, a log line and a counted metric.
 *
 * <p>Threading: owned by the agent's reconciler thread; {@link #statuses()} may be read anywhere.
 */
public final class MapSyncer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MapSyncer.class);

  private final Datapath datapath;
  private final MeterRegistry registry;
  private final Counter ipcacheWrites;
  private final Counter endpointWrites;
  private final Counter policyWrites;
  private final Counter overflows;
  private Map<Ipv4Prefix, IpCacheEntry> ipcache;
  private Map<Integer, EndpointInfo> endpointEntries;
  private final Map<Integer, PolicyMap> maps = new HashMap<>();
  private final Map<Integer, SortedMap<PolicyKey, PolicyValue>> contents = new HashMap<>();
  /** The last plan applied per endpoint name (its id and ifindex are needed to remove it). */
  private final Map<String, EndpointPlan> applied = new HashMap<>();
  private final Map<String, EndpointStatus> statuses = new ConcurrentHashMap<>();
  private final Map<String, Gauge> entryGauges = new HashMap<>();
  private final java.util.function.BiConsumer<EndpointStatus, EndpointStatus> onStatusChange;

  public MapSyncer(Datapath datapath, MeterRegistry registry) {
    this(datapath, registry, (before, now) -> { });
  }

  /** {@code onStatusChange} hears of an endpoint whose error appears, changes or clears (before may be null). */
  public MapSyncer(Datapath datapath, MeterRegistry registry,
      java.util.function.BiConsumer<EndpointStatus, EndpointStatus> onStatusChange) {
    this.datapath = datapath;
    this.onStatusChange = onStatusChange;
    this.registry = registry;
    this.ipcacheWrites = writes(registry, "ipcache");
    this.endpointWrites = writes(registry, "endpoints");
    this.policyWrites = writes(registry, "policy");
    this.overflows = Counter.builder("nodus.agent.policy.map.overflows")
        .description("Policies that did not fit an endpoint's policy map and were not written").register(registry);
    Gauge.builder("nodus.agent.policy.map.capacity", datapath.sizes(), s -> s.policyEntries())
        .description("Entries each endpoint's policy map can hold").register(registry);
    Gauge.builder("nodus.agent.policy.map.errors", statuses, m -> m.values().stream().filter(s -> !s.ok()).count())
        .description("Local endpoints whose maps do not hold their latest policy").register(registry);
  }

  private static Counter writes(MeterRegistry registry, String map) {
    return Counter.builder("nodus.agent.map.writes").description("BPF map entries written or deleted")
        .tag("map", map).register(registry);
  }

  /** Reads what is pinned, once: the state of the previous run is the starting point of the diff. */
  private void load() {
    if (endpointEntries != null) {
      return;
    }
    endpointEntries = new HashMap<>(datapath.endpoints().entries());
    Set<Integer> ids = new HashSet<>(datapath.policies().endpointIds());
    ids.addAll(datapath.policies().pinnedEndpointIds());
    for (int id : ids) {
      datapath.policies().open(id).ifPresentOrElse(m -> {
        maps.put(id, m);
        contents.put(id, new TreeMap<>(m.entries()));
      }, () -> datapath.policies().remove(id)); // installed without a pin: a crash mid-removal
    }
    ipcache = new TreeMap<>(DesiredDatapath.PREFIX_ORDER);
    ipcache.putAll(datapath.ipcache().entries());
  }

  /** Makes the ipcache hold exactly {@code wanted}; returns the entries written or deleted. */
  public int syncIpcache(Map<Ipv4Prefix, IpCacheEntry> wanted) {
    load();
    int n = 0;
    for (Map.Entry<Ipv4Prefix, IpCacheEntry> e : wanted.entrySet()) {
      if (!e.getValue().equals(ipcache.get(e.getKey()))) {
        datapath.ipcache().put(e.getKey(), e.getValue());
        ipcache.put(e.getKey(), e.getValue());
        n++;
      }
    }
    for (Ipv4Prefix p : List.copyOf(ipcache.keySet())) {
      if (!wanted.containsKey(p)) {
        datapath.ipcache().delete(p);
        ipcache.remove(p);
        n++;
      }
    }
    ipcacheWrites.increment(n);
    return n;
  }

  /** Writes one endpoint's policy map and endpoint entry; returns its status afterwards. */
  public EndpointStatus syncEndpoint(EndpointPlan plan) {
    load();
    int id = plan.endpointId();
    int capacity = datapath.sizes().policyEntries();
    EndpointPlan before = applied.get(plan.name());
    if (before != null && before.endpointId() != id) {
      remove(before); // the name now stands for another endpoint
      before = null;
    }
    String error = "";
    EndpointPlan effective = plan;
    if (plan.contents().size() > capacity) {
      ensureMap(id, capacity);
      overflows.increment();
      LOG.error("policy not written endpoint={} endpoint_id={} revision={} entries={} capacity={}", plan.name(), id,
          plan.revision(), plan.contents().size(), capacity);
      // Never a part of the policy: keep the previous entries and flags, or fail closed.
      if (before != null) {
        effective = withAttachment(before, plan);
        error = "the policy of revision " + before.revision() + " stays in force";
      } else {
        EndpointInfo pinned = endpointEntries.get(plan.ifindex());
        boolean in = pinned != null ? pinned.ingressEnforced() : plan.ingressEnforced();
        boolean out = pinned != null ? pinned.egressEnforced() : plan.egressEnforced();
        effective = new EndpointPlan(plan.name(), id, plan.identity(), plan.ifindex(), plan.ipv4(), in, out, plan.trace(),
            Collections.unmodifiableSortedMap(new TreeMap<>(contents.get(id))), 0);
        error = contents.get(id).isEmpty() ? "default deny applies until the policy fits"
            : "the entries a previous run wrote stay in force";
      }
      error = "policy map overflow at revision " + plan.revision() + ": " + plan.contents().size() + " entries needed, capacity "
          + capacity + "; " + error;
    } else {
      writePolicy(id, capacity, plan.contents());
    }
    writeEndpointEntry(before, effective);
    finishStaleDeletes(id, effective.contents());
    applied.put(plan.name(), effective);
    EndpointStatus status = new EndpointStatus(plan.name(), id, plan.identity(), effective.ifindex(), effective.ipv4(),
        effective.ingressEnforced(), effective.egressEnforced(), effective.trace(), contents.get(id).size(),
        maps.get(id).capacity(), effective.revision(), error);
    publish(status);
    return status;
  }

  /** {@code old}'s policy with {@code now}'s plumbing (the endpoint may have been re-plumbed). */
  private static EndpointPlan withAttachment(EndpointPlan old, EndpointPlan now) {
    return new EndpointPlan(old.name(), old.endpointId(), now.identity(), now.ifindex(), now.ipv4(), old.ingressEnforced(),
        old.egressEnforced(), now.trace(), old.contents(), old.revision());
  }

  private void ensureMap(int id, int capacity) {
    if (!maps.containsKey(id)) {
      PolicyMap m = datapath.policies().open(id).orElseGet(() -> datapath.policies().create(id, capacity));
      maps.put(id, m);
      contents.put(id, new TreeMap<>(m.entries()));
    }
  }

  /** Adds and changes entries (step 1); stale ones go after the endpoint entry. */
  private void writePolicy(int id, int capacity, SortedMap<PolicyKey, PolicyValue> want) {
    ensureMap(id, capacity);
    SortedMap<PolicyKey, PolicyValue> have = contents.get(id);
    Map<PolicyKey, PolicyValue> puts = new TreeMap<>();
    int added = 0;
    for (Map.Entry<PolicyKey, PolicyValue> e : want.entrySet()) {
      PolicyValue old = have.get(e.getKey());
      if (!e.getValue().equals(old)) {
        puts.put(e.getKey(), e.getValue());
        added += old == null ? 1 : 0;
      }
    }
    PolicyMap map = maps.get(id);
    if (map.capacity() != capacity || have.size() + added > map.capacity()) {
      // Old and new entries do not fit together (or the capacity changed): swap in a full new map.
      PolicyMap fresh = datapath.policies().replace(id, capacity, want);
      map.close();
      maps.put(id, fresh);
      contents.put(id, new TreeMap<>(want));
      policyWrites.increment(want.size());
      LOG.info("policy map replaced endpoint_id={} capacity={} entries={}", id, capacity, want.size());
      return;
    }
    if (!puts.isEmpty()) {
      policyWrites.increment(map.apply(puts, List.of()));
      have.putAll(puts);
    }
  }

  private void finishStaleDeletes(int id, SortedMap<PolicyKey, PolicyValue> want) {
    SortedMap<PolicyKey, PolicyValue> have = contents.get(id);
    List<PolicyKey> stale = new ArrayList<>();
    for (PolicyKey k : have.keySet()) {
      if (!want.containsKey(k)) {
        stale.add(k);
      }
    }
    if (!stale.isEmpty()) {
      policyWrites.increment(maps.get(id).apply(Map.of(), stale));
      stale.forEach(have::remove);
    }
  }

  private void writeEndpointEntry(EndpointPlan before, EndpointPlan plan) {
    if (before != null && before.ifindex() > 0 && before.ifindex() != plan.ifindex()) {
      deleteEndpointEntry(before.ifindex());
    }
    if (plan.ifindex() <= 0) {
      return;
    }
    EndpointInfo info = new EndpointInfo(plan.endpointId(), plan.identity(), Ipv4.parse(plan.ipv4()), plan.ingressEnforced(),
        plan.egressEnforced(), plan.trace());
    if (!info.equals(endpointEntries.get(plan.ifindex()))) {
      datapath.endpoints().put(plan.ifindex(), info);
      endpointEntries.put(plan.ifindex(), info);
      endpointWrites.increment();
    }
  }

  private void deleteEndpointEntry(int ifindex) {
    if (endpointEntries.remove(ifindex) != null) {
      datapath.endpoints().delete(ifindex);
      endpointWrites.increment();
    }
  }

  /** Removes the maps of an endpoint that left the node. */
  public void removeEndpoint(String name) {
    load();
    EndpointPlan before = applied.get(name);
    if (before != null) {
      remove(before);
    }
  }

  private void remove(EndpointPlan plan) {
    if (plan.ifindex() > 0) {
      deleteEndpointEntry(plan.ifindex());
    }
    dropPolicyMap(plan.endpointId());
    applied.remove(plan.name());
    statuses.remove(plan.name());
    Gauge g = entryGauges.remove(plan.name());
    if (g != null) {
      registry.remove(g);
    }
    LOG.info("removed maps endpoint={} endpoint_id={}", plan.name(), plan.endpointId());
  }

  private void dropPolicyMap(int id) {
    PolicyMap m = maps.remove(id);
    if (m != null) {
      m.close();
    }
    contents.remove(id);
    datapath.policies().remove(id);
  }

  /**
   * After a full pass: removes endpoint entries and policy maps that no current endpoint owns
   * (left by a previous run for endpoints deleted while the agent was down).
   */
  public void removeStale() {
    load();
    Set<Integer> ids = new HashSet<>();
    Set<Integer> ifindexes = new HashSet<>();
    for (EndpointPlan p : applied.values()) {
      ids.add(p.endpointId());
      ifindexes.add(p.ifindex());
    }
    for (Integer ifindex : List.copyOf(endpointEntries.keySet())) {
      if (!ifindexes.contains(ifindex)) {
        deleteEndpointEntry(ifindex);
      }
    }
    for (Integer id : List.copyOf(maps.keySet())) {
      if (!ids.contains(id)) {
        dropPolicyMap(id);
        LOG.info("removed stale policy map endpoint_id={}", id);
      }
    }
  }

  private void publish(EndpointStatus status) {
    EndpointStatus before = statuses.put(status.name(), status);
    if (!status.error().equals(before == null ? "" : before.error())) {
      onStatusChange.accept(before, status);
    }
    if (before == null) {
      String name = status.name();
      entryGauges.put(name, Gauge.builder("nodus.agent.policy.map.entries", statuses,
          m -> m.containsKey(name) ? m.get(name).policyEntries() : 0)
          .description("Entries in an endpoint's policy map").tag("endpoint", name).register(registry));
    }
  }

  /** Status of every local endpoint with maps, by name (safe from any thread). */
  public Map<String, EndpointStatus> statuses() {
    return Collections.unmodifiableMap(statuses);
  }

  /** Number of policy entries currently written for an endpoint id (for tests). */
  public int policyEntryCount(int endpointId) {
    SortedMap<PolicyKey, PolicyValue> m = contents.get(endpointId);
    return m == null ? 0 : m.size();
  }

  /** Closes the policy-map handles; pins stay. */
  @Override
  public void close() {
    maps.values().forEach(PolicyMap::close);
    maps.clear();
  }
}
