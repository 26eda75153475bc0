package io.nodus.ops.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.agent.Agent;
import io.nodus.agent.AgentConfig;
import io.nodus.ops.runtime.Lifecycle;
import io.nodus.raft.client.GrpcControlPlaneClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nodus agent}: the node agent, watching a controller cluster over gRPC. */
@Command(name = "agent", description = "Run the node agent of this host.")
public final class AgentCommand implements Callable<Integer> {
  @Option(names = "--node", description = "Node name (default: this host's name).")
  String node;

  @Option(names = "--controllers", description = "Controllers' gRPC addresses HOST:PORT,... (default: ${DEFAULT-VALUE}).",
      defaultValue = "127.0.0.1:9401")
  String controllers;

  @Option(names = "--api", description = "Local API (metrics, monitor) address (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1:9403")
  String api;

  @Option(names = "--underlay-ip", description = "Address other nodes reach this one on (default: the first non-loopback IPv4).")
  String underlayIp;

  @Option(names = "--ct-entries", description = "Connection-tracking table entries (default: ${DEFAULT-VALUE}).", defaultValue = "65536")
  int ctEntries;

  @Option(names = "--policy-entries", description = "Entries of each endpoint's policy map (default: ${DEFAULT-VALUE}).",
      defaultValue = "16384")
  int policyEntries;

  @Option(names = "--adopt-cluster", paramLabel = "UUID", description = {
      "Follow the cluster UUID from now on, although this node's maps follow another one (a controller cluster that was "
          + "wiped and formed again, or replaced). Its first snapshot replaces every map entry. Without it the agent never "
          + "follows another cluster: it keeps its maps and reports the control plane stale (`nodus datapath status` names "
          + "the cluster a controller serves). Remembered with the maps; repeating it later changes nothing."})
  String adoptCluster;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String name = node != null ? node : ServerOptions.defaultNodeName();
    AgentConfig defaults = AgentConfig.defaults(name);
    AgentConfig config = new AgentConfig(name, defaults.pinRoot(), underlayIp == null ? "" : underlayIp,
        ServerOptions.socket(api), defaults.resyncInterval()).withSizes(new io.nodus.bpf.DatapathSizes(ctEntries, policyEntries))
        .withAdoptCluster(ServerOptions.clusterId(spec.commandLine(), adoptCluster));
    Lifecycle lifecycle = new Lifecycle();
    GrpcControlPlaneClient client = lifecycle.manage(GrpcControlPlaneClient.connect(Arrays.asList(controllers.split(","))));
    Agent agent = lifecycle.manage(new Agent(config, client, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC()));
    agent.start();
    if (!agent.awaitFirstSyncOrStale(Duration.ofMinutes(2))) {
      System.err.println("warning: the agent has not caught up with the log yet; it keeps its maps and keeps trying. Control plane: "
          + agent.controlPlaneSummary());
    }
    System.out.printf("agent ready node=%s api=%s pins=%s%n", name, agent.apiAddress(), config.pinRoot());
    System.out.flush();
    lifecycle.awaitShutdown("agent " + name);
    return 0;
  }
}
