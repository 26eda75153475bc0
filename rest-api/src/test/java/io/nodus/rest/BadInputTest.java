package io.nodus.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad policy input gets a 4xx whose error names the offending field, and the state
 * revision does not move: malformed YAML/JSON, unknown fields, wrong kinds and apiVersions,
 * invalid selectors, label keys and values, CIDRs, ports, protocols, entities, L7 and ICMP rules,
 * Kubernetes NetworkPolicy mistakes, several documents, oversized bodies.
 */
class BadInputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String YAML = "application/yaml";
  private static final String CNP = """
      apiVersion: cilium.io/v2
      kind: CiliumNetworkPolicy
      metadata:
        name: p1
        namespace: prod
      spec:
        endpointSelector:
          matchLabels:
            app: server
        ingress:
        - fromEndpoints:
          - matchLabels:
              app: client
          toPorts:
          - ports:
            - port: "80"
              protocol: TCP
        egress:
        - toCIDRSet:
          - cidr: 10.0.0.0/8
            except:
            - 10.96.0.0/12
          toPorts:
          - ports:
            - port: "443"
              protocol: TCP
      """;
  private static final String KNP = """
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata:
        name: n1
      spec:
        podSelector:
          matchLabels:
            role: db
        ingress:
        - from:
          - ipBlock:
              cidr: 172.17.0.0/16
          ports:
          - protocol: TCP
            port: 6379
      """;

  private static InMemoryControlPlane controlPlane;
  private static RestServer server;

  @BeforeAll
  static void start() throws Exception {
    controlPlane = new InMemoryControlPlane();
    server = RestServer.start(new RestConfig("127.0.0.1", 0, 64 * 1024), controlPlane, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    // Something in the state, so that "did not move" is about a revision above zero.
    post(CNP.replace("name: p1", "name: baseline"), YAML);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static Arguments bad(String what, String body, String field) {
    return Arguments.of(what, body, YAML, 400, field);
  }

  private static String cnp(String from, String to) {
    if (!CNP.contains(from)) {
      throw new IllegalArgumentException("fixture does not contain " + from);
    }
    return CNP.replace(from, to);
  }

  private static String knp(String from, String to) {
    if (!KNP.contains(from)) {
      throw new IllegalArgumentException("fixture does not contain " + from);
    }
    return KNP.replace(from, to);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("malformed YAML", "apiVersion: cilium.io/v2\nkind: [unclosed\n", YAML, 400, ""),
        Arguments.of("malformed JSON", "{\"apiVersion\": \"cilium.io/v2\", ", "application/json", 400, ""),
        Arguments.of("duplicate key", CNP.replace("  namespace: prod\n", "  namespace: prod\n  namespace: dev\n"), YAML, 400, ""),
        Arguments.of("empty body", "", YAML, 400, ""),
        Arguments.of("a list, not an object", "- a\n- b\n", YAML, 400, ""),
        Arguments.of("two documents", CNP + "---\n" + CNP, YAML, 400, ""),
        Arguments.of("oversized body", CNP + "#" + "x".repeat(70 * 1024) + "\n", YAML, 413, null),
        bad("wrong kind", cnp("kind: CiliumNetworkPolicy", "kind: Pod"), "kind"),
        bad("missing kind", cnp("kind: CiliumNetworkPolicy\n", ""), "kind"),
        bad("wrong apiVersion", cnp("cilium.io/v2", "cilium.io/v1"), "apiVersion"),
        bad("K8s kind with Cilium apiVersion", cnp("kind: CiliumNetworkPolicy", "kind: NetworkPolicy"), "apiVersion"),
        bad("unknown top-level field", cnp("metadata:", "metdata: {}\nmetadata:"), "metdata"),
        bad("missing metadata", cnp("metadata:\n  name: p1\n  namespace: prod\n", ""), "metadata"),
        bad("invalid name", cnp("name: p1", "name: P_1"), "metadata.name"),
        bad("invalid namespace", cnp("namespace: prod", "namespace: Prod!"), "metadata.namespace"),
        bad("invalid metadata label key", cnp("  namespace: prod\n", "  namespace: prod\n  labels: {'-x': y}\n"), "metadata.labels.-x"),
        bad("invalid annotation key", cnp("  namespace: prod\n", "  namespace: prod\n  annotations: {'a b': y}\n"), "metadata.annotations.a b"),
        bad("clusterwide with namespace", cnp("kind: CiliumNetworkPolicy", "kind: CiliumClusterwideNetworkPolicy"), "metadata.namespace"),
        bad("no spec", cnp(CNP.substring(CNP.indexOf("spec:")), ""), "spec"),
        bad("unknown rule field", cnp("  ingress:", "  ingres: []\n  ingress:"), "spec.ingres"),
        bad("unsupported rule field", cnp("  ingress:", "  log: {value: x}\n  ingress:"), "spec.log"),
        bad("unknown peer field", cnp("fromEndpoints", "fromEndpointz"), "spec.ingress[0].fromEndpointz"),
        bad("field of the other direction", cnp("fromEndpoints", "toEndpoints"), "spec.ingress[0].toEndpoints"),
        bad("unknown port field", cnp("protocol: TCP\n  egress", "protocol: TCP\n        proto: x\n  egress"), "spec.ingress[0].toPorts[0].ports[0].proto"),
        bad("bad label key", cnp("app: client", "'-app': client"), "spec.ingress[0].fromEndpoints[0].matchLabels.-app"),
        bad("bad label value", cnp("app: client", "app: 'cli ent'"), "spec.ingress[0].fromEndpoints[0].matchLabels.app"),
        bad("bad label source", cnp("app: client", "'bogus:app': client"), "spec.ingress[0].fromEndpoints[0].matchLabels.bogus:app"),
        bad("bad operator", cnp("- matchLabels:\n        app: client", "- matchExpressions:\n      - {key: app, operator: Like, values: [x]}"),
            "spec.ingress[0].fromEndpoints[0].matchExpressions[0].operator"),
        bad("In without values", cnp("- matchLabels:\n        app: client", "- matchExpressions:\n      - {key: app, operator: In}"),
            "spec.ingress[0].fromEndpoints[0].matchExpressions[0].values"),
        bad("Exists with values", cnp("- matchLabels:\n        app: client", "- matchExpressions:\n      - {key: app, operator: Exists, values: [x]}"),
            "spec.ingress[0].fromEndpoints[0].matchExpressions[0].values"),
        bad("selector not an object", cnp("- matchLabels:\n        app: client", "- app"), "spec.ingress[0].fromEndpoints[0]"),
        bad("malformed CIDR", cnp("cidr: 10.0.0.0/8", "cidr: 10.0.0/8"), "spec.egress[0].toCIDRSet[0].cidr"),
        bad("host bits", cnp("cidr: 10.0.0.0/8", "cidr: 10.0.0.1/8"), "spec.egress[0].toCIDRSet[0].cidr"),
        bad("prefix length", cnp("10.96.0.0/12", "10.96.0.0/33"), "spec.egress[0].toCIDRSet[0].except[0]"),
        bad("except outside the CIDR", cnp("10.96.0.0/12", "11.96.0.0/12"), "spec.egress[0].toCIDRSet[0].except[0]"),
        bad("IPv6 except in an IPv4 CIDR", cnp("10.96.0.0/12", "'2001:db8::/64'"), "spec.egress[0].toCIDRSet[0].except[0]"),
        bad("bad toCIDR", cnp("- toCIDRSet:", "- toCIDR: [300.1.1.1]\n    toCIDRSet:"), "spec.egress[0].toCIDR[0]"),
        bad("CIDR group reference", cnp("cidr: 10.0.0.0/8", "cidrGroupRef: g"), "spec.egress[0].toCIDRSet[0].cidrGroupRef"),
        bad("port out of range", cnp("\"80\"", "\"80000\""), "spec.ingress[0].toPorts[0].ports[0].port"),
        bad("negative port", cnp("\"80\"", "-1"), "spec.ingress[0].toPorts[0].ports[0].port"),
        bad("named port", cnp("\"80\"", "http"), "spec.ingress[0].toPorts[0].ports[0].port"),
        bad("reversed range", cnp("port: \"80\"", "port: \"80\"\n        endPort: 79"), "spec.ingress[0].toPorts[0].ports[0].endPort"),
        bad("range end out of range", cnp("port: \"80\"", "port: \"80\"\n        endPort: 70000"), "spec.ingress[0].toPorts[0].ports[0].endPort"),
        bad("bad protocol", cnp("protocol: TCP\n  egress", "protocol: TCPP\n  egress"), "spec.ingress[0].toPorts[0].ports[0].protocol"),
        bad("ICMP as a port protocol", cnp("protocol: TCP\n  egress", "protocol: ICMP\n  egress"), "spec.ingress[0].toPorts[0].ports[0].protocol"),
        bad("too many ports", cnp("    - ports:\n      - port: \"443\"", "    - ports:\n" + "      - port: \"1\"\n".repeat(41)
            + "      - port: \"443\""), "spec.egress[0].toPorts[0].ports"),
        bad("unknown entity", cnp("- toCIDRSet:", "- toEntities: [wrld]\n    toCIDRSet:"), "spec.egress[0].toEntities[0]"),
        bad("bad ICMP type", cnp("- toCIDRSet:", "- icmps: [{fields: [{type: 256}]}]\n  - toCIDRSet:"), "spec.egress[0].icmps[0].fields[0].type"),
        bad("unknown ICMP name", cnp("- toCIDRSet:", "- icmps: [{fields: [{type: Ping}]}]\n  - toCIDRSet:"), "spec.egress[0].icmps[0].fields[0].type"),
        bad("bad ICMP family", cnp("- toCIDRSet:", "- icmps: [{fields: [{type: 8, family: IPv5}]}]\n  - toCIDRSet:"),
            "spec.egress[0].icmps[0].fields[0].family"),
        bad("HTTP on UDP", cnp("protocol: TCP\n  egress", "protocol: UDP\n      rules: {http: [{path: /}]}\n  egress"),
            "spec.ingress[0].toPorts[0].ports[0].protocol"),
        bad("bad HTTP regex", cnp("protocol: TCP\n  egress", "protocol: TCP\n      rules: {http: [{path: '/(['}]}\n  egress"),
            "spec.ingress[0].toPorts[0].rules.http[0].path"),
        bad("DNS rules on ingress", cnp("protocol: TCP\n  egress", "protocol: TCP\n      rules: {dns: [{matchName: a.com}]}\n  egress"),
            "spec.ingress[0].toPorts[0].rules.dns"),
        bad("bad Kafka role", cnp("protocol: TCP\n  egress", "protocol: TCP\n      rules: {kafka: [{role: eat}]}\n  egress"),
            "spec.ingress[0].toPorts[0].rules.kafka[0].role"),
        bad("unsupported L7 protocol", cnp("protocol: TCP\n  egress", "protocol: TCP\n      rules: {l7proto: envoy.x}\n  egress"),
            "spec.ingress[0].toPorts[0].rules.l7proto"),
        bad("bad FQDN", cnp("- toCIDRSet:", "- toFQDNs: [{matchName: 'a b'}]\n  - toCIDRSet:"), "spec.egress[0].toFQDNs[0].matchName"),
        bad("bad service name", cnp("- toCIDRSet:", "- toServices: [{k8sService: {serviceName: 'My_Svc'}}]\n  - toCIDRSet:"),
            "spec.egress[0].toServices[0].k8sService.serviceName"),
        bad("node selector in a namespaced policy", cnp("  endpointSelector:", "  nodeSelector: {}\n  endpointSelector:"), "spec.nodeSelector"),
        bad("enableDefaultDeny not a boolean", cnp("  ingress:", "  enableDefaultDeny: {ingress: yes please}\n  ingress:"),
            "spec.enableDefaultDeny.ingress"),
        bad("specs entry without selector", cnp("spec:\n  endpointSelector:\n    matchLabels:\n      app: server\n",
            "specs:\n- description: x\n  endpointSelector:\n    matchLabels:\n      app: server\n- description: y\n") , "specs[1].endpointSelector"),
        bad("K8s named port", knp("port: 6379", "port: redis"), "spec.ingress[0].ports[0].port"),
        bad("K8s bad ipBlock", knp("172.17.0.0/16", "172.17.0.0/40"), "spec.ingress[0].from[0].ipBlock.cidr"),
        bad("K8s unknown field", knp("podSelector:", "podSelectr:"), "spec.podSelectr"),
        bad("K8s peer with ipBlock and podSelector", knp("    - ipBlock:", "    - podSelector: {}\n      ipBlock:"),
            "spec.ingress[0].from[0]"),
        bad("K8s bad protocol", knp("protocol: TCP", "protocol: ICMP"), "spec.ingress[0].ports[0].protocol"),
        bad("K8s bad policy type", knp("  ingress:", "  policyTypes: [Sideways]\n  ingress:"), "spec.policyTypes[0]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void refusesBadInputNamingTheFieldWithoutMovingTheRevision(String what, String body, String contentType, int status, String field)
      throws Exception {
    long before = controlPlane.revision();
    HttpResponse<String> r = post(body, contentType);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode error = JSON.readTree(r.body());
    assertThat(error.get("code").asText()).isNotEmpty();
    assertThat(error.get("message").asText()).isNotEmpty();
    if (field != null) {
      assertThat(error.path("field").asText("")).as(r.body()).isEqualTo(field);
    }
    assertThat(controlPlane.revision()).isEqualTo(before);
  }

  /** One client per request: a refused oversized body closes its connection, which must not leak into the next case. */
  private static HttpResponse<String> post(String body, String contentType) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/policies"))
          .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
