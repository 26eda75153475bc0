package io.nodus.rest.api;

import io.nodus.state.model.Labels;
import io.nodus.state.proto.Endpoint;
import java.util.List;
import java.util.Locale;

/**
 * An endpoint as the API shows it.
 *
 * @param name endpoint (and network namespace) name
 * @param node hosting node
 * @param namespace policy namespace
 * @param id numeric endpoint id
 * @param identity security identity
 * @param ipv4 address, empty while pending
 * @param interfaceName host-side veth, empty while pending
 * @param state "pending" or "ready"
 * @param labels formatted labels
 */
public record EndpointView(String name, String node, String namespace, int id, int identity, String ipv4,
    String interfaceName, String state, List<String> labels) {
  public static EndpointView of(Endpoint e) {
    String state = e.getState().name().replace("ENDPOINT_STATE_", "").toLowerCase(Locale.ROOT);
    return new EndpointView(e.getName(), e.getNode(), e.getNamespace(), e.getId(), e.getIdentity(), e.getIpv4(),
        e.getInterfaceName(), state, e.getLabels().getLabelsList().stream().map(Labels::format).toList());
  }
}
