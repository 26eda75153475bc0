package io.nodus.state.image;

import io.nodus.state.proto.ClusterConfig;

/**
 * The whole replicated state at one revision. Immutable; every event yields a new image that
 * shares all untouched parts with the previous one.
 *
 * @param revision revision of the last event folded in (0 for the empty cluster)
 * @param config cluster-wide settings
 * @param identities security identities
 * @param nodes registered nodes
 * @param endpoints workloads
 * @param policies network policies
 */
public record ClusterImage(
    long revision,
    ClusterConfig config,
    IdentitiesImage identities,
    NodesImage nodes,
    EndpointsImage endpoints,
    PoliciesImage policies) {

  /** Configuration of a cluster nobody configured: pod CIDRs are /24s of 10.200.0.0/16. */
  public static final ClusterConfig DEFAULT_CONFIG = ClusterConfig.newBuilder()
      .setPodCidrPool("10.200.0.0/16")
      .setNodeCidrPrefix(24)
      .setClusterName("default")
      .build();

  /** A cluster before its first event: default configuration and the reserved identities. */
  public static final ClusterImage EMPTY = new ClusterImage(
      0, DEFAULT_CONFIG, IdentitiesImage.EMPTY, NodesImage.EMPTY, EndpointsImage.EMPTY, PoliciesImage.EMPTY);

  /** How long a released identity number stays in quarantine. */
  public long identityQuarantineMillis() {
    int seconds = config.getIdentityQuarantineSeconds();
    return seconds == 0 ? IdentitiesImage.DEFAULT_QUARANTINE_MILLIS : seconds * 1000L;
  }

  public ClusterImage withRevision(long r) {
    return new ClusterImage(r, config, identities, nodes, endpoints, policies);
  }

  public ClusterImage withConfig(ClusterConfig c) {
    return new ClusterImage(revision, c, identities, nodes, endpoints, policies);
  }

  public ClusterImage withIdentities(IdentitiesImage i) {
    return new ClusterImage(revision, config, i, nodes, endpoints, policies);
  }

  public ClusterImage withNodes(NodesImage n) {
    return new ClusterImage(revision, config, identities, n, endpoints, policies);
  }

  public ClusterImage withEndpoints(EndpointsImage e) {
    return new ClusterImage(revision, config, identities, nodes, e, policies);
  }

  public ClusterImage withPolicies(PoliciesImage p) {
    return new ClusterImage(revision, config, identities, nodes, endpoints, p);
  }
}
