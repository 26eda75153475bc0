package io.nodus.rest;

/**
 * Where and how the REST API listens.
 *
 * @param host bind address, 127.0.0.1 by default
 * @param port TCP port, 9400 by default; 0 picks a free one
 * @param maxBodyBytes largest accepted request body
 */
public record RestConfig(String host, int port, long maxBodyBytes) {
  public static final int DEFAULT_PORT = 9400;
  public static final long DEFAULT_MAX_BODY = 1024 * 1024;

  public RestConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("REST port " + port + " outside 0..65535");
    }
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("max body size must be positive");
    }
  }

  /** Parses {@code host:port}. */
  public static RestConfig parse(String address) {
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("REST address '" + address + "' is not host:port");
    }
    return new RestConfig(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)), DEFAULT_MAX_BODY);
  }
}
