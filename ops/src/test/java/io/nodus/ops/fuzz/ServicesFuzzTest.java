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

/** {@code /v1/services}: valid services (fresh names and VIPs), mutated. */
class ServicesFuzzTest {
  private static final String[] SEEDS = {
      "{\"name\":\"svc-{N}\",\"frontend\":{\"ip\":\"10.96.0.{N}\",\"port\":80},\"backends\":[{\"ip\":\"10.200.0.5\",\"port\":8080}]}",
      "{\"name\":\"svc-{N}\",\"namespace\":\"prod\",\"frontend\":{\"ip\":\"10.97.1.{N}\",\"port\":443,\"protocol\":\"TCP\"},"
          + "\"backends\":[{\"ip\":\"10.200.0.5\",\"port\":8443,\"weight\":5,\"state\":\"active\",\"node\":\"n1\"},"
          + "{\"ip\":\"10.200.0.6\",\"port\":8443,\"weight\":1,\"state\":\"terminating\"}],"
          + "\"flags\":{\"sessionAffinity\":true,\"sessionAffinityTimeoutSeconds\":600,\"dsr\":false,\"externalTrafficLocal\":true}}",
      "{\"name\":\"dns-{N}\",\"namespace\":\"kube-system\",\"frontend\":{\"ip\":\"10.98.0.{N}\",\"port\":53,\"protocol\":\"UDP\"},"
          + "\"backends\":[],\"flags\":{\"global\":true,\"unshared\":false}}"};

  private static FuzzedController controller;

  @BeforeContainer
  static void start() throws Exception {
    controller = FuzzedController.start(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("n1")).build());
  }

  @AfterContainer
  static void stop() throws Exception {
    controller.finish("services");
  }

  @Property(tries = 2500, seed = "14", shrinking = ShrinkingMode.OFF)
  void answersEveryMutatedServiceWithAJsonErrorOrASuccess(@ForAll("cases") FuzzCase c) throws Exception {
    controller.check("services", c);
  }

  @Provide
  Arbitrary<FuzzCase> cases() {
    return Arbitraries.randomValue(r -> {
      Mutator m = new Mutator(r);
      return Requests.json(m, "/v1/services", "/v1/services/default/svc-" + m.below(250), Seeds.fresh(m.pick(SEEDS), m, 250));
    });
  }
}
