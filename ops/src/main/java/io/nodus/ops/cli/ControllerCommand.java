package io.nodus.ops.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.ops.runtime.ControllerRuntime;
import io.nodus.ops.runtime.Lifecycle;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.HostPort;
import io.nodus.rest.RestConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nodus controller}: one member of a controller cluster, with an optional REST API. */
@Command(name = "controller", description = "Run one controller (Raft member) of a cluster.")
public final class ControllerCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ControllerCommand.class);

  @Option(names = "--id", required = true, description = "This controller's member id.")
  String id;

  @Option(names = "--data-dir", required = true, description = "Directory for the Raft log and RocksDB.")
  Path dataDir;

  @Option(names = "--peers", required = true, description = "Every member, this one included: ID=HOST:RAFTPORT,...")
  String peers;

  @Option(names = "--grpc", description = "gRPC address (watch, submit) (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1:9401")
  String grpc;

  @Option(names = "--rest", description = "Serve the REST API on HOST:PORT (e.g. 127.0.0.1:9400); off when absent.")
  String rest;

  @Option(names = "--admin", description = "Serve Dropwizard's admin context (health checks, ping, thread dump; no tasks) on "
      + "127.0.0.1:PORT; loopback only, off when absent.")
  String admin;

  @Spec
  CommandSpec spec;

  @Option(names = "--snapshot-interval", description = "Entries between snapshots (default: ${DEFAULT-VALUE}).", defaultValue = "10000")
  long snapshotInterval;

  @Option(names = "--min-free-disk", description = "Space the data directory must keep free (e.g. 64MB, 1GB): below it the "
      + "controller stops its replica and refuses requests until twice as much is free (default: ${DEFAULT-VALUE}).",
      defaultValue = "64MB")
  String minFreeDisk;

  @Option(names = "--join", description = "Join a running cluster: start outside it and wait for `nodus cluster add-member`; "
      + "--peers names the running members and this one.")
  boolean join;

  @Option(names = "--unsafe-local-reads", hidden = true, description = "TEST ONLY, breaks linearizability: answer "
      + "linearizable reads from the local replica without ReadIndex (a fault the chaos tests must catch).")
  boolean unsafeLocalReads;

  @Override
  public Integer call() throws Exception {
    if (admin != null && rest == null) {
      throw ServerOptions.bad(spec.commandLine(), "--admin needs --rest: the admin context is part of the REST server");
    }
    RestConfig restConfig = rest == null ? null : ServerOptions.rest(spec.commandLine(), rest, admin);
    ControllerConfig config = ControllerConfig.builder()
        .memberId(id)
        .peers(ServerOptions.peers(peers))
        .dataDir(dataDir)
        .grpcBind(HostPort.parse(grpc))
        .snapshotInterval(snapshotInterval)
        .minFreeBytes(ServerOptions.bytes(spec.commandLine(), "--min-free-disk", minFreeDisk))
        .join(join)
        .unsafeLocalReads(unsafeLocalReads)
        .build();
    if (unsafeLocalReads) {
      log.warn("fault injected: linearizable reads answer from the local replica id={}", id);
    }
    Lifecycle lifecycle = new Lifecycle();
    ControllerRuntime runtime = lifecycle.manage(ControllerRuntime.start(config,
        restConfig, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
    System.out.printf("controller ready id=%s raft=%s grpc=%s rest=%s admin=%s%n", id, config.raftBind(),
        runtime.controller().grpcAddress(), rest == null ? "off" : "127.0.0.1:" + runtime.restPort(),
        runtime.adminPort() < 0 ? "off" : "127.0.0.1:" + runtime.adminPort());
    System.out.flush();
    lifecycle.awaitShutdown("controller " + id);
    return 0;
  }
}
