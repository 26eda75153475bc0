package io.nodus.rest;

/**
 * Where and how the REST API listens.
 *
 * @param host bind address, 127.0.0.1 by default
 * @param port TCP port, 9400 by default; 0 picks a free one
 * @param maxBodyBytes largest accepted request body
 * @param adminPort port of Dropwizard's admin context (health checks, ping, thread dump), always
 *     bound to loopback; {@link #ADMIN_OFF} (the default) serves no admin context at all, 0 picks
 *     a free port. Never on the API port: a thread dump is not for anyone who can reach the API.
 */
public record RestConfig(String host, int port, long maxBodyBytes, int adminPort) {
  public static final int DEFAULT_PORT = 9400;
  public static final long DEFAULT_MAX_BODY = 1024 * 1024;
  /** {@link #adminPort} meaning "no admin context". */
  public static final int ADMIN_OFF = -1;
  /** The only address the admin context binds to. */
  public static final String ADMIN_HOST = "127.0.0.1";

  public RestConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("REST port " + port + " outside 0..65535");
    }
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("max body size must be positive");
    }
    if (adminPort < ADMIN_OFF || adminPort > 65535) {
      throw new IllegalArgumentException("admin port " + adminPort + " outside 0..65535 (or -1 for off)");
    }
  }

  /** Without an admin context. */
  public RestConfig(String host, int port, long maxBodyBytes) {
    this(host, port, maxBodyBytes, ADMIN_OFF);
  }

  /** This configuration with the admin context on {@code 127.0.0.1:adminPort}. */
  public RestConfig withAdminPort(int adminPort) {
    return new RestConfig(host, port, maxBodyBytes, adminPort);
  }

  /** Parses {@code host:port}. */
  public static RestConfig parse(String address) {
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("REST address '" + address + "' is not host:port");
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("REST address '" + address + "' has no numeric port");
    }
    return new RestConfig(address.substring(0, colon), port, DEFAULT_MAX_BODY);
  }

  /**
   * Parses the admin address {@code [127.0.0.1:]PORT}; anything but a loopback host is refused,
   * since the admin context has no authentication.
   */
  public static int parseAdminPort(String address) {
    int colon = address.lastIndexOf(':');
    String host = colon < 0 ? ADMIN_HOST : address.substring(0, colon);
    if (!host.equals(ADMIN_HOST) && !host.equals("localhost")) {
      throw new IllegalArgumentException("the admin context binds to " + ADMIN_HOST + " only (it has no authentication), not '"
          + host + "'");
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("admin address '" + address + "' is not 127.0.0.1:PORT");
    }
  }
}
