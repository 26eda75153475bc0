package io.nodus.agent.plumbing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command to completion and returns its output; a non-zero exit becomes a
 * {@link PlumbingException} carrying the command line and stderr. Thread-safe.
 */
public final class Shell {
  private static final long TIMEOUT_SECONDS = 30;

  private Shell() {}

  /**
   * The result of a command.
   *
   * @param exitCode process exit status
   * @param stdout standard output
   * @param stderr standard error
   */
  public record Result(int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  /** Runs the command and throws unless it exits with 0. */
  public static String run(String... command) {
    Result r = tryRun(command);
    if (!r.ok()) {
      throw new PlumbingException(String.join(" ", command) + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
    }
    return r.stdout();
  }

  /** Runs {@code ip -batch -} with {@code commands} (one per line) in the agent's namespace. */
  public static void batch(String commands) {
    check(withInput(commands, "ip", "-batch", "-"), "ip -batch:\n" + commands);
  }

  /** Runs {@code ip -n NAMESPACE -batch -} with {@code commands}. */
  public static void batch(String namespace, String commands) {
    check(withInput(commands, "ip", "-n", namespace, "-batch", "-"), "ip -n " + namespace + " -batch:\n" + commands);
  }

  private static void check(Result r, String what) {
    if (!r.ok()) {
      throw new PlumbingException(what + "failed (exit " + r.exitCode() + "): " + r.stderr().strip());
    }
  }

  /** Runs the command and returns whatever happened. */
  public static Result tryRun(String... command) {
    return withInput("", command);
  }

  /** Runs the command with {@code stdin} as its input and returns whatever happened. */
  public static Result withInput(String stdin, String... command) {
    ProcessBuilder pb = new ProcessBuilder(List.of(command));
    try {
      Process p = pb.start();
      try (var in = p.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      // Read both streams fully; the outputs of ip and sysctl are small.
      String out = read(p.getInputStream());
      String err = read(p.getErrorStream());
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new PlumbingException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + "s");
      }
      return new Result(p.exitValue(), out, err);
    } catch (IOException e) {
      throw new PlumbingException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlumbingException("interrupted running " + String.join(" ", command), e);
    }
  }

  private static String read(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
