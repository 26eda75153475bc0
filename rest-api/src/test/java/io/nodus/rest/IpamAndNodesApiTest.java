package io.nodus.rest;

import static io.nodus.rest.RestHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.RegisterNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IpamAndNodesApiTest {
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
  void createsAPoolTakesAndReleasesAddressesAndRefusesWhenFull() throws Exception {
    HttpResponse<String> created = api.send("POST", "/v1/ipam/pools", "{\"name\":\"lb\",\"cidr\":\"10.60.0.0/31\",\"blockPrefix\":32}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode a = json(api.send("POST", "/v1/ipam/pools/lb/allocations", "{\"owner\":\"svc-a\"}"));
    assertThat(a.get("cidr").asText()).isEqualTo("10.60.0.0/32");
    assertThat(json(api.send("POST", "/v1/ipam/pools/lb/allocations", "{\"owner\":\"svc-b\"}")).get("cidr").asText())
        .isEqualTo("10.60.0.1/32");

    JsonNode full = api.refused("POST", "/v1/ipam/pools/lb/allocations", "{\"owner\":\"svc-c\"}", 409);
    assertThat(full.get("code").asText()).isEqualTo("exhausted");
    assertThat(json(api.send("GET", "/v1/ipam/pools/lb", null)).get("allocations")).hasSize(2);
    assertThat(api.send("DELETE", "/v1/ipam/pools/lb/allocations/10.60.0.0/32", null).statusCode()).isEqualTo(204);
    assertThat(json(api.send("GET", "/v1/ipam/pools", null)).findValuesAsText("name")).containsExactly("default", "lb");
  }

  @Test
  void theDefaultPoolListsNodePodCidrs() throws Exception {
    JsonNode pool = json(api.send("GET", "/v1/ipam/pools/default", null));
    assertThat(pool.get("cidr").asText()).isEqualTo("10.200.0.0/16");
    assertThat(pool.get("allocations").findValuesAsText("owner")).contains("node:n1");
  }

  @Test
  void refusesBadPoolsAndAllocationsNamingTheFieldWithoutMovingTheRevision() throws Exception {
    assertThat(api.refusedField("POST", "/v1/ipam/pools", "{\"name\":\"p\",\"cidr\":\"10.61.0.1/24\",\"blockPrefix\":32}", 400))
        .isEqualTo("cidr");
    assertThat(api.refusedField("POST", "/v1/ipam/pools", "{\"name\":\"p\",\"cidr\":\"10.61.0.0/24\",\"blockPrefix\":16}", 400))
        .isEqualTo("blockPrefix");
    assertThat(api.refusedField("POST", "/v1/ipam/pools", "{\"name\":\"p\",\"cidr\":\"10.200.1.0/24\",\"blockPrefix\":32}", 409))
        .isEqualTo("cidr");
    assertThat(api.refusedField("POST", "/v1/ipam/pools", "{\"name\":\"P!\",\"cidr\":\"10.61.0.0/24\",\"blockPrefix\":32}", 400))
        .isEqualTo("name");
    assertThat(api.refusedField("POST", "/v1/ipam/pools", "{\"name\":\"p\",\"cidr\":\"10.61.0.0/24\"}", 400)).isEqualTo("blockPrefix");
    assertThat(api.refusedField("POST", "/v1/ipam/pools", "{\"name\":\"p\",\"cidr\":\"10.61.0.0/24\",\"blockPrefix\":32,\"size\":1}",
        400)).isEqualTo("size");
    assertThat(api.refusedField("POST", "/v1/ipam/pools/nope/allocations", "{\"owner\":\"x\"}", 404)).isEqualTo("pool");
    assertThat(api.refusedField("POST", "/v1/ipam/pools/default/allocations", "{\"owner\":\"node:n9\"}", 400)).isEqualTo("owner");
    assertThat(api.refusedField("POST", "/v1/ipam/pools/default/allocations", "{\"owner\":\"x\",\"prefixLength\":40}", 400))
        .isEqualTo("prefixLength");
    assertThat(api.refusedField("DELETE", "/v1/ipam/pools/default/allocations/10.200.0.0/24", null, 409)).isEqualTo("cidr");
    assertThat(api.refusedField("DELETE", "/v1/ipam/pools/default", null, 409)).isEqualTo("name");
  }

  @Test
  void aNodeWithEndpointsLeavesOnlyWithCascadeAndGivesItsCidrBack() throws Exception {
    api.controlPlane.submit(Command.newBuilder().setRequestId("n-leaving")
        .setRegisterNode(RegisterNode.newBuilder().setName("leaving")).build());
    api.send("POST", "/v1/endpoints", "{\"name\":\"ep-x\",\"node\":\"leaving\",\"labels\":{\"app\":\"x\"}}");

    JsonNode refused = api.refused("DELETE", "/v1/nodes/leaving", null, 409);
    assertThat(refused.get("field").asText()).isEqualTo("name");
    assertThat(refused.get("message").asText()).contains("ep-x");
    assertThat(api.send("DELETE", "/v1/nodes/leaving?cascade=true", null).statusCode()).isEqualTo(204);

    assertThat(api.send("GET", "/v1/nodes/leaving", null).statusCode()).isEqualTo(404);
    assertThat(api.send("GET", "/v1/endpoints/ep-x", null).statusCode()).isEqualTo(404);
    assertThat(json(api.send("GET", "/v1/ipam/pools/default", null)).get("allocations").findValuesAsText("owner"))
        .contains("node:n1").doesNotContain("node:leaving");
    assertThat(api.refusedField("DELETE", "/v1/nodes/leaving", null, 404)).isEqualTo("name");
  }
}
