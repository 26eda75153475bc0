package io.nodus.state.decide;

import io.nodus.state.model.Cidr;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Names;
import io.nodus.state.proto.ClusterConfig;

/** Validation of the cluster configuration. */
public final class ClusterConfigs {
  private ClusterConfigs() {}

  /** Returns the configuration with its pool in canonical form, or throws naming the bad field. */
  public static ClusterConfig validate(ClusterConfig config) {
    Cidr pool = Cidr.parse(config.getPodCidrPool(), "config.podCidrPool");
    int prefix = config.getNodeCidrPrefix();
    if (prefix < pool.prefixLength() || prefix > 30) {
      throw InvalidFieldException.invalid("config.nodeCidrPrefix",
          "node CIDR prefix /" + prefix + " must lie between the pool's /" + pool.prefixLength() + " and /30");
    }
    Names.requireDnsLabel(config.getClusterName(), "config.clusterName");
    if (config.getClusterId() > 255) {
      throw InvalidFieldException.invalid("config.clusterId", "cluster id " + config.getClusterId() + " is outside 0..255");
    }
    if (config.getRequestWindowEntries() > 1_000_000) {
      throw InvalidFieldException.invalid("config.requestWindowEntries", "at most 1000000 entries");
    }
    if (config.getRequestWindowSeconds() > 7 * 86_400) {
      throw InvalidFieldException.invalid("config.requestWindowSeconds", "at most 604800 seconds (a week)");
    }
    return config.toBuilder().setPodCidrPool(pool.toString()).build();
  }
}
