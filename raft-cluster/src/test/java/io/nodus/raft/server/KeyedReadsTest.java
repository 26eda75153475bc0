package io.nodus.raft.server;

import static io.nodus.raft.testing.Fixtures.registerNode;
import static io.nodus.raft.testing.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.proto.GetRequest;
import io.nodus.raft.proto.GetResponse;
import io.nodus.raft.proto.ListRequest;
import io.nodus.raft.proto.ListResponse;
import io.nodus.raft.testing.Fixtures;
import io.nodus.state.proto.Resource;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.read.ContinueTokens;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Get and List of a real controller: answered from its image, at the revision they name. */
class KeyedReadsTest {
  @TempDir
  static Path dataDir;

  private static ControllerServer server;
  private static ControlPlaneClient client;
  private static long revision;

  @BeforeAll
  static void start() throws Exception {
    server = Fixtures.startServing(Fixtures.single(dataDir).build());
    client = server.client();
    client.submit(registerNode("n1"));
    for (int i = 0; i < 25; i++) {
      revision = client.submit(upsertPolicy(String.format("p%02d", i))).getAccepted().getRevision();
    }
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  private static ListRequest.Builder policies(int limit) {
    return ListRequest.newBuilder().setKind(ResourceKind.KIND_POLICY).setLimit(limit);
  }

  @Test
  void getAnswersOneResourceOrNotFoundWithTheRevision() {
    GetResponse found = client.get(GetRequest.newBuilder().setKind(ResourceKind.KIND_POLICY).setKey("default/p07").build());
    assertThat(found.getResource().getPolicy().getName()).isEqualTo("p07");
    assertThat(found.getRevision()).isGreaterThanOrEqualTo(revision);
    assertThat(found.getServedBy()).isEqualTo("c1");

    GetResponse missing = client.get(GetRequest.newBuilder().setKind(ResourceKind.KIND_POLICY).setKey("default/nope").setStale(true).build());
    assertThat(missing.getRejection().getCode()).isEqualTo("not_found");
    assertThat(missing.getRejection().getMessage()).isEqualTo("no policy named nope in namespace default");
    assertThat(missing.getRevision()).isEqualTo(missing.getRejection().getRevision()).isGreaterThanOrEqualTo(revision);

    GetResponse node = client.get(GetRequest.newBuilder().setKind(ResourceKind.KIND_NODE).setKey("n1").build());
    assertThat(node.getResource().getNode().getPodCidr()).isNotEmpty();
    GetResponse badKey = client.get(GetRequest.newBuilder().setKind(ResourceKind.KIND_IDENTITY).setKey("web").build());
    assertThat(badKey.getRejection().getField()).isEqualTo("key");
  }

  @Test
  void listPagesFollowTheirTokensToTheEnd() {
    List<String> names = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListResponse page = client.list(policies(10).setContinue(token).build());
      assertThat(page.hasRejection()).as("%s", page.getRejection()).isFalse();
      assertThat(page.getRevision()).isGreaterThanOrEqualTo(revision);
      page.getItemsList().stream().map(Resource::getPolicy).forEach(p -> names.add(p.getName()));
      token = page.getContinue();
      pages++;
    } while (!token.isEmpty());
    assertThat(pages).isEqualTo(3);
    assertThat(names).hasSize(25).isSorted().doesNotHaveDuplicates();
    ListResponse all = client.list(policies(0).setStale(true).build());
    assertThat(all.getItemsCount()).isEqualTo(25);
    assertThat(all.getContinue()).isEmpty();
  }

  @Test
  void badRequestsAreRejectionsNamingTheirField() {
    assertThat(client.list(policies(1001).build()).getRejection().getField()).isEqualTo("limit");
    assertThat(client.list(policies(5).setContinue("garbage").build()).getRejection().getField()).isEqualTo("continue");
    String endpointsToken = ContinueTokens.encode(ResourceKind.KIND_ENDPOINT, "e1", 1);
    assertThat(client.list(policies(5).setContinue(endpointsToken).build()).getRejection().getMessage())
        .contains("not of policies");
    ListResponse nodes = client.list(ListRequest.newBuilder().setKind(ResourceKind.KIND_NODE).setLabelSelector("app=web").build());
    assertThat(nodes.getRejection().getField()).isEqualTo("labelSelector");
    assertThat(nodes.getItemsCount()).isZero();
    assertThat(client.list(ListRequest.newBuilder().setKind(ResourceKind.KIND_MEMBER).build()).getRejection().getField())
        .isEqualTo("kind");
    assertThat(client.list(ListRequest.newBuilder().setKind(ResourceKind.KIND_NODE).setNamespace("").build()).getRejection().getField())
        .isEqualTo("namespace");
    assertThat(client.list(policies(5).setNamespace("default").build()).getItemsCount()).isEqualTo(5);
    assertThat(client.list(policies(5).setNamespace("").build()).getItemsCount()).as("no cluster-wide policy").isZero();
  }

  @Test
  void aStalePageAfterAPageFromTheFutureStillAnswers() {
    // A token names a revision this replica has not reached (as if another controller served the
    // previous page): the controller reads linearizably instead, and answers what it has.
    String ahead = ContinueTokens.encode(ResourceKind.KIND_POLICY, "default/p20", revision + 1_000);
    ListResponse page = client.list(policies(10).setContinue(ahead).setStale(true).build());
    assertThat(page.getItemsList()).extracting(r -> r.getPolicy().getName()).containsExactly("p21", "p22", "p23", "p24");
    assertThat(page.getContinue()).isEmpty();
  }
}
