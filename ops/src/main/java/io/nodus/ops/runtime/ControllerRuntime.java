package io.nodus.ops.runtime;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.ControllerServer;
import io.nodus.rest.RestConfig;
import io.nodus.rest.RestServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A controller (Raft member, RocksDB, gRPC) and, optionally, the REST API in front of it. */
public final class ControllerRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerRuntime.class);

  private final ControllerServer controller;
  private final RestServer rest;

  private ControllerRuntime(ControllerServer controller, RestServer rest) {
    this.controller = controller;
    this.rest = rest;
  }

  /** Starts the controller, then the REST API when {@code restConfig} is not null. */
  public static ControllerRuntime start(ControllerConfig config, RestConfig restConfig, PrometheusMeterRegistry registry) throws Exception {
    ControllerServer controller = ControllerServer.start(config);
    try {
      RestServer rest = restConfig == null ? null
          : RestServer.start(restConfig, new RaftControlPlane(controller.client()), registry);
      return new ControllerRuntime(controller, rest);
    } catch (Exception e) {
      controller.close();
      throw e;
    }
  }

  public ControllerServer controller() {
    return controller;
  }

  /** The bound REST port, or -1 without REST. */
  public int restPort() {
    return rest == null ? -1 : rest.port();
  }

  /** The bound admin port (loopback), or -1 when there is no admin context. */
  public int adminPort() {
    return rest == null ? -1 : rest.adminPort();
  }

  @Override
  public void close() {
    if (rest != null) {
      try {
        rest.close();
      } catch (Exception e) {
        LOG.warn("rest api did not stop cleanly error={}", e.toString());
      }
    }
    controller.close();
  }
}
