package io.nodus.rest.resources;

import io.nodus.rest.api.IdentityView;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.PageRequest;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.read.ResourceAt;
import io.nodus.state.read.ResourcePage;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.ws.rs.BeanParam;
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
  @Operation(operationId = "listIdentities", summary = "List identities, reserved ones included, by number.",
      responses = @ApiResponse(responseCode = "200", description = "A page of items (every item without a limit)",
          headers = @Header(name = Listings.CONTINUE_HEADER, description = Listings.NEXT_DOC),
          content = @Content(array = @ArraySchema(schema = @Schema(implementation = IdentityView.class)))))
  public Response list(@BeanParam ListParams listing,
      @Parameter(description = Listings.LIMIT_DOC, schema = @Schema(type = "integer", minimum = "1", maximum = "1000"))
      @QueryParam("limit") String limit) {
    return listing.answer(controlPlane, ResourceKind.KIND_IDENTITY, null, null, limit, r -> IdentityView.of(r.getIdentity()));
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
