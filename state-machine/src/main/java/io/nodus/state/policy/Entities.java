package io.nodus.state.policy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Entity;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cilium's entities ({@code fromEntities}/{@code toEntities}) by name, and the label selectors
 * each stands for. Resolving entities through selectors (not fixed numbers) keeps them right for
 * identities that carry a reserved label without being reserved themselves: CIDR identities carry
 * {@code reserved:world}, so {@code world} covers every prefix outside the cluster.
 */
public final class Entities {
  private static final Map<String, Entity> BY_NAME = new LinkedHashMap<>();

  static {
    BY_NAME.put("all", Entity.ENTITY_ALL);
    BY_NAME.put("world", Entity.ENTITY_WORLD);
    BY_NAME.put("world-ipv4", Entity.ENTITY_WORLD_IPV4);
    BY_NAME.put("world-ipv6", Entity.ENTITY_WORLD_IPV6);
    BY_NAME.put("cluster", Entity.ENTITY_CLUSTER);
    BY_NAME.put("host", Entity.ENTITY_HOST);
    BY_NAME.put("remote-node", Entity.ENTITY_REMOTE_NODE);
    BY_NAME.put("health", Entity.ENTITY_HEALTH);
    BY_NAME.put("init", Entity.ENTITY_INIT);
    BY_NAME.put("unmanaged", Entity.ENTITY_UNMANAGED);
    BY_NAME.put("kube-apiserver", Entity.ENTITY_KUBE_APISERVER);
    BY_NAME.put("ingress", Entity.ENTITY_INGRESS);
    BY_NAME.put("none", Entity.ENTITY_NONE);
  }

  /** Identities "cluster" covers besides those carrying the cluster's name label. */
  private static final List<ReservedIdentity> CLUSTER_RESERVED = List.of(ReservedIdentity.HOST, ReservedIdentity.REMOTE_NODE,
      ReservedIdentity.INIT, ReservedIdentity.INGRESS, ReservedIdentity.HEALTH, ReservedIdentity.UNMANAGED,
      ReservedIdentity.KUBE_APISERVER);

  private Entities() {}

  /** The entity called {@code name}; an unknown name is an error on {@code field}. */
  public static Entity parse(String name, String field) {
    Entity e = BY_NAME.get(name);
    if (e == null) {
      throw InvalidFieldException.invalid(field, "unknown entity '" + name + "'; expected one of " + BY_NAME.keySet());
    }
    return e;
  }

  /** The document name of an entity, e.g. "remote-node". */
  public static String name(Entity entity) {
    for (Map.Entry<String, Entity> e : BY_NAME.entrySet()) {
      if (e.getValue() == entity) {
        return e.getKey();
      }
    }
    throw new IllegalArgumentException("entity " + entity + " has no name");
  }

  /** Every entity name, in documentation order. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /**
   * The selectors {@code entity} stands for in a cluster named {@code clusterName}. "all" is the
   * empty (wildcard) selector; "none" and "world-ipv6" (no IPv6 datapath) select nothing.
   */
  public static List<EndpointSelector> selectors(Entity entity, String clusterName) {
    return switch (entity) {
      case ENTITY_ALL -> List.of(EndpointSelector.getDefaultInstance());
      case ENTITY_WORLD, ENTITY_WORLD_IPV4 -> List.of(reserved(ReservedIdentity.WORLD));
      case ENTITY_HOST -> List.of(reserved(ReservedIdentity.HOST));
      case ENTITY_REMOTE_NODE -> List.of(reserved(ReservedIdentity.REMOTE_NODE));
      case ENTITY_HEALTH -> List.of(reserved(ReservedIdentity.HEALTH));
      case ENTITY_INIT -> List.of(reserved(ReservedIdentity.INIT));
      case ENTITY_UNMANAGED -> List.of(reserved(ReservedIdentity.UNMANAGED));
      case ENTITY_KUBE_APISERVER -> List.of(reserved(ReservedIdentity.KUBE_APISERVER));
      case ENTITY_INGRESS -> List.of(reserved(ReservedIdentity.INGRESS));
      case ENTITY_CLUSTER -> {
        List<EndpointSelector> out = new ArrayList<>();
        CLUSTER_RESERVED.forEach(r -> out.add(reserved(r)));
        out.add(EndpointSelector.newBuilder()
            .addMatchLabels(Labels.label(Labels.SOURCE_K8S, Labels.CLUSTER_KEY, clusterName)).build());
        yield Collections.unmodifiableList(out);
      }
      case ENTITY_NONE, ENTITY_WORLD_IPV6 -> List.of();
      case ENTITY_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalArgumentException("entity " + entity + " is not valid");
    };
  }

  private static EndpointSelector reserved(ReservedIdentity r) {
    return EndpointSelector.newBuilder().addMatchLabels(Labels.label(Labels.SOURCE_RESERVED, r.labelKey(), "")).build();
  }
}
