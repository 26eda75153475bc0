package io.nodus.raft.server;

/**
 * A controller's configuration contradicts itself or what its data directory recorded (another
 * member id, another cluster, its own address moved). The controller refuses to start, and the
 * message says what to change; the commands print it and exit with status 2.
 */
public final class ConfigurationException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ConfigurationException(String message) {
    super(message);
  }
}
