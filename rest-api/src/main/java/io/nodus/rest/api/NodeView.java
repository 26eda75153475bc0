package io.nodus.rest.api;

import io.nodus.state.proto.Node;

/**
 * A node as the API shows it.
 *
 * @param name node name
 * @param underlayIp address other nodes reach it on (may be empty)
 * @param podCidr the node's share of the pod pool
 */
public record NodeView(String name, String underlayIp, String podCidr) {
  public static NodeView of(Node n) {
    return new NodeView(n.getName(), n.getUnderlayIp(), n.getPodCidr());
  }
}
