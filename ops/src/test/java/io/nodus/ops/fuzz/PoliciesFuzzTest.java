package io.nodus.ops.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.RegisterNode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** {@code /v1/policies}: every document of the conformance corpus, mutated, as YAML or JSON. */
class PoliciesFuzzTest {
  private static FuzzedController controller;
  private static List<JsonNode> seeds;

  @BeforeContainer
  static void start() throws Exception {
    seeds = Seeds.policies();
    controller = FuzzedController.start(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("n1")).build());
  }

  @AfterContainer
  static void stop() throws Exception {
    controller.finish("policies");
  }

  @Property(tries = 2500, seed = "14", shrinking = ShrinkingMode.OFF)
  void answersEveryMutatedPolicyWithAJsonErrorOrASuccess(@ForAll("cases") FuzzCase c) throws Exception {
    controller.check("policies", c);
  }

  @Provide
  Arbitrary<FuzzCase> cases() {
    return Arbitraries.randomValue(r -> {
      Mutator m = new Mutator(r);
      return Requests.policy(m, m.pick(seeds));
    });
  }
}
