package io.nodus.rest;

import static io.nodus.rest.RestHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.rest.policy.PolicyDocuments;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.proto.UpsertPolicy;
import io.nodus.state.read.ContinueTokens;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ?limit=}, {@code ?continue=} and {@code ?labelSelector=} on the list routes. */
class ListingsApiTest {
  private static final int POLICIES = 23;
  private static RestHarness api;

  @BeforeAll
  static void start() throws Exception {
    api = new RestHarness();
    for (int i = 0; i < POLICIES; i++) {
      String doc = """
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata:
            name: p%02d
            namespace: %s
            labels:
              app: %s
          spec:
            endpointSelector:
              matchLabels:
                app: x
            ingress:
            - fromEndpoints:
              - matchLabels:
                  app: y
          """.formatted(i, i < 20 ? "default" : "other", i % 2 == 0 ? "web" : "db");
      var r = api.controlPlane.submit(Command.newBuilder().setRequestId("p" + i)
          .setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(PolicyDocuments.parse(doc, PolicyDocuments.YAML))).build());
      assertThat(r.hasAccepted()).as("%s", r).isTrue();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    api.close();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Names across every page of {@code path} (which has a query), following the continue header. */
  private static List<String> pages(String path, int limit, List<Integer> sizes) throws Exception {
    List<String> names = new ArrayList<>();
    String token = null;
    do {
      HttpResponse<String> r = api.send("GET", path + "&limit=" + limit + (token == null ? "" : "&continue=" + token), null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Nodus-Revision")).isPresent();
      JsonNode page = json(r);
      sizes.add(page.size());
      page.forEach(p -> names.add(p.path("name").asText()));
      token = r.headers().firstValue("X-Nodus-Continue").orElse(null);
      if (token != null) {
        String next = "continue=" + token;
        assertThat(r.headers().firstValue("Link")).hasValueSatisfying(link ->
            assertThat(link).contains(next).contains("limit=" + limit).endsWith("rel=\"next\""));
      } else {
        assertThat(r.headers().firstValue("Link")).isEmpty();
      }
    } while (token != null);
    return names;
  }

  @Test
  void pagesOfPoliciesFollowTheContinueHeaderToTheEnd() throws Exception {
    List<Integer> sizes = new ArrayList<>();
    List<String> names = pages("/v1/policies?stale=false", 10, sizes);
    assertThat(sizes).containsExactly(10, 10, 3);
    assertThat(names).hasSize(POLICIES).doesNotHaveDuplicates();
    // Key order: namespace, then name.
    assertThat(names.subList(0, 20)).isSorted();
    assertThat(names.subList(20, 23)).containsExactly("p20", "p21", "p22");
    // Without a limit: the whole list in one answer, as before paging existed.
    HttpResponse<String> all = api.send("GET", "/v1/policies", null);
    assertThat(json(all)).hasSize(POLICIES);
    assertThat(all.headers().firstValue("X-Nodus-Continue")).isEmpty();
  }

  @Test
  void aLabelSelectorAndANamespaceNarrowTheListing() throws Exception {
    List<Integer> sizes = new ArrayList<>();
    assertThat(pages("/v1/policies?labelSelector=" + enc("app=web"), 5, sizes)).hasSize(12)
        .allMatch(n -> Integer.parseInt(n.substring(1)) % 2 == 0);
    assertThat(pages("/v1/policies?labelSelector=" + enc("app in (web,db),app!=db") + "&namespace=other", 5, new ArrayList<>()))
        .containsExactly("p20", "p22");
    assertThat(json(api.send("GET", "/v1/policies?namespace=other", null))).hasSize(3);
    assertThat(json(api.send("GET", "/v1/endpoints?labelSelector=app%3Dweb", null))).isEmpty();
    assertThat(json(api.send("GET", "/v1/identities?labelSelector=" + enc("reserved:host"), null)).findValuesAsText("id"))
        .containsExactly("1");
  }

  @Test
  void ipamPoolsPageWithTheDefaultPoolFirst() throws Exception {
    List<String> pools = List.of("zz", "aa", "mm");
    for (int i = 0; i < pools.size(); i++) {
      String body = "{\"name\":\"" + pools.get(i) + "\",\"cidr\":\"10.7" + i + ".0.0/16\",\"blockPrefix\":24}";
      HttpResponse<String> created = api.send("POST", "/v1/ipam/pools", body);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }
    assertThat(api.send("POST", "/v1/ipam/pools/mm/allocations", "{\"owner\":\"a\"}").statusCode()).isEqualTo(201);
    List<Integer> sizes = new ArrayList<>();
    assertThat(pages("/v1/ipam/pools?stale=false", 2, sizes)).containsExactly("default", "aa", "mm", "zz");
    assertThat(sizes).containsExactly(2, 2);
    JsonNode all = json(api.send("GET", "/v1/ipam/pools", null));
    assertThat(all.findValuesAsText("name")).containsExactly("default", "aa", "mm", "zz");
    assertThat(all.get(2).path("allocated").asInt()).isEqualTo(1);
    assertThat(all.get(2).has("allocations")).isFalse();
    assertThat(json(api.send("GET", "/v1/ipam/pools/mm", null)).path("allocations").findValuesAsText("owner")).containsExactly("a");
    assertThat(api.refusedField("GET", "/v1/ipam/pools?labelSelector=app%3Dweb", null, 400)).isEqualTo("labelSelector");
    assertThat(api.refusedField("GET", "/v1/ipam/pools/nope/allocations", null, 404)).isEqualTo("name");
  }

  @Test
  void oneResourceIsReadByItsKey() throws Exception {
    HttpResponse<String> got = api.send("GET", "/v1/policies/other/p21", null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(json(got).path("document").asText()).contains("name: p21");
    assertThat(got.headers().firstValue("ETag")).isPresent();
    JsonNode missing = api.refused("GET", "/v1/policies/other/p02", null, 404);
    assertThat(missing.path("field").asText()).isEqualTo("name");
    assertThat(missing.path("message").asText()).isEqualTo("no policy named p02 in namespace other");
    assertThat(api.refusedField("GET", "/v1/identities/65536", null, 404)).isEqualTo("id");
    assertThat(json(api.send("GET", "/v1/nodes/n1", null)).path("name").asText()).isEqualTo("n1");
  }

  @Test
  void aBadLimitSelectorOrTokenIsA400NamingTheParameter() throws Exception {
    for (String limit : List.of("0", "-1", "1001", "ten", "1.5", "")) {
      assertThat(api.refusedField("GET", "/v1/policies?limit=" + limit, null, 400)).as("limit=%s", limit).isEqualTo("limit");
    }
    assertThat(api.refusedField("GET", "/v1/policies?limit=5&continue=garbage", null, 400)).isEqualTo("continue");
    String endpoints = ContinueTokens.encode(ResourceKind.KIND_ENDPOINT, "e1", 3);
    JsonNode borrowed = api.refused("GET", "/v1/policies?limit=5&continue=" + endpoints, null, 400);
    assertThat(borrowed.path("field").asText()).isEqualTo("continue");
    assertThat(borrowed.path("message").asText()).contains("continues a listing of endpoints, not of policies");
    assertThat(api.refusedField("GET", "/v1/nodes?labelSelector=app%3Dweb", null, 400)).isEqualTo("labelSelector");
    assertThat(api.refusedField("GET", "/v1/services?labelSelector=app", null, 400)).isEqualTo("labelSelector");
    assertThat(api.refusedField("GET", "/v1/policies?labelSelector=" + enc("app in (web"), null, 400)).isEqualTo("labelSelector");
  }
}
