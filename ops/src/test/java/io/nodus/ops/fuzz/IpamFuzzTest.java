package io.nodus.ops.fuzz;

import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateIpamPool;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.RegisterNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** {@code /v1/ipam/pools} and their allocations: valid pools and allocations, mutated. */
class IpamFuzzTest {
  private static final String[] POOLS = {
      "{\"name\":\"pool-{N}\",\"cidr\":\"10.{N}.0.0/16\",\"blockPrefix\":24}",
      "{\"name\":\"addr-{N}\",\"cidr\":\"172.16.{N}.0/24\",\"blockPrefix\":32}"};
  private static final String[] ALLOCATIONS = {
      "{\"owner\":\"owner-{N}\"}",
      "{\"owner\":\"owner-{N}\",\"prefixLength\":28}",
      "{\"owner\":\"node:n{N}\",\"cidr\":\"10.77.{N}.0/28\"}"};

  private static FuzzedController controller;

  @BeforeContainer
  static void start() throws Exception {
    controller = FuzzedController.start(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("n1")).build(),
        Command.newBuilder().setCreateIpamPool(CreateIpamPool.newBuilder()
            .setPool(IpamPool.newBuilder().setName("fuzz").setCidr("10.77.0.0/16").setBlockPrefix(28))).build());
  }

  @AfterContainer
  static void stop() throws Exception {
    controller.finish("ipam-pools", "ipam-allocations");
  }

  @Property(tries = 1500, seed = "14", shrinking = ShrinkingMode.OFF)
  void answersEveryMutatedPoolWithAJsonErrorOrASuccess(@ForAll("pools") FuzzCase c) throws Exception {
    controller.check("ipam-pools", c);
  }

  @Property(tries = 1500, seed = "14", shrinking = ShrinkingMode.OFF)
  void answersEveryMutatedAllocationWithAJsonErrorOrASuccess(@ForAll("allocations") FuzzCase c) throws Exception {
    controller.check("ipam-allocations", c);
  }

  @Provide
  Arbitrary<FuzzCase> pools() {
    return Arbitraries.randomValue(r -> {
      Mutator m = new Mutator(r);
      return Requests.json(m, "/v1/ipam/pools", "/v1/ipam/pools/pool-" + m.below(256), Seeds.fresh(m.pick(POOLS), m, 256));
    });
  }

  @Provide
  Arbitrary<FuzzCase> allocations() {
    return Arbitraries.randomValue(r -> {
      Mutator m = new Mutator(r);
      String pool = m.chance(0.8) ? "fuzz" : m.pick(new String[] {"default", "nope", "pool-1"});
      return Requests.json(m, "/v1/ipam/pools/" + pool + "/allocations",
          "/v1/ipam/pools/" + pool + "/allocations/10.77." + m.below(256) + ".0/28", Seeds.fresh(m.pick(ALLOCATIONS), m, 256));
    });
  }
}
