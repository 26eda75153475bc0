package io.nodus.state.image;

import io.nodus.state.proto.ClusterConfig;

/**
 * The whole event-sourced state at one revision. Immutable; every event yields a new image that
 * shares all untouched parts with the previous one.
 *
 * @param revision revision of the last event folded in (0 for the empty cluster)
 * @param config cluster-wide settings
 * @param identities security identities
 * @param nodes registered nodes
 * @param endpoints workloads
 * @param policies network policies
 * @param services load-balanced services
 * @param ipam IPAM pools and allocations (node pod CIDRs included)
 * @param members controllers recorded with their addresses
 */
public record ClusterImage(
    long revision,
    ClusterConfig config,
    IdentitiesImage identities,
    NodesImage nodes,
    EndpointsImage endpoints,
    PoliciesImage policies,
    ServicesImage services,
    IpamImage ipam,
    MembersImage members) {

  /** Configuration of a cluster nobody configured: pod CIDRs are /24s of 10.200.0.0/16. */
  public static final ClusterConfig DEFAULT_CONFIG = ClusterConfig.newBuilder()
      .setPodCidrPool("10.200.0.0/16")
      .setNodeCidrPrefix(24)
      .setClusterName("default")
      .build();

  /** Default bounds of the deduplication window. */
  public static final int DEFAULT_REQUEST_WINDOW_ENTRIES = 4096;
  public static final long DEFAULT_REQUEST_WINDOW_MILLIS = 300_000;
  public static final long DEFAULT_REQUEST_WINDOW_BYTES = 32L << 20;

  /** A cluster before its first event: default configuration and the reserved identities. */
  public static final ClusterImage EMPTY = new ClusterImage(0, DEFAULT_CONFIG, IdentitiesImage.EMPTY, NodesImage.EMPTY,
      EndpointsImage.EMPTY, PoliciesImage.EMPTY, ServicesImage.EMPTY, IpamImage.EMPTY, MembersImage.EMPTY);

  /** How long a released identity number stays in quarantine. */
  public long identityQuarantineMillis() {
    int seconds = config.getIdentityQuarantineSeconds();
    return seconds == 0 ? IdentitiesImage.DEFAULT_QUARANTINE_MILLIS : seconds * 1000L;
  }

  /** The bounds of the deduplication window this configuration sets. */
  public RequestWindow.Limits requestWindowLimits() {
    int entries = config.getRequestWindowEntries();
    int seconds = config.getRequestWindowSeconds();
    int bytes = config.getRequestWindowBytes();
    return new RequestWindow.Limits(
        entries == 0 ? DEFAULT_REQUEST_WINDOW_ENTRIES : entries,
        seconds == 0 ? DEFAULT_REQUEST_WINDOW_MILLIS : seconds * 1000L,
        bytes == 0 ? DEFAULT_REQUEST_WINDOW_BYTES : Integer.toUnsignedLong(bytes));
  }

  public ClusterImage withRevision(long r) {
    return new ClusterImage(r, config, identities, nodes, endpoints, policies, services, ipam, members);
  }

  public ClusterImage withConfig(ClusterConfig c) {
    return new ClusterImage(revision, c, identities, nodes, endpoints, policies, services, ipam, members);
  }

  public ClusterImage withIdentities(IdentitiesImage i) {
    return new ClusterImage(revision, config, i, nodes, endpoints, policies, services, ipam, members);
  }

  public ClusterImage withNodes(NodesImage n) {
    return new ClusterImage(revision, config, identities, n, endpoints, policies, services, ipam, members);
  }

  public ClusterImage withEndpoints(EndpointsImage e) {
    return new ClusterImage(revision, config, identities, nodes, e, policies, services, ipam, members);
  }

  public ClusterImage withPolicies(PoliciesImage p) {
    return new ClusterImage(revision, config, identities, nodes, endpoints, p, services, ipam, members);
  }

  public ClusterImage withServices(ServicesImage s) {
    return new ClusterImage(revision, config, identities, nodes, endpoints, policies, s, ipam, members);
  }

  public ClusterImage withIpam(IpamImage i) {
    return new ClusterImage(revision, config, identities, nodes, endpoints, policies, services, i, members);
  }

  public ClusterImage withMembers(MembersImage m) {
    return new ClusterImage(revision, config, identities, nodes, endpoints, policies, services, ipam, m);
  }
}
