package io.nodus.rest;

import static io.nodus.rest.RestHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ServicesApiTest {
  private static final String WEB = """
      {"name":"web","frontend":{"ip":"10.96.0.10","port":80},
       "backends":[{"ip":"10.200.0.5","port":8080},{"ip":"10.200.0.6","port":8080,"weight":5,"state":"terminating","node":"n1"}],
       "flags":{"sessionAffinity":true,"dsr":true}}
      """;

  private static RestHarness api;

  @BeforeAll
  static void start() throws Exception {
    api = new RestHarness();
  }

  @AfterAll
  static void stop() throws Exception {
    api.close();
  }

  @Test
  void createsShowsReplacesAndDeletesAService() throws Exception {
    HttpResponse<String> created = api.send("POST", "/v1/services", WEB.replace("web", "svc-a"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode s = json(created);
    assertThat(s.get("namespace").asText()).isEqualTo("default");
    assertThat(s.get("frontend").get("protocol").asText()).isEqualTo("TCP");
    assertThat(s.get("backends").get(0).get("weight").asInt()).isEqualTo(100);
    assertThat(s.get("backends").get(1).get("state").asText()).isEqualTo("terminating");
    assertThat(s.get("flags").get("sessionAffinityTimeoutSeconds").asInt()).isEqualTo(10800);
    assertThat(s.get("id").asInt()).isPositive();

    assertThat(api.send("POST", "/v1/services", WEB.replace("web", "svc-a")).statusCode()).isEqualTo(200);
    HttpResponse<String> got = api.send("GET", "/v1/services/default/svc-a", null);
    assertThat(json(got).get("backends")).hasSize(2);
    assertThat(got.headers().firstValue("X-Nodus-Revision")).isPresent();
    assertThat(json(api.send("GET", "/v1/services", null)).findValuesAsText("name")).contains("svc-a");
    assertThat(api.send("DELETE", "/v1/services/default/svc-a", null).statusCode()).isEqualTo(204);
    assertThat(api.send("GET", "/v1/services/default/svc-a", null).statusCode()).isEqualTo(404);
  }

  @Test
  void aFrontendAnotherServiceHoldsIsAConflictNamingTheFrontend() throws Exception {
    String one = WEB.replace("web", "svc-b").replace("10.96.0.10", "10.96.0.20");
    assertThat(api.send("POST", "/v1/services", one).statusCode()).isEqualTo(201);

    JsonNode e = api.refused("POST", "/v1/services", one.replace("svc-b", "svc-c"), 409);

    assertThat(e.get("code").asText()).isEqualTo("already_exists");
    assertThat(e.get("field").asText()).isEqualTo("frontend");
  }

  @Test
  void refusesBadServicesNamingTheFieldWithoutMovingTheRevision() throws Exception {
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("10.96.0.10", "10.96.0.999"), 400)).isEqualTo("frontend.ip");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("\"port\":80}", "\"port\":70000}"), 400))
        .isEqualTo("frontend.port");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("\"port\":80}", "\"port\":80,\"protocol\":\"ICMP\"}"), 400))
        .isEqualTo("frontend.protocol");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("\"weight\":5", "\"weight\":70000"), 400))
        .isEqualTo("backends[1].weight");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("terminating", "dying"), 400)).isEqualTo("backends[1].state");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("10.200.0.6", "10.200.0.5"), 400)).isEqualTo("backends[1]");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("\"port\":8080}", "\"port\":0}"), 400)).isEqualTo("backends[0].port");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("\"sessionAffinity\":true", "\"sessionAffinity\":false,"
        + "\"sessionAffinityTimeoutSeconds\":30"), 400)).isEqualTo("flags.sessionAffinityTimeoutSeconds");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("\"dsr\"", "\"dsrr\""), 400)).isEqualTo("flags.dsrr");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("\"name\":\"web\"", "\"name\":\"Web_1\""), 400)).isEqualTo("name");
    assertThat(api.refusedField("POST", "/v1/services", WEB.replace("\"name\":\"web\",", "\"id\":7,\"name\":\"web\","), 400))
        .isEqualTo("id");
    assertThat(api.refusedField("POST", "/v1/services", "{\"name\":\"x\"}", 400)).isEqualTo("frontend");
    api.refused("POST", "/v1/services", "{\"name\":", 400);
    assertThat(api.refusedField("DELETE", "/v1/services/default/missing", null, 404)).isEqualTo("name");
  }
}
