package io.nodus.agent.plumbing;

import java.util.List;
import java.util.Optional;

/**
 * The kernel side of local endpoints as the agent's endpoint reconciler uses it: plumb, find,
 * list and remove. {@link EndpointPlumber} does it with network namespaces, veths and routes;
 * tests of the reconciler and its loop put a fake in its place, so that they run without
 * touching the host's network.
 *
 * <p>Threading: called only from the agent's reconciler thread.
 */
public interface EndpointPlumbing {
  /** Plumbs (or finishes plumbing) {@code endpoint} with address {@code ipv4}; idempotent. */
  EndpointPlumber.Plumbed plumb(String endpoint, String ipv4);

  /** Removes the endpoint's plumbing; absent parts are fine. */
  void unplumb(String endpoint);

  /** The endpoint's plumbing as it exists now, if it is whole. */
  Optional<EndpointPlumber.Plumbed> inspect(String endpoint);

  /** Host-side interfaces of this node that Nodus created, whatever the log says. */
  List<EndpointPlumber.OwnedLink> ownedLinks();
}
