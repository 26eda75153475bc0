package io.nodus.rest.resources;

import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.PageRequest;
import io.nodus.state.proto.Resource;
import io.nodus.state.proto.ResourceKind;
import io.swagger.v3.oas.annotations.Parameter;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.function.Function;

/**
 * The query parameters every list takes ({@code @BeanParam}): {@code stale}, {@code
 * labelSelector} and {@code continue}, described once for the OpenAPI document. A resource adds
 * {@code limit} (as a parameter of its own method: swagger-core gives a bean's fields the schema of
 * their Java type, and the limit is a string here so that a bad one is our 400 naming it, not
 * Jersey's 404) and its own filters (namespace, node), and answers through {@link #answer}. The
 * fields are public because swagger-core finds a bean's parameters the way Jackson finds properties.
 */
public final class ListParams {
  @Parameter(description = Listings.STALE_DOC)
  @QueryParam("stale")
  public boolean stale;

  @Parameter(description = Listings.SELECTOR_DOC)
  @QueryParam("labelSelector")
  public String labelSelector;

  @Parameter(description = Listings.CONTINUE_DOC)
  @QueryParam("continue")
  public String continueToken;

  @Context
  UriInfo uri;

  /**
   * Lists a page of {@code kind} (a 400 naming the parameter when one is bad) and answers it as
   * {@link Listings#ok} does.
   *
   * @param namespace the {@code namespace} filter, or null
   * @param node the {@code node} filter (endpoints), or null
   * @param limit the {@code limit} parameter as sent, or null
   */
  <V> Response answer(ControlPlane controlPlane, ResourceKind kind, String namespace, String node, String limit,
      Function<Resource, V> view) {
    PageRequest request = new PageRequest(kind, labelSelector, namespace, node, Listings.limit(limit), continueToken, stale);
    return Listings.ok(controlPlane.list(request), view, uri);
  }
}
