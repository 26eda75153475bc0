package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nodus.ops.client.RestClient;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/** Options every client verb shares: where the API is and how to print. */
public final class ClientOptions {
  private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Output formats. */
  public enum Output { table, json }

  @Option(names = "--server", description = "Nodus REST API (default: ${DEFAULT-VALUE}, or $NODUS_SERVER)",
      defaultValue = "${env:NODUS_SERVER:-http://127.0.0.1:9400}")
  String server;

  @Option(names = {"-o", "--output"}, description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})",
      defaultValue = "table")
  Output output;

  public RestClient rest() {
    return new RestClient(server);
  }

  public boolean json() {
    return output == Output.json;
  }

  public static void printJson(PrintStream out, JsonNode node) {
    try {
      out.println(PRETTY.writeValueAsString(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void printJson(PrintStream out, Object value) {
    printJson(out, PRETTY.valueToTree(value));
  }
}
