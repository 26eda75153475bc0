package io.nodus.rest;

import static io.nodus.rest.RestHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /v1/openapi.json} describes every route the server registered. */
class OpenApiTest {
  private static RestHarness api;

  @BeforeAll
  static void start() throws Exception {
    api = new RestHarness();
  }

  @AfterAll
  static void stop() throws Exception {
    api.close();
  }

  /** A route: an HTTP method and a path template as OpenAPI writes it. */
  private record Route(String method, String path) {
    @Override
    public String toString() {
      return method.toUpperCase(Locale.ROOT) + " " + path;
    }
  }

  /** Every resource method of every registered resource class, found by reflection. */
  private static List<Route> routes() {
    List<Route> out = new ArrayList<>();
    for (Class<?> resource : api.server().resources()) {
      String base = resource.getAnnotation(Path.class).value();
      for (Method m : resource.getMethods()) {
        String verb = httpMethod(m);
        if (verb == null) {
          continue;
        }
        Path sub = m.getAnnotation(Path.class);
        out.add(new Route(verb.toLowerCase(Locale.ROOT), normalize(base + (sub == null ? "" : "/" + sub.value()))));
      }
    }
    return out;
  }

  private static String httpMethod(Method m) {
    for (Annotation a : m.getAnnotations()) {
      HttpMethod h = a.annotationType().getAnnotation(HttpMethod.class);
      if (h != null) {
        return h.value();
      }
    }
    return null;
  }

  /** One leading slash, none doubled or trailing, and templates without their regular expressions. */
  private static String normalize(String path) {
    String p = ("/" + path).replaceAll("/+", "/").replaceAll("\\{\\s*(\\w+)\\s*:[^}]*}", "{$1}");
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  @Test
  void everyRegisteredRouteIsInTheDocument() throws Exception {
    HttpResponse<String> r = api.send("GET", "/v1/openapi.json", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    JsonNode doc = json(r);
    assertThat(doc.path("openapi").asText()).startsWith("3.");
    assertThat(doc.path("info").path("title").asText()).isEqualTo("Nodus REST API");

    List<Route> routes = routes();
    // Every resource the application registers, so that a new one cannot be left out unseen.
    assertThat(api.server().resources()).extracting(Class::getSimpleName).contains("PoliciesResource", "EndpointsResource",
        "IdentitiesResource", "NodesResource", "ServicesResource", "IpamResource", "ClusterResource", "HealthResource",
        "MetricsResource", "OpenApiResource");
    assertThat(routes).hasSizeGreaterThan(30).contains(new Route("get", "/v1/policies/{namespace}/{name}"),
        new Route("get", "/v1/openapi.json"), new Route("delete", "/v1/cluster/members/{id}"));
    List<Route> missing = routes.stream().filter(route -> !doc.path("paths").path(route.path()).has(route.method())).toList();
    assertThat(missing).as("routes missing from /v1/openapi.json").isEmpty();
  }

  @Test
  void listRoutesDescribeTheirPagingParameters() throws Exception {
    JsonNode doc = json(api.send("GET", "/v1/openapi.json", null));
    for (String path : List.of("/v1/policies", "/v1/endpoints", "/v1/identities", "/v1/nodes", "/v1/services", "/v1/ipam/pools")) {
      List<String> names = new ArrayList<>();
      doc.path("paths").path(path).path("get").path("parameters").forEach(p -> names.add(p.path("name").asText()));
      assertThat(names).as(path).contains("limit", "continue", "labelSelector", "stale");
    }
    JsonNode list = doc.path("paths").path("/v1/policies").path("get");
    assertThat(list.path("operationId").asText()).isEqualTo("listPolicies");
    list.path("parameters").forEach(p -> {
      if (p.path("name").asText().equals("limit")) {
        assertThat(p.path("schema").path("type").asText()).isEqualTo("integer");
        assertThat(p.path("schema").path("maximum").asInt()).isEqualTo(1000);
      }
    });
    JsonNode ok = list.path("responses").path("200");
    assertThat(ok.path("headers").has("X-Nodus-Continue")).isTrue();
    assertThat(ok.path("content").path("application/json").path("schema").path("type").asText()).isEqualTo("array");
  }
}
