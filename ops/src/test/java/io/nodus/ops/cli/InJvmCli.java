package io.nodus.ops.cli;

import io.nodus.ops.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs `nodus` verbs in this JVM as {@link Main} would, capturing what they print: for CLI tests against a live runtime. */
final class InJvmCli {
  record Run(int exit, String out, String err) {}

  private InJvmCli() {}

  /** Runs {@code nodus ARGS --server SERVER}; one at a time, since it swaps System.out and System.err. */
  static synchronized Run run(String server, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--server");
    all.add(server);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      System.setErr(e);
      var cli = Main.commandLine();
      cli.setErr(new PrintWriter(e, true));
      int exit = cli.execute(all.toArray(String[]::new));
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
