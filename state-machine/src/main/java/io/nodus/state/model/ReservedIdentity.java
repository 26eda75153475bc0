package io.nodus.state.model;

import io.nodus.state.proto.LabelSet;
import java.util.Optional;

/**
 * Identities with fixed numbers, as Cilium numbers them, so that operators and tools feel at home.
 * Identity 0 is not an identity: in policy maps it is the "any identity" wildcard.
 */
public enum ReservedIdentity {
  HOST(1, "host"),
  WORLD(2, "world"),
  UNMANAGED(3, "unmanaged"),
  HEALTH(4, "health"),
  INIT(5, "init"),
  REMOTE_NODE(6, "remote-node"),
  KUBE_APISERVER(7, "kube-apiserver"),
  INGRESS(8, "ingress");

  /** Wildcard identity in policy entries: matches any peer. */
  public static final int ANY = 0;
  /** First identity the allocator hands out. */
  public static final int MIN_ALLOCATED = 256;
  /** Last cluster-local identity (before the cluster id is added in bits 16-23). */
  public static final int MAX_ALLOCATED = 65535;
  /** Bit that marks local-scope identities (CIDR identities). */
  public static final int LOCAL_SCOPE = 1 << 24;
  /** Largest number inside the local scope. */
  public static final int MAX_LOCAL = (1 << 24) - 1;

  /** The cluster-local identity with number {@code n} (256..65535) in cluster {@code clusterId}. */
  public static int clusterLocal(int clusterId, int n) {
    return (clusterId << 16) | n;
  }

  /** Whether {@code id} is a local-scope (CIDR) identity. */
  public static boolean isLocalScope(int id) {
    return (id & LOCAL_SCOPE) != 0;
  }

  private final int id;
  private final String label;

  ReservedIdentity(int id, String label) {
    this.id = id;
    this.label = label;
  }

  public int id() {
    return id;
  }

  /** The label key, e.g. "host" in {@code reserved:host}. */
  public String labelKey() {
    return label;
  }

  public LabelSet labels() {
    return LabelSet.newBuilder().addLabels(Labels.label(Labels.SOURCE_RESERVED, label, "")).build();
  }

  public static Optional<ReservedIdentity> byId(int id) {
    for (ReservedIdentity r : values()) {
      if (r.id == id) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
