package io.nodus.rest.resources;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.proto.Resource;
import io.nodus.state.read.ListQuery;
import io.nodus.state.read.ResourcePage;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.function.Function;

/**
 * Listings over HTTP, Kubernetes' way: {@code ?limit=N} asks for a page of at most N items,
 * {@code ?continue=TOKEN} for the page after the one that gave the token, {@code ?labelSelector=}
 * filters on labels. The body stays the JSON array every list answered before paging existed (its
 * clients read it as such); the token of the next page, when there is one, is in the {@code
 * X-Nodus-Continue} header and in a {@code Link: <...>; rel="next"} header that repeats the request
 * with it. Each page names its own revision in {@code X-Nodus-Revision}.
 */
final class Listings {
  /** Header carrying the token of the next page; absent on the last page. */
  static final String CONTINUE_HEADER = "X-Nodus-Continue";

  // What the OpenAPI document says of the listing parameters (annotations need constants).
  static final String LIMIT_DOC = "Most items in the answer, 1..1000: a page. Without it, every item in one answer.";
  static final String CONTINUE_DOC = "The X-Nodus-Continue header of the previous page, unchanged: the page after it. Each page "
      + "reflects its own revision (X-Nodus-Revision), never older than the previous page's; like Kubernetes, later pages may "
      + "reflect newer revisions. Ask with the same parameters as the first page.";
  static final String SELECTOR_DOC = "Kubernetes label selector text on the items' own labels: app=web,tier!=db,env in (a,b),"
      + "!legacy; a key may name a source (k8s:app). Refused (400) on kinds without labels.";
  static final String STALE_DOC = "Answer from this controller's replica without a ReadIndex round: cheaper, possibly behind.";
  static final String NEXT_DOC = "The token of the next page; absent on the last one.";

  private Listings() {}

  /** The {@code limit} parameter: absent means every item (0); otherwise 1..1000, or a 400 naming it. */
  static int limit(String text) {
    if (text == null) {
      return 0;
    }
    int n;
    try {
      n = Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw InvalidFieldException.invalid(ListQuery.LIMIT, "'" + text + "' is not a number");
    }
    if (n < 1 || n > ListQuery.MAX_LIMIT) {
      throw InvalidFieldException.invalid(ListQuery.LIMIT, "must be between 1 and " + ListQuery.MAX_LIMIT + ", got " + n);
    }
    return n;
  }

  /** 200 with the page's items as views, its revision and, when it has one, the next page's token. */
  static <V> Response ok(ResourcePage page, Function<Resource, V> view, UriInfo uri) {
    List<V> views = page.items().stream().map(view).toList();
    Response.ResponseBuilder r = Response.ok(views).header(Responses.REVISION_HEADER, page.revision());
    if (!page.continueToken().isEmpty()) {
      r.header(CONTINUE_HEADER, page.continueToken());
      r.link(uri.getRequestUriBuilder().replaceQueryParam("continue", page.continueToken()).build(), "next");
    }
    return r.build();
  }
}
