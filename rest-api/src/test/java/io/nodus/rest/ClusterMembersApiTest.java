package io.nodus.rest;

import static io.nodus.rest.RestHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The REST surface of membership, over the in-memory fake of the Raft configuration; the change
 * itself is tested on real controller processes in raft-cluster and through the CLI in ops.
 */
class ClusterMembersApiTest {
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
  void addsAndRemovesAMember() throws Exception {
    HttpResponse<String> added = api.send("POST", "/v1/cluster/members",
        "{\"id\":\"c2\",\"raftAddress\":\"127.0.0.1:9502\",\"grpcAddress\":\"127.0.0.1:9501\"}");
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    assertThat(json(added).get("members").findValuesAsText("id")).containsExactly("c1", "c2");
    assertThat(json(added).get("members").get(1).get("grpcAddress").asText()).isEqualTo("127.0.0.1:9501");

    HttpResponse<String> removed = api.send("DELETE", "/v1/cluster/members/c2", null);
    assertThat(removed.statusCode()).isEqualTo(200);
    assertThat(json(removed).get("members").findValuesAsText("id")).containsExactly("c1");
  }

  @Test
  void refusesBadMembersNamingTheFieldWithoutMovingTheRevision() throws Exception {
    String ok = "{\"id\":\"c9\",\"raftAddress\":\"127.0.0.1:9902\",\"grpcAddress\":\"127.0.0.1:9901\"}";
    assertThat(api.refusedField("POST", "/v1/cluster/members", ok.replace("c9", "c 9"), 400)).isEqualTo("id");
    assertThat(api.refusedField("POST", "/v1/cluster/members", ok.replace("127.0.0.1:9902", "127.0.0.1"), 400)).isEqualTo("raftAddress");
    assertThat(api.refusedField("POST", "/v1/cluster/members", ok.replace("127.0.0.1:9901", "host:99999"), 400)).isEqualTo("grpcAddress");
    assertThat(api.refusedField("POST", "/v1/cluster/members", "{\"id\":\"c9\",\"raftAddress\":\"127.0.0.1:9902\"}", 400))
        .isEqualTo("grpcAddress");
    assertThat(api.refusedField("POST", "/v1/cluster/members", ok.replace("\"id\"", "\"ID\""), 400)).isEqualTo("ID");
    assertThat(api.refusedField("POST", "/v1/cluster/members", ok.replace("c9", "c1"), 409)).isEqualTo("id");
    assertThat(api.refusedField("DELETE", "/v1/cluster/members/c7", null, 404)).isEqualTo("id");
    assertThat(api.refusedField("DELETE", "/v1/cluster/members/c1", null, 409)).isEqualTo("id");
  }
}
