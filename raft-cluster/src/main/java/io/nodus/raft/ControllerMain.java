package io.nodus.raft;

import io.nodus.raft.server.ConfigurationException;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.ControllerServer;
import io.nodus.raft.server.HostPort;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The smallest controller process: {@code --id ID --peers ID=HOST:PORT,... --data-dir DIR
 * [--grpc HOST:PORT] [--snapshot-interval N] [--log-segment-bytes N] [--event-retention N]
 * [--min-free-bytes N] [--cluster NAME] [--join]}. With {@code --join} it starts outside the group and waits to be
 * added; {@code --peers} then names the running members and this one. Prints one line
 * {@code controller ready id=... grpc=...} on stdout once it serves, and stops cleanly on SIGTERM
 * (the JVM runs the shutdown hook). The {@code nodus controller} command wraps
 * {@link ControllerServer} the same way.
 */
public final class ControllerMain {
  private ControllerMain() {}

  public static void main(String[] args) throws Exception {
    ControllerConfig config;
    try {
      config = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println("usage: ControllerMain --id ID --peers ID=HOST:PORT,... --data-dir DIR [--grpc HOST:PORT]"
          + " [--snapshot-interval N] [--log-segment-bytes N] [--event-retention N] [--min-free-bytes N] [--cluster NAME]"
          + " [--join]");
      System.exit(2);
      return;
    }
    ControllerServer server;
    try {
      server = ControllerServer.start(config);
    } catch (ConfigurationException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "nodus-controller-shutdown"));
    System.out.println("controller ready id=" + config.memberId() + " grpc=" + server.grpcAddress());
    System.out.flush();
    stopped.await();
  }

  static ControllerConfig parse(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--join")) {
        flags.put("join", "true");
        continue;
      }
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --flag value pairs, got '" + args[i] + "'");
      }
      flags.put(args[i].substring(2), args[++i]);
    }
    ControllerConfig.Builder b = ControllerConfig.builder()
        .memberId(required(flags, "id"))
        .dataDir(Path.of(required(flags, "data-dir")));
    b.peers(HostPort.parsePeers("--peers", required(flags, "peers")));
    if (flags.containsKey("grpc")) {
      b.grpcBind(HostPort.parse(flags.get("grpc")));
    }
    if (flags.containsKey("snapshot-interval")) {
      b.snapshotInterval(Long.parseLong(flags.get("snapshot-interval")));
    }
    if (flags.containsKey("log-segment-bytes")) {
      b.logSegmentBytes(Long.parseLong(flags.get("log-segment-bytes")));
    }
    if (flags.containsKey("event-retention")) {
      b.eventRetention(Long.parseLong(flags.get("event-retention")));
    }
    if (flags.containsKey("min-free-bytes")) {
      b.minFreeBytes(Long.parseLong(flags.get("min-free-bytes")));
    }
    if (flags.containsKey("cluster")) {
      b.clusterName(flags.get("cluster"));
    }
    b.join(flags.containsKey("join"));
    return b.build();
  }

  private static String required(Map<String, String> flags, String name) {
    String v = flags.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }
}
