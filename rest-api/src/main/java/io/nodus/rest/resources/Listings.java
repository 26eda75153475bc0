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
