package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.ops.client.AgentMonitor;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nodus monitor}: live datapath events of the local node, with both identities' labels. */
@Command(name = "monitor", description = "Stream datapath events (drops, ...) of this node, with labels.")
public final class MonitorCommand implements Callable<Integer> {
  @Option(names = "--type", description = "Only events of this type: drop, verdict or trace (comma-separated).")
  String type;

  @Option(names = "--agent", description = "The local agent's API (default: ${DEFAULT-VALUE}).",
      defaultValue = "${env:NODUS_AGENT:-http://127.0.0.1:9403}")
  String agent;

  @Option(names = {"-o", "--output"}, description = "table (readable lines) or json (one JSON object per line).", defaultValue = "table")
  ClientOptions.Output output;

  @Override
  public Integer call() throws Exception {
    try (AgentMonitor m = AgentMonitor.open(agent, type, this::print)) {
      if (m.awaitLive(java.time.Duration.ofSeconds(5)) && output != ClientOptions.Output.json) {
        System.err.println("listening for datapath events (Ctrl-C to stop)...");
      }
      m.join();
    }
    return 0;
  }

  private void print(JsonNode n) {
    if (output == ClientOptions.Output.json) {
      System.out.println(n.toString());
    } else if (n.path("type").asText().equals("lost")) {
      System.out.printf("!! %d events lost: this monitor fell behind%n", n.path("count").asLong());
    } else {
      System.out.println(AgentMonitor.record(n).toHumanLine());
    }
    System.out.flush();
  }
}
