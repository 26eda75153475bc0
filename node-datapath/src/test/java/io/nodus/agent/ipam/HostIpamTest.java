package io.nodus.agent.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.model.Cidr;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HostIpamTest {
  private static final Cidr POD_CIDR = Cidr.parse("10.200.7.0/24", "podCidr");

  @Test
  void handsOutTheLowestFreeAddressSkippingNetworkRouterAndBroadcast() {
    assertThat(HostIpam.allocate(POD_CIDR, Set.of())).contains("10.200.7.2");
    assertThat(HostIpam.allocate(POD_CIDR, Set.of("10.200.7.2", "10.200.7.3"))).contains("10.200.7.4");
    assertThat(HostIpam.allocate(POD_CIDR, Set.of("10.200.7.3"))).contains("10.200.7.2");
  }

  @Test
  void reportsExhaustion() {
    Set<String> all = new HashSet<>();
    for (int i = 2; i < 255; i++) {
      all.add("10.200.7." + i);
    }
    assertThat(HostIpam.allocate(POD_CIDR, all)).isEmpty();
    all.remove("10.200.7.254");
    assertThat(HostIpam.allocate(POD_CIDR, all)).contains("10.200.7.254");
  }
}
