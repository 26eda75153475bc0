package io.nodus.state.read;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.policy.LabelSelectors;
import io.nodus.state.proto.ContinueToken;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.ResourceKind;

/**
 * One page of a listing asked for, checked: the kind, what to select, how many items at most and
 * where to resume. A continued listing should be asked with the same selection; a page continues
 * after the token's key whatever it is asked.
 *
 * @param kind what is listed
 * @param selector the items' labels must match it (empty: every item)
 * @param namespace only this namespace (for policies, empty is cluster-wide); null: every
 *     namespace. Policies and services are keyed by namespace first, so a namespace is a range of
 *     keys; endpoints are filtered on theirs.
 * @param node only endpoints on this node; null: every node
 * @param limit most items in the page, 1..{@link #MAX_LIMIT}; 0: every item, in one page
 * @param afterKey the page starts after this key; null: from the first key
 * @param afterRevision the revision the previous page reflected (0 for a first page): this page
 *     must reflect it or a later one
 */
public record ListQuery(ResourceKind kind, EndpointSelector selector, String namespace, String node, int limit, String afterKey,
    long afterRevision) {
  /** Most items one page may hold. */
  public static final int MAX_LIMIT = 1000;
  /** The parameter a bad limit is reported on. */
  public static final String LIMIT = "limit";

  public ListQuery {
    ResourceReads.requireReadable(kind);
    if (limit < 0 || limit > MAX_LIMIT) {
      throw InvalidFieldException.invalid(LIMIT, "must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
    if (!LabelSelectors.isWildcard(selector) && !ResourceReads.hasLabels(kind)) {
      throw InvalidFieldException.invalid(LabelSelectorText.FIELD, ContinueTokens.name(kind) + " have no labels to select on");
    }
    if (namespace != null && !(kind == ResourceKind.KIND_POLICY || kind == ResourceKind.KIND_SERVICE || kind == ResourceKind.KIND_ENDPOINT)) {
      throw InvalidFieldException.invalid("namespace", ContinueTokens.name(kind) + " have no namespace");
    }
    if (node != null && kind != ResourceKind.KIND_ENDPOINT) {
      throw InvalidFieldException.invalid("node", "only endpoints are listed by node");
    }
  }

  /**
   * Checks a listing as a client writes it: {@code labelSelector} in the text form of {@link
   * LabelSelectorText} (blank: none), {@code continueToken} as a previous page returned it (blank:
   * the first page).
   *
   * @throws InvalidFieldException naming {@code kind}, {@code labelSelector}, {@code namespace},
   *     {@code node}, {@code limit} or {@code continue}
   */
  public static ListQuery of(ResourceKind kind, String labelSelector, String namespace, String node, int limit,
      String continueToken) {
    ResourceReads.requireReadable(kind);
    EndpointSelector selector = LabelSelectorText.parse(labelSelector);
    if (continueToken == null || continueToken.isEmpty()) {
      return new ListQuery(kind, selector, namespace, node, limit, null, 0);
    }
    ContinueToken token = ContinueTokens.decode(continueToken, kind);
    ResourceReads.checkKey(kind, token.getLastKey(), ContinueTokens.FIELD);
    return new ListQuery(kind, selector, namespace, node, limit, token.getLastKey(), token.getRevision());
  }

  /** {@link #of} without a namespace or node. */
  public static ListQuery of(ResourceKind kind, String labelSelector, int limit, String continueToken) {
    return of(kind, labelSelector, null, null, limit, continueToken);
  }
}
