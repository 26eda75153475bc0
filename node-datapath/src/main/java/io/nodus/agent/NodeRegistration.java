package io.nodus.agent;

import io.nodus.agent.plumbing.HostNetwork;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.RegisterNode;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the agent's node in the log (again after a restart: the node keeps its pod CIDR,
 * only its underlay address may move). A new node registers before it watches and fails the
 * start when it cannot; a node whose maps already follow a log registers only once a controller
 * continues that log, in the background, so that it never blocks on, nor writes to, a control
 * plane that serves another state.
 *
 * <p>Threading: each call runs on its caller's thread; they share nothing mutable.
 */
final class NodeRegistration {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRegistration.class);
  private static final long RETRY_MILLIS = 1000;

  private final AgentConfig config;
  private final ControlPlaneClient client;

  NodeRegistration(AgentConfig config, ControlPlaneClient client) {
    this.config = config;
    this.client = client;
  }

  /** Registers now, retrying for two minutes while the control plane is not reachable; a refusal throws. */
  void now() throws InterruptedException {
    Command cmd = command();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      try {
        CommandResult r = client.submit(cmd);
        if (r.hasRejection()) {
          throw new IllegalStateException("node registration refused: " + r.getRejection().getMessage());
        }
        LOG.info("node registered node={} underlay={}", config.node(), cmd.getRegisterNode().getUnderlayIp());
        return;
      } catch (RuntimeException e) {
        if (e instanceof IllegalStateException || System.nanoTime() > deadline) {
          throw e;
        }
        LOG.warn("control plane not reachable yet, retrying node={} error={}", config.node(), e.getMessage());
        Thread.sleep(RETRY_MILLIS);
      }
    }
  }

  /** Registers again, retrying until it is answered or {@code stopping}; a refusal is logged. */
  void again(BooleanSupplier stopping) {
    Command cmd = command();
    while (!stopping.getAsBoolean()) {
      try {
        CommandResult r = client.submit(cmd);
        if (r.hasRejection()) {
          LOG.error("node registration refused node={} code={} message={}", config.node(), r.getRejection().getCode(),
              r.getRejection().getMessage());
        } else {
          LOG.info("node registered again node={} underlay={}", config.node(), cmd.getRegisterNode().getUnderlayIp());
        }
        return;
      } catch (RuntimeException e) {
        LOG.warn("node registration failed, retrying node={} error={}", config.node(), e.getMessage());
        try {
          Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** One command for all attempts: its request id makes a retry after a timeout count once. */
  private Command command() {
    String underlay = config.underlayIp().isEmpty() ? HostNetwork.primaryIpv4() : config.underlayIp();
    return Command.newBuilder().setRequestId("register-" + config.node() + "-" + UUID.randomUUID())
        .setRegisterNode(RegisterNode.newBuilder().setName(config.node()).setUnderlayIp(underlay)).build();
  }
}
