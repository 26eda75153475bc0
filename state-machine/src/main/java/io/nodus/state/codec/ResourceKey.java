package io.nodus.state.codec;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The storage key of one resource: its kind and its id within the kind, encoded as
 * {@code kind/id} in UTF-8 so that a store iterates resources grouped by kind.
 *
 * @param kind resource kind
 * @param id key within the kind ({@code namespace/name} for policies and services, {@code pool/cidr}
 *     for IPAM allocations, the number for identities)
 */
public record ResourceKey(Kind kind, String id) {

  /** Resource kinds, with their stable key prefixes. */
  public enum Kind {
    /** Revision, configuration and allocator cursors: a {@code ClusterState} without lists. */
    META("meta"),
    IDENTITY("identity"),
    NODE("node"),
    ENDPOINT("endpoint"),
    POLICY("policy"),
    /** A released identity number waiting out its quarantine. */
    QUARANTINE("quarantine"),
    SERVICE("service"),
    /** A user-created IPAM pool, by name. */
    IPAM_POOL("ipampool"),
    /** One block held from a pool, by {@code pool/cidr}. */
    IPAM_ALLOCATION("ipamalloc"),
    /** A controller recorded with its addresses. */
    MEMBER("member"),
    /** An answered request in the deduplication window, by request id. */
    REQUEST("request"),
    /** The cluster clock and the cluster's id: a {@code ReplicaRecord}. */
    REPLICA("replica");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    public String prefix() {
      return prefix;
    }
  }

  /** The single meta record. */
  public static final ResourceKey META = new ResourceKey(Kind.META, "cluster");
  /** The single replica record. */
  public static final ResourceKey REPLICA = new ResourceKey(Kind.REPLICA, "replica");

  public ResourceKey {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
  }

  public byte[] toBytes() {
    return (kind.prefix + "/" + id).getBytes(StandardCharsets.UTF_8);
  }

  public static ResourceKey parse(byte[] bytes) {
    String s = new String(bytes, StandardCharsets.UTF_8);
    int slash = s.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("malformed resource key " + s);
    }
    String prefix = s.substring(0, slash);
    for (Kind k : Kind.values()) {
      if (k.prefix.equals(prefix)) {
        return new ResourceKey(k, s.substring(slash + 1));
      }
    }
    throw new IllegalArgumentException("unknown resource kind in key " + s);
  }

  public static ResourceKey identity(int id) {
    // Zero-padded so byte order equals numeric order.
    return new ResourceKey(Kind.IDENTITY, padded(id));
  }

  public static ResourceKey quarantine(int id) {
    return new ResourceKey(Kind.QUARANTINE, padded(id));
  }

  /** {@code String.format("%010d", id)} without the formatter, which the apply path calls per record. */
  static String padded(int id) {
    if (id < 0) {
      return String.format("%010d", id);
    }
    String digits = Integer.toString(id);
    return "0".repeat(10 - digits.length()) + digits;
  }

  public static ResourceKey node(String name) {
    return new ResourceKey(Kind.NODE, name);
  }

  public static ResourceKey endpoint(String name) {
    return new ResourceKey(Kind.ENDPOINT, name);
  }

  public static ResourceKey policy(String namespace, String name) {
    return new ResourceKey(Kind.POLICY, namespace + "/" + name);
  }

  public static ResourceKey service(String namespace, String name) {
    return new ResourceKey(Kind.SERVICE, namespace + "/" + name);
  }

  public static ResourceKey ipamPool(String name) {
    return new ResourceKey(Kind.IPAM_POOL, name);
  }

  public static ResourceKey ipamAllocation(String pool, String cidr) {
    return new ResourceKey(Kind.IPAM_ALLOCATION, pool + "/" + cidr);
  }

  public static ResourceKey member(String id) {
    return new ResourceKey(Kind.MEMBER, id);
  }

  public static ResourceKey request(String requestId) {
    return new ResourceKey(Kind.REQUEST, requestId);
  }
}
