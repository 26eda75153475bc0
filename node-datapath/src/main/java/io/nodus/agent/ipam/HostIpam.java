package io.nodus.agent.ipam;

import io.nodus.state.model.Cidr;
import io.nodus.state.model.Ipv4;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses endpoint addresses in the node's pod CIDR. The node is the only writer of its CIDR, so
 * the lowest address that no endpoint holds (per the log) and that is not reserved is free; the
 * control plane still checks it when the endpoint is marked ready.
 *
 * <p>Reserved: the network address, the first host address (kept for a node router address) and
 * the broadcast address.
 */
public final class HostIpam {
  private HostIpam() {}

  /** The lowest free address of {@code podCidr} not in {@code used} (dotted quads), if any. */
  public static Optional<String> allocate(Cidr podCidr, Set<String> used) {
    long size = podCidr.size();
    for (long i = 2; i < size - 1; i++) {
      String candidate = Ipv4.format(podCidr.address(i));
      if (!used.contains(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
