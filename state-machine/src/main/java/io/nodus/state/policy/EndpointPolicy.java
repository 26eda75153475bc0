package io.nodus.state.policy;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The resolved policy of one endpoint: which directions are enforced (default deny) and the
 * entries of its policy map.
 *
 * @param ingressEnforced some rule selects the endpoint with ingress rules
 * @param egressEnforced some rule selects the endpoint with egress rules
 * @param entries the map entries, sorted
 */
public record EndpointPolicy(boolean ingressEnforced, boolean egressEnforced, SortedSet<PolicyEntry> entries) {
  /** Nothing selects the endpoint: everything is allowed. */
  public static final EndpointPolicy UNENFORCED = new EndpointPolicy(false, false, new TreeSet<>());

  public EndpointPolicy {
    entries = Collections.unmodifiableSortedSet(new TreeSet<>(entries));
  }
}
