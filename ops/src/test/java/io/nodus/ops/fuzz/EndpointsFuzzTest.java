package io.nodus.ops.fuzz;

import io.nodus.state.proto.Command;
import io.nodus.state.proto.RegisterNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** {@code /v1/endpoints}: valid creations (fresh names, a registered node), mutated. */
class EndpointsFuzzTest {
  private static final String[] SEEDS = {
      "{\"name\":\"ep-{N}\",\"node\":\"n1\"}",
      "{\"name\":\"ep-{N}\",\"node\":\"n1\",\"namespace\":\"prod\",\"labels\":{\"app\":\"web\",\"k8s:tier\":\"front\"}}",
      "{\"name\":\"db-{N}\",\"node\":\"n1\",\"namespace\":\"default\",\"labels\":{\"app\":\"db\",\"io.kubernetes.pod.namespace\":\"x\"}}"};

  private static FuzzedController controller;

  @BeforeContainer
  static void start() throws Exception {
    controller = FuzzedController.start(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("n1")).build());
  }

  @AfterContainer
  static void stop() throws Exception {
    controller.finish("endpoints");
  }

  @Property(tries = 2500, seed = "14", shrinking = ShrinkingMode.OFF)
  void answersEveryMutatedEndpointWithAJsonErrorOrASuccess(@ForAll("cases") FuzzCase c) throws Exception {
    controller.check("endpoints", c);
  }

  @Provide
  Arbitrary<FuzzCase> cases() {
    return Arbitraries.randomValue(r -> {
      Mutator m = new Mutator(r);
      return Requests.json(m, "/v1/endpoints", "/v1/endpoints/ep-" + m.below(1000), Seeds.fresh(m.pick(SEEDS), m, 100_000));
    });
  }
}
