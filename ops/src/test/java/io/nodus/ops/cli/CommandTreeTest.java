package io.nodus.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.ops.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every verb and sub-verb of the command tree answers --help and -h; completion covers the tree. */
class CommandTreeTest {
  /** What one run printed and returned. */
  private record Run(int exit, String out, String err) {}

  private static Run run(List<String> args) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  /** The name path of every command under {@code cli}, the root's (empty) included. */
  private static void walk(CommandLine cli, List<String> path, List<List<String>> into) {
    into.add(path);
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (!sub.getCommandSpec().name().equals(sub.getCommandName())) {
        continue; // an alias: its command is walked under its own name
      }
      List<String> next = new ArrayList<>(path);
      next.add(sub.getCommandName());
      walk(sub, next, into);
    }
  }

  private static List<List<String>> commands() {
    List<List<String>> all = new ArrayList<>();
    walk(Main.commandLine(), List.of(), all);
    return all;
  }

  @Test
  void everyVerbAndSubVerbAnswersHelpAndH() {
    List<List<String>> commands = commands();
    assertThat(commands).hasSizeGreaterThan(40).contains(List.of("policy"), List.of("policy", "list"), List.of("ipam", "pool", "create"),
        List.of("completion"));
    for (List<String> command : commands) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(command);
        args.add(flag);
        Run r = run(args);
        String usage = "Usage: nodus" + (command.isEmpty() ? "" : " " + String.join(" ", command));
        assertThat(r.exit()).as("nodus %s %s: %s", String.join(" ", command), flag, r.err()).isZero();
        assertThat(r.out()).as("nodus %s %s", String.join(" ", command), flag).startsWith(usage);
        assertThat(r.err()).isEmpty();
      }
    }
  }

  @Test
  void completionForBashCoversTheWholeTree() {
    Run r = run(List.of("completion", "bash"));
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_nodus");
    for (List<String> command : commands()) {
      if (!command.isEmpty()) {
        assertThat(r.out()).as("completion of %s", command).contains(command.get(command.size() - 1));
      }
    }
    // Options of a sub-verb, the listing ones among them.
    assertThat(r.out()).contains("--limit").contains("--selector").contains("--continue");
    assertThat(run(List.of("completion", "fish")).exit()).isEqualTo(2);
  }
}
