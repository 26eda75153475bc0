package io.nodus.ops.cli;

import io.nodus.raft.server.HostPort;
import io.nodus.rest.RestConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ParameterException;

/** Parsing helpers for the server verbs' options. */
final class ServerOptions {
  private ServerOptions() {}

  /** Parses {@code id=host:port,id=host:port}; an id given twice is refused. */
  static Map<String, HostPort> peers(String text) {
    return HostPort.parsePeers("--peers", text);
  }

  static InetSocketAddress socket(String hostPort) {
    HostPort hp = HostPort.parse(hostPort);
    return new InetSocketAddress(hp.host(), hp.port());
  }

  /** This machine's name as a node name: lowercase, with anything outside [a-z0-9.-] turned into '-'. */
  static String defaultNodeName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = System.getenv().getOrDefault("HOSTNAME", "node");
    }
    String name = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-").replaceAll("^[-.]+|[-.]+$", "");
    return name.isEmpty() ? "node" : name;
  }

  /**
   * The REST configuration for {@code restAddress}, with the admin context on the loopback port
   * {@code admin} names ({@code [127.0.0.1:]PORT}); without {@code admin} there is none. A
   * non-loopback admin address is refused: the admin context has no authentication.
   */
  static RestConfig rest(picocli.CommandLine cmd, String restAddress, String admin) {
    RestConfig config;
    try {
      config = RestConfig.parse(restAddress);
    } catch (IllegalArgumentException e) {
      throw bad(cmd, "--rest: " + e.getMessage());
    }
    if (admin == null) {
      return config;
    }
    try {
      return config.withAdminPort(RestConfig.parseAdminPort(admin));
    } catch (IllegalArgumentException e) {
      throw bad(cmd, "--admin: " + e.getMessage());
    }
  }

  /**
   * A cluster id for {@code --adopt-cluster} (null: none): a UUID, as {@code nodus datapath
   * status} names the cluster a controller serves; lower case.
   */
  static String clusterId(picocli.CommandLine cmd, String text) {
    if (text == null) {
      return "";
    }
    String id = text.strip().toLowerCase(Locale.ROOT);
    try {
      if (java.util.UUID.fromString(id).toString().equals(id)) {
        return id;
      }
    } catch (IllegalArgumentException e) {
      // Reported below.
    }
    throw bad(cmd, "--adopt-cluster: '" + text + "' is not a cluster id (a UUID such as 0f8e1c7a-5b3d-3c2e-9a41-6d7e8f9a0b1c)");
  }

  /** Parses a size such as {@code 64MB}, {@code 1GB} (binary units) or a number of bytes. */
  static long bytes(picocli.CommandLine cmd, String option, String text) {
    try {
      long v = org.apache.ratis.util.SizeInBytes.valueOf(text.strip()).getSize();
      if (v < 0) {
        throw new IllegalArgumentException("negative");
      }
      return v;
    } catch (RuntimeException e) {
      throw bad(cmd, option + ": '" + text + "' is not a size such as 64MB, 1GB or a number of bytes");
    }
  }

  static ParameterException bad(picocli.CommandLine cmd, String message) {
    return new ParameterException(cmd, message);
  }
}
