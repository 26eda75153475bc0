package io.nodus.ops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nodus.ops.client.RestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * `nodus up` as users run it (one process: controller, REST API, agent) and `nodus demo` against
 * it; then a stop and a start of `up` with the same data directory.
 */
class UpAndDemoE2ETest {
  private static final Path LOGS = Path.of("target", "e2e-logs");
  private static final Pattern DEMO_ENDPOINT = Pattern.compile("(demo-(client|server)-[0-9a-f]{4})");

  private final String id = TestHost.uniqueId();
  private final String node = "up-" + id;
  private final String endpoint = "w-" + id;
  private final List<String> namespaces = new ArrayList<>(List.of(endpoint));
  private Path dataDir;
  private String[] upArgs;
  private NodusProcess up;
  private RestClient rest;
  private String agentUrl;

  @BeforeEach
  void start() throws Exception {
    dataDir = Files.createTempDirectory("nodus-up-");
    int restPort = TestHost.freePort();
    int agentPort = TestHost.freePort();
    upArgs = new String[] {"up", "--data-dir", dataDir.toString(), "--node", node,
        "--rest", "127.0.0.1:" + restPort, "--grpc", "127.0.0.1:" + TestHost.freePort(),
        "--raft", "127.0.0.1:" + TestHost.freePort(), "--agent-api", "127.0.0.1:" + agentPort};
    up = NodusProcess.start(LOGS.resolve(id), "up", "Nodus is up", upArgs).awaitReady(Duration.ofSeconds(90));
    rest = new RestClient("http://127.0.0.1:" + restPort);
    agentUrl = "http://127.0.0.1:" + agentPort;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (up != null) {
      up.close();
    }
    TestHost.cleanNode(node, namespaces);
    TestHost.deleteTree(dataDir);
  }

  @Test
  void demoShowsOneAllowedAndOneDroppedConnectionAndCleansUp() throws Exception {
    NodusProcess demo = NodusProcess.start(LOGS.resolve(id), "demo", null, "demo",
        "--server", "http://127.0.0.1:" + restPortOf(), "--agent", agentUrl);
    int exit = demo.waitFor(Duration.ofMinutes(3));
    String out = String.join("\n", demo.output());
    Matcher m = DEMO_ENDPOINT.matcher(out);
    while (m.find()) {
      namespaces.add(m.group(1));
    }
    assertThat(exit).as(out).isZero();
    assertThat(out).contains("client -> server:80    connected");
    assertThat(out).contains("client -> server:8080  dropped");
    assertThat(out).contains("DROP (Policy denied, 133)").contains("k8s:app=demo-client").contains("k8s:app=demo-server");
    // It removed what it made: endpoints, policy and namespaces.
    assertThat(rest.get("/v1/endpoints").json()).isEmpty();
    assertThat(rest.get("/v1/policies").json()).isEmpty();
    for (String ns : namespaces) {
      assertThat(Path.of("/var/run/netns", ns)).doesNotExist();
    }
  }

  @Test
  void restartingUpKeepsPoliciesIdentitiesAndEndpoints() throws Exception {
    rest.post("/v1/endpoints", "application/json",
        "{\"name\":\"" + endpoint + "\",\"node\":\"" + node + "\",\"labels\":{\"app\":\"kept\"}}");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!rest.get("/v1/endpoints/" + endpoint).json().path("state").asText().equals("ready")) {
      assertThat(System.nanoTime()).as("endpoint ready in time").isLessThan(deadline);
      Thread.sleep(100);
    }
    rest.post("/v1/policies", "application/yaml", """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: kept
        spec:
          endpointSelector:
            matchLabels:
              app: kept
          ingress:
          - {}
        """);
    JsonNode before = summary();
    up.stop();
    assertThat(up.output()).anyMatch(l -> l.contains("nodus stopped"));
    // Ctrl-C leaves the datapath in place: the endpoint's namespace is still there.
    assertThat(Path.of("/var/run/netns", endpoint)).exists();

    up = NodusProcess.start(LOGS.resolve(id), "up-2", "Nodus is up", upArgs).awaitReady(Duration.ofSeconds(90));
    assertThat(summary()).isEqualTo(before);
    assertThat(rest.get("/v1/endpoints/" + endpoint).json().path("state").asText()).isEqualTo("ready");
    rest.delete("/v1/endpoints/" + endpoint);
    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (Files.exists(Path.of("/var/run/netns", endpoint)) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(Path.of("/var/run/netns", endpoint)).doesNotExist();
  }

  private int restPortOf() {
    return Integer.parseInt(upArgs[6].substring(upArgs[6].lastIndexOf(':') + 1));
  }

  private JsonNode summary() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set("policies", rest.get("/v1/policies").json());
    o.set("identities", rest.get("/v1/identities").json());
    o.set("endpoints", rest.get("/v1/endpoints").json());
    o.set("nodes", rest.get("/v1/nodes").json());
    return o;
  }
}
