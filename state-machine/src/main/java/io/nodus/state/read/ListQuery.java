package io.nodus.state.read;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.policy.LabelSelectors;
import io.nodus.state.proto.ContinueToken;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.ResourceKind;

/**
 * One page of a listing asked for, checked: the kind, the label selector, how many items at most
 * and where to resume.
 *
 * @param kind what is listed
 * @param selector the items' labels must match it (empty: every item)
 * @param limit most items in the page, 1..{@link #MAX_LIMIT}; 0: every item, in one page
 * @param afterKey the page starts after this key; null: from the first key
 * @param afterRevision the revision the previous page reflected (0 for a first page): this page
 *     must reflect it or a later one
 */
public record ListQuery(ResourceKind kind, EndpointSelector selector, int limit, String afterKey, long afterRevision) {
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
  }

  /**
   * Checks a listing as a client writes it: {@code labelSelector} in the text form of {@link
   * LabelSelectorText} (blank: none), {@code continueToken} as a previous page returned it (blank:
   * the first page).
   *
   * @throws InvalidFieldException naming {@code kind}, {@code labelSelector}, {@code limit} or {@code continue}
   */
  public static ListQuery of(ResourceKind kind, String labelSelector, int limit, String continueToken) {
    ResourceReads.requireReadable(kind);
    EndpointSelector selector = LabelSelectorText.parse(labelSelector);
    if (continueToken == null || continueToken.isEmpty()) {
      return new ListQuery(kind, selector, limit, null, 0);
    }
    ContinueToken token = ContinueTokens.decode(continueToken, kind);
    ResourceReads.checkKey(kind, token.getLastKey(), ContinueTokens.FIELD);
    return new ListQuery(kind, selector, limit, token.getLastKey(), token.getRevision());
  }
}
