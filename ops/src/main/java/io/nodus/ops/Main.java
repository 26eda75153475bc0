package io.nodus.ops;

import io.nodus.ops.cli.NodusCommand;
import io.nodus.ops.client.CliException;
import java.util.Set;
import picocli.CommandLine;

/** Entry point of the {@code nodus} command. */
public final class Main {
  /** Verbs that run servers and log at INFO; client verbs log only warnings. */
  private static final Set<String> SERVER_VERBS = Set.of("up", "controller", "agent");

  private Main() {}

  public static void main(String[] args) {
    if (args.length == 0 || !SERVER_VERBS.contains(args[0])) {
      System.setProperty("nodus.log.level", "WARN");
    }
    System.exit(commandLine().execute(args));
  }

  /** The command tree as {@link #main} runs it: a user's mistake is a message and an exit code, not a stack trace. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new NodusCommand());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CliException c) {
        cmd.getErr().println(c.getMessage());
        return c.exitCode();
      }
      if (e instanceof IllegalArgumentException) {
        cmd.getErr().println("error: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    return cli;
  }
}
