package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.ops.client.AgentMonitor;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nodus monitor}: live datapath events of the local node — drops with their reason,
 * policy verdicts with the rule that matched, traces — with both identities and their labels.
 */
@Command(name = "monitor", description = {"Stream datapath events of this node, with both identities' labels.",
    "Types: drop (with its reason), verdict (an allowed new flow and the policy entry that allowed it),",
    "trace (every forwarded packet; asking for it turns tracing on while the monitor runs),",
    "agent (the agent's own notices, e.g. a policy that does not fit an endpoint's policy map)."})
public final class MonitorCommand implements Callable<Integer> {
  @Option(names = "--type", description = "Only events of these types: drop, verdict, trace, agent (comma-separated).")
  String type;

  @Option(names = "--endpoint", description = "Only events of this endpoint (with --type trace: trace only this endpoint).")
  String endpoint;

  @Option(names = "--identity", description = "Only events with this security identity on either side.")
  int identity;

  @Option(names = "--agent", description = "The local agent's API (default: ${DEFAULT-VALUE}).",
      defaultValue = "${env:NODUS_AGENT:-http://127.0.0.1:9403}")
  String agent;

  @Option(names = {"-o", "--output"}, description = "table (readable lines) or json (one JSON object per line).", defaultValue = "table")
  ClientOptions.Output output;

  @Override
  public Integer call() throws Exception {
    String types = type == null ? null : type.replace("policy-verdict", "verdict");
    try (AgentMonitor m = AgentMonitor.open(agent, types, endpoint, identity, this::print)) {
      if (m.awaitLive(Duration.ofSeconds(5)) && output != ClientOptions.Output.json) {
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
      boolean datapath = n.path("source").asText().equals("datapath");
      System.out.printf("!! %d events lost: %s%n", n.path("count").asLong(),
          datapath ? "the datapath's ring buffer was full" : "this monitor fell behind");
    } else if (n.path("type").asText().equals("agent")) {
      System.out.printf("!! agent %s endpoint %s: %s%n", n.path("subtype").asText(), n.path("endpoint").asText(),
          n.path("message").asText());
    } else {
      System.out.println(AgentMonitor.record(n).toHumanLine());
    }
    System.out.flush();
  }
}
