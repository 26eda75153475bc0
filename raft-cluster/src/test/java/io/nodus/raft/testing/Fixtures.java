package io.nodus.raft.testing;

import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.HostPort;
import io.nodus.state.proto.AllocateIpam;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateIpamPool;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.ServiceBackend;
import io.nodus.state.proto.ServiceFrontend;
import io.nodus.state.proto.UpsertService;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.DeleteEndpoint;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.RegisterNode;
import io.nodus.state.proto.UpsertPolicy;
import io.nodus.raft.proto.ReplicaCondition;
import io.nodus.raft.server.ControllerServer;
import java.io.IOException;
import java.time.Duration;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** Commands and configurations the tests share. */
public final class Fixtures {
  /** A fixed leader clock: applied state must not depend on when a test runs. */
  public static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  private Fixtures() {}

  public static Command registerNode(String name) {
    return Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName(name)).build();
  }

  /** A minimal valid policy: one rule selecting k8s:app=x in namespace default. */
  public static Command upsertPolicy(String name) {
    Policy policy = Policy.newBuilder()
        .setName(name)
        .setNamespace("default")
        .setKind("CiliumNetworkPolicy")
        .addRules(PolicyRule.newBuilder().setEndpointSelector(EndpointSelector.newBuilder()
            .addMatchLabels(Label.newBuilder().setSource("k8s").setKey("app").setValue("x"))))
        .build();
    return Command.newBuilder().setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(policy)).build();
  }

  public static Command createEndpoint(String name, String node) {
    return Command.newBuilder().setCreateEndpoint(CreateEndpoint.newBuilder()
        .setName(name)
        .setNode(node)
        .setLabels(LabelSet.newBuilder().addLabels(Label.newBuilder().setSource("k8s").setKey("app").setValue("x"))))
        .build();
  }

  /** A TCP service on {@code vip}:80 with one backend. */
  public static Command upsertService(String name, String vip) {
    return Command.newBuilder().setUpsertService(UpsertService.newBuilder().setService(Service.newBuilder()
        .setName(name)
        .setFrontend(ServiceFrontend.newBuilder().setIp(vip).setPort(80))
        .addBackends(ServiceBackend.newBuilder().setIp("10.200.0.10").setPort(8080)))).build();
  }

  public static Command createPool(String name, String cidr, int blockPrefix) {
    return Command.newBuilder().setCreateIpamPool(CreateIpamPool.newBuilder()
        .setPool(IpamPool.newBuilder().setName(name).setCidr(cidr).setBlockPrefix(blockPrefix))).build();
  }

  /** Takes the next address (or block) of {@code pool} for {@code owner}: not idempotent by itself. */
  public static Command allocate(String pool, String owner) {
    return Command.newBuilder().setAllocateIpam(AllocateIpam.newBuilder().setPool(pool).setOwner(owner)).build();
  }

  public static Command deleteEndpoint(String name) {
    return Command.newBuilder().setDeleteEndpoint(DeleteEndpoint.newBuilder().setName(name)).build();
  }

  /** A port free right now on loopback. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a controller and waits until its replica serves (it has shown it applied everything committed). */
  public static ControllerServer startServing(ControllerConfig config) throws IOException {
    ControllerServer server = ControllerServer.start(config);
    awaitServing(server);
    return server;
  }

  /** Waits until {@code server}'s replica serves reads and watches. */
  public static void awaitServing(ControllerServer server) {
    Await.until(Duration.ofSeconds(30), "controller " + server.memberId() + " serves",
        () -> server.status().getHealth().getCondition() == ReplicaCondition.SERVING);
  }

  /** One controller on loopback, free Raft port, gRPC port picked at bind time, small snapshot interval. */
  public static ControllerConfig.Builder single(Path dataDir) {
    return ControllerConfig.builder()
        .memberId("c1")
        .peer("c1", new HostPort("127.0.0.1", freePort()))
        .dataDir(dataDir)
        .grpcBind(new HostPort("127.0.0.1", 0))
        .clock(CLOCK);
  }
}
