package io.nodus.agent;

import io.nodus.bpf.DatapathSizes;
import io.nodus.bpf.maps.DatapathConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How an agent runs.
 *
 * @param node name of the node this agent serves
 * @param pinRoot bpffs directory of the node's pinned maps, e.g. /sys/fs/bpf/nodus/NODE
 * @param underlayIp address other nodes reach this node on; empty to leave it unset
 * @param api bind address of the agent's local HTTP API (metrics, monitor)
 * @param resyncInterval how often the reconciler re-checks plumbing and attachments even without events
 * @param sizes CT table entries and entries per endpoint policy map
 * @param datapath datapath switches and CT lifetimes written to the config map at start
 * @param ctGcInterval how often expired CT entries are removed
 * @param adoptCluster the cluster to follow from now on, on the operator's explicit request, even
 *     though the maps follow another one (empty: keep following the cluster of the maps)
 */
public record AgentConfig(String node, Path pinRoot, String underlayIp, InetSocketAddress api, Duration resyncInterval,
    DatapathSizes sizes, DatapathConfig datapath, Duration ctGcInterval, String adoptCluster) {
  /** Default port of the agent's local API. */
  public static final int DEFAULT_API_PORT = 9403;
  /** Root under which every node's pins live. */
  public static final Path BPFFS_ROOT = Path.of("/sys/fs/bpf/nodus");
  /** Cilium's CT garbage collection runs every 30 s to 12 min; a fixed 30 s keeps tables small. */
  public static final Duration DEFAULT_CT_GC_INTERVAL = Duration.ofSeconds(30);

  public AgentConfig {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(pinRoot, "pinRoot");
    Objects.requireNonNull(underlayIp, "underlayIp");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(resyncInterval, "resyncInterval");
    Objects.requireNonNull(sizes, "sizes");
    Objects.requireNonNull(datapath, "datapath");
    Objects.requireNonNull(ctGcInterval, "ctGcInterval");
    Objects.requireNonNull(adoptCluster, "adoptCluster");
    if (ctGcInterval.isNegative() || ctGcInterval.isZero()) {
      throw new IllegalArgumentException("ctGcInterval must be positive, was " + ctGcInterval);
    }
  }

  /** Default sizes, datapath settings and CT collection. */
  public AgentConfig(String node, Path pinRoot, String underlayIp, InetSocketAddress api, Duration resyncInterval) {
    this(node, pinRoot, underlayIp, api, resyncInterval, DatapathSizes.DEFAULTS, DatapathConfig.DEFAULTS, DEFAULT_CT_GC_INTERVAL, "");
  }

  /** Defaults for {@code node}: pins under /sys/fs/bpf/nodus/NODE, API on 127.0.0.1:9403. */
  public static AgentConfig defaults(String node) {
    return new AgentConfig(node, BPFFS_ROOT.resolve(node), "", new InetSocketAddress("127.0.0.1", DEFAULT_API_PORT), Duration.ofSeconds(10));
  }

  public AgentConfig withSizes(DatapathSizes s) {
    return new AgentConfig(node, pinRoot, underlayIp, api, resyncInterval, s, datapath, ctGcInterval, adoptCluster);
  }

  public AgentConfig withDatapath(DatapathConfig d) {
    return new AgentConfig(node, pinRoot, underlayIp, api, resyncInterval, sizes, d, ctGcInterval, adoptCluster);
  }

  public AgentConfig withCtGcInterval(Duration interval) {
    return new AgentConfig(node, pinRoot, underlayIp, api, resyncInterval, sizes, datapath, interval, adoptCluster);
  }

  /** Follows {@code clusterUuid} from now on (see {@link #adoptCluster}). */
  public AgentConfig withAdoptCluster(String clusterUuid) {
    return new AgentConfig(node, pinRoot, underlayIp, api, resyncInterval, sizes, datapath, ctGcInterval, clusterUuid);
  }

  public AgentConfig withApi(InetSocketAddress address) {
    return new AgentConfig(node, pinRoot, underlayIp, address, resyncInterval, sizes, datapath, ctGcInterval, adoptCluster);
  }
}
