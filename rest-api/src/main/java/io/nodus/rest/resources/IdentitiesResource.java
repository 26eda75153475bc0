package io.nodus.rest.resources;

import io.nodus.rest.api.IdentityView;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.PageRequest;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.read.ResourceAt;
import io.nodus.state.read.ResourcePage;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** {@code /v1/identities}: security identities, reserved ones included, by number. */
@Path("/v1/identities")
@Produces(MediaType.APPLICATION_JSON)
public final class IdentitiesResource {
  private final ControlPlane controlPlane;

  public IdentitiesResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @GET
  public Response list(@QueryParam("stale") boolean stale, @QueryParam("labelSelector") String labelSelector,
      @QueryParam("limit") String limit, @QueryParam("continue") String continueToken, @Context UriInfo uri) {
    ResourcePage page = controlPlane.list(new PageRequest(ResourceKind.KIND_IDENTITY, labelSelector, null, null,
        Listings.limit(limit), continueToken, stale));
    return Listings.ok(page, r -> IdentityView.of(r.getIdentity()), uri);
  }

  @GET
  @Path("/{id}")
  public Response get(@PathParam("id") String id, @QueryParam("stale") boolean stale) {
    int number;
    try {
      number = Integer.parseInt(id);
    } catch (NumberFormatException e) {
      throw new InvalidFieldException(RejectionCodes.INVALID_ARGUMENT, "id", "'" + id + "' is not an identity number");
    }
    if (number < 0) {
      throw new InvalidFieldException(RejectionCodes.INVALID_ARGUMENT, "id", "'" + id + "' is not an identity number");
    }
    ResourceAt found = controlPlane.get(ResourceKind.KIND_IDENTITY, Integer.toString(number), stale);
    return Responses.ok(IdentityView.of(found.resource().getIdentity()), found.revision());
  }
}
