package io.nodus.agent.datapath;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.Policy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a batch of log events touched, as far as the node's datapath cares: policies (with the
 * version before the batch, so that endpoints they used to select are found too), identities that
 * came or went, endpoints, nodes. An event this class does not know, or a snapshot, makes the set
 * {@link #full()}: everything is recomputed, which is always correct. Events about services, IPAM
 * pools and controller members do not touch the L3/L4 datapath.
 *
 * <p>Built and read by the agent's reconciler thread only.
 */
public final class ChangeSet {
  /** Event kinds (oneof case names) that change nothing the L3/L4 datapath holds. */
  private static final Set<String> IRRELEVANT = Set.of("SERVICE_UPSERTED", "SERVICE_DELETED", "IPAM_POOL_CREATED",
      "IPAM_POOL_DELETED", "IPAM_ALLOCATED", "IPAM_RELEASED", "MEMBER_RECORDED", "MEMBER_FORGOTTEN");

  private boolean full;
  /** Policy key to its version before the batch (empty when it did not exist). */
  private final Map<String, Optional<Policy>> policies = new LinkedHashMap<>();
  private final Map<Integer, Identity> identitiesAdded = new LinkedHashMap<>();
  /** Released identities with their labels before the batch. */
  private final Map<Integer, Identity> identitiesRemoved = new LinkedHashMap<>();
  private final Set<String> endpoints = new LinkedHashSet<>();
  private boolean nodes;
  private final List<Event> events = new ArrayList<>();

  /** A change set that recomputes everything (a snapshot, the first pass, a resync). */
  public static ChangeSet everything() {
    ChangeSet c = new ChangeSet();
    c.full = true;
    return c;
  }

  /** Records {@code event}, applied to {@code before} (the image just before it). */
  public void observe(ClusterImage before, Event event) {
    events.add(event);
    switch (event.getBodyCase().name()) {
      case "POLICY_UPSERTED" -> {
        Policy p = event.getPolicyUpserted().getPolicy();
        policies.putIfAbsent(PoliciesImage.key(p.getNamespace(), p.getName()), before.policies().get(p.getNamespace(), p.getName()));
      }
      case "POLICY_DELETED" -> {
        var d = event.getPolicyDeleted();
        policies.putIfAbsent(PoliciesImage.key(d.getNamespace(), d.getName()), before.policies().get(d.getNamespace(), d.getName()));
      }
      case "IDENTITY_ALLOCATED" -> {
        Identity i = event.getIdentityAllocated().getIdentity();
        identitiesAdded.put(i.getId(), i);
      }
      case "IDENTITY_RELEASED" -> {
        int id = event.getIdentityReleased().getId();
        if (identitiesAdded.remove(id) == null) {
          before.identities().get(id).ifPresent(i -> identitiesRemoved.put(id, i));
        }
      }
      case "ENDPOINT_CREATED" -> endpoints.add(event.getEndpointCreated().getEndpoint().getName());
      case "ENDPOINT_READY" -> endpoints.add(event.getEndpointReady().getName());
      case "ENDPOINT_DELETED" -> endpoints.add(event.getEndpointDeleted().getName());
      case "NODE_REGISTERED", "NODE_REMOVED" -> nodes = true;
      default -> {
        if (!IRRELEVANT.contains(event.getBodyCase().name())) {
          full = true;
        }
      }
    }
  }

  /** Everything must be recomputed. */
  public boolean full() {
    return full;
  }

  /** Changed policies by key, each with its version before the batch. */
  public Map<String, Optional<Policy>> policies() {
    return Collections.unmodifiableMap(policies);
  }

  public Map<Integer, Identity> identitiesAdded() {
    return Collections.unmodifiableMap(identitiesAdded);
  }

  public Map<Integer, Identity> identitiesRemoved() {
    return Collections.unmodifiableMap(identitiesRemoved);
  }

  /** Names of endpoints created, made ready or deleted. */
  public Set<String> endpoints() {
    return Collections.unmodifiableSet(endpoints);
  }

  public boolean nodes() {
    return nodes;
  }

  /** Whether the ipcache (endpoint, node and CIDR-identity addresses) may have changed. */
  public boolean ipcache() {
    return full || nodes || !endpoints.isEmpty() || !identitiesAdded.isEmpty() || !identitiesRemoved.isEmpty();
  }

  /** The events of the batch, in log order (their leader times feed the propagation histogram). */
  public List<Event> events() {
    return Collections.unmodifiableList(events);
  }

  public boolean isEmpty() {
    return !full && policies.isEmpty() && identitiesAdded.isEmpty() && identitiesRemoved.isEmpty() && endpoints.isEmpty()
        && !nodes;
  }
}
