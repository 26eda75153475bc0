package io.nodus.raft.server;

/**
 * A {@code host:port} network address as written in configuration and flags.
 *
 * @param host host name or IPv4 address
 * @param port TCP port, 0 to let the system pick one when binding
 */
public record HostPort(String host, int port) {
  public HostPort {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, got " + port);
    }
  }

  /** Parses {@code host:port}. */
  public static HostPort parse(String s) {
    int colon = s == null ? -1 : s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got '" + s + "'");
    }
    try {
      return new HostPort(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected host:port with a numeric port, got '" + s + "'", e);
    }
  }

  /**
   * Parses {@code ID=HOST:PORT,...} as {@code option} gives it, in order; an id given twice is
   * refused (the last one used to win without a word).
   */
  public static java.util.Map<String, HostPort> parsePeers(String option, String text) {
    java.util.Map<String, HostPort> out = new java.util.LinkedHashMap<>();
    for (String part : text.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(option + ": '" + part.strip() + "' is not ID=HOST:PORT");
      }
      String id = part.substring(0, eq).strip();
      if (out.put(id, parse(part.substring(eq + 1).strip())) != null) {
        throw new ConfigurationException(option + ": member " + id + " is given twice");
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
