package io.nodus.ops.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.agent.Agent;
import io.nodus.agent.AgentConfig;
import io.nodus.ops.runtime.ControllerRuntime;
import io.nodus.ops.runtime.Lifecycle;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.HostPort;
import io.nodus.rest.RestConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nodus up}: the embedded default. One controller (RocksDB under the data directory),
 * the REST API and the local agent in one process; Ctrl-C stops it, a restart keeps all state,
 * and enforcement continues while it is stopped.
 */
@Command(name = "up", description = "Start a single-controller cluster, the REST API and this host's agent.")
public final class UpCommand implements Callable<Integer> {
  @Option(names = "--data-dir", description = "State directory (default: ${DEFAULT-VALUE}).", defaultValue = "var")
  Path dataDir;

  @Option(names = "--rest", description = "REST API address (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1:9400")
  String rest;

  @Option(names = "--grpc", description = "gRPC address (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1:9401")
  String grpc;

  @Option(names = "--raft", description = "Raft address (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1:9402")
  String raft;

  @Option(names = "--agent-api", description = "Agent API (metrics, monitor) address (default: ${DEFAULT-VALUE}).",
      defaultValue = "127.0.0.1:9403")
  String agentApi;

  @Option(names = "--min-free-disk", description = "Space the data directory must keep free (e.g. 64MB, 1GB): below it the "
      + "controller stops its replica and refuses requests until twice as much is free (default: ${DEFAULT-VALUE}).",
      defaultValue = "64MB")
  String minFreeDisk;

  @Option(names = "--node", description = "Node name (default: this host's name).")
  String node;

  @Option(names = "--admin", description = "Serve Dropwizard's admin context (health checks, ping, thread dump; no tasks) on "
      + "127.0.0.1:PORT; loopback only, off when absent.")
  String admin;

  @Option(names = "--adopt-cluster", paramLabel = "UUID", description = "Let this host's agent follow the cluster UUID although its "
      + "maps follow another one (e.g. after the data directory was removed); see `nodus agent --help`.")
  String adoptCluster;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    RestConfig restConfig = ServerOptions.rest(spec.commandLine(), rest, admin);
    String adopt = ServerOptions.clusterId(spec.commandLine(), adoptCluster);
    String name = node != null ? node : ServerOptions.defaultNodeName();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Lifecycle lifecycle = new Lifecycle();
    Path controllerDir = dataDir.resolve("controller").toAbsolutePath();
    System.out.printf("starting controller c1 (data in %s)...%n", controllerDir);
    ControllerConfig config = ControllerConfig.builder()
        .memberId("c1")
        .peers(Map.of("c1", HostPort.parse(raft)))
        .dataDir(controllerDir)
        .grpcBind(HostPort.parse(grpc))
        .minFreeBytes(ServerOptions.bytes(spec.commandLine(), "--min-free-disk", minFreeDisk))
        .build();
    ControllerRuntime controller = lifecycle.manage(ControllerRuntime.start(config, restConfig, registry));
    System.out.printf("controller ready: raft %s, grpc %s, REST API http://%s%s%n", raft, controller.controller().grpcAddress(), rest,
        controller.adminPort() < 0 ? "" : ", admin http://127.0.0.1:" + controller.adminPort());

    AgentConfig defaults = AgentConfig.defaults(name);
    AgentConfig agentConfig = new AgentConfig(name, defaults.pinRoot(), "", ServerOptions.socket(agentApi), defaults.resyncInterval())
        .withAdoptCluster(adopt);
    System.out.printf("starting agent for node %s (maps pinned under %s)...%n", name, agentConfig.pinRoot());
    Agent agent = lifecycle.manage(new Agent(agentConfig, controller.controller().client(), registry, Clock.systemUTC()));
    try {
      agent.start();
      if (!agent.awaitFirstSyncOrStale(Duration.ofMinutes(2))) {
        System.err.println("warning: the agent has not caught up with the log yet; it keeps its maps and keeps trying. Control plane: "
            + agent.controlPlaneSummary());
        if (agent.controlPlane().reason().equals("other_cluster")) {
          System.err.println("This host's maps follow cluster " + agent.logPosition().clusterUuid() + ". If " + dataDir
              + " was removed on purpose, follow the new cluster with `nodus up --adopt-cluster UUID`, UUID as named above "
              + "(or stop, remove the old datapath with `nodus datapath clean --node " + name + "`, and start again).");
        }
      }
    } catch (Exception e) {
      lifecycle.closeAll();
      throw e;
    }
    System.out.printf("agent ready: node %s, monitor and metrics on http://%s%n", name, agentApi);
    System.out.println("Nodus is up. Try `./nodus demo` in another terminal; Ctrl-C stops (enforcement stays in place).");
    System.out.flush();
    lifecycle.awaitShutdown("nodus");
    return 0;
  }
}
