package io.nodus.ops.client;

/** An error to show the user as one line, with the process exit code it implies. */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public CliException(String message) {
    this(message, 1);
  }

  public CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
