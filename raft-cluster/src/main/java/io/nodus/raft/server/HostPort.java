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

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
