package io.nodus.agent;

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
 * @param resyncInterval how often the reconciler re-checks plumbing and maps even without events
 */
public record AgentConfig(String node, Path pinRoot, String underlayIp, InetSocketAddress api, Duration resyncInterval) {
  /** Default port of the agent's local API. */
  public static final int DEFAULT_API_PORT = 9403;
  /** Root under which every node's pins live. */
  public static final Path BPFFS_ROOT = Path.of("/sys/fs/bpf/nodus");

  public AgentConfig {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(pinRoot, "pinRoot");
    Objects.requireNonNull(underlayIp, "underlayIp");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(resyncInterval, "resyncInterval");
  }

  /** Defaults for {@code node}: pins under /sys/fs/bpf/nodus/NODE, API on 127.0.0.1:9403. */
  public static AgentConfig defaults(String node) {
    return new AgentConfig(node, BPFFS_ROOT.resolve(node), "", new InetSocketAddress("127.0.0.1", DEFAULT_API_PORT), Duration.ofSeconds(10));
  }
}
