package io.nodus.ops.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * {@code /v1/cluster/members}: the member's own record (re-adding it is idempotent) and a new id
 * on its Raft address (a conflict), mutated. A well-formed new member on a fresh address would
 * make Raft wait for a controller that does not exist, so such a mutation keeps the member's
 * address; adding real members is {@code ClusterCliTest}'s job.
 */
class ClusterMembersFuzzTest {
  private static FuzzedController controller;

  @BeforeContainer
  static void start() throws Exception {
    controller = FuzzedController.start();
  }

  @AfterContainer
  static void stop() throws Exception {
    controller.finish("cluster-members");
  }

  @Property(tries = 2000, seed = "14", shrinking = ShrinkingMode.OFF)
  void answersEveryMutatedMemberWithAJsonErrorOrASuccess(@ForAll("cases") FuzzCase c) throws Exception {
    controller.check("cluster-members", c);
  }

  @Provide
  Arbitrary<FuzzCase> cases() {
    return Arbitraries.randomValue(r -> {
      Mutator m = new Mutator(r);
      String raft = controller.raftAddress();
      String[] seeds = {
          "{\"id\":\"c1\",\"raftAddress\":\"" + raft + "\",\"grpcAddress\":\"127.0.0.1:9401\"}",
          "{\"id\":\"c{N}\",\"raftAddress\":\"" + raft + "\",\"grpcAddress\":\"127.0.0.1:9401\"}"};
      JsonNode seed = Seeds.fresh(m.pick(seeds), m, 10);
      return Requests.json(m, "/v1/cluster/members", "/v1/cluster/members/" + m.pick(new String[] {"c1", "c2", "x", "C1", "-"}),
          seed, tree -> {
            if (tree instanceof ObjectNode o && o.path("id").isTextual() && !o.path("id").asText().equals("c1")
                && o.path("raftAddress").isTextual()) {
              o.put("raftAddress", raft);
            }
            return tree;
          });
    });
  }
}
