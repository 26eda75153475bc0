package io.nodus.rest.core;

import io.nodus.state.proto.ResourceKind;
import io.nodus.state.read.ListQuery;

/**
 * A listing as a REST client asks for it: the query parameters as sent, checked on construction
 * with the rules the controllers apply, so a bad one is a 400 before any round trip.
 *
 * @param kind what is listed
 * @param labelSelector {@code labelSelector}, Kubernetes' text form; null or blank: none
 * @param namespace {@code namespace}; null: every namespace
 * @param node {@code node} (endpoints); null: every node
 * @param limit {@code limit}, 1..1000; 0 when not given (every item in one page)
 * @param continueToken {@code continue}, as the previous page gave it; null or empty: the first page
 * @param stale answer from the local replica without a ReadIndex round
 */
public record PageRequest(ResourceKind kind, String labelSelector, String namespace, String node, int limit, String continueToken,
    boolean stale) {
  public PageRequest {
    ListQuery.of(kind, labelSelector, namespace, node, limit, continueToken);
  }

  /** The same request as the state machine's read package takes it. */
  public ListQuery query() {
    return ListQuery.of(kind, labelSelector, namespace, node, limit, continueToken);
  }
}
