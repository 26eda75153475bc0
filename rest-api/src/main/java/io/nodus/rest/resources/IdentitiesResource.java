package io.nodus.rest.resources;

import io.nodus.rest.api.IdentityView;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.RejectedException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Rejection;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code /v1/identities}: security identities, reserved ones included. */
@Path("/v1/identities")
@Produces(MediaType.APPLICATION_JSON)
public final class IdentitiesResource {
  private final ControlPlane controlPlane;

  public IdentitiesResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @GET
  public Response list(@QueryParam("stale") boolean stale) {
    ClusterState state = controlPlane.read(stale);
    return Responses.ok(state.getIdentitiesList().stream().map(IdentityView::of).toList(), state.getRevision());
  }

  @GET
  @Path("/{id}")
  public Response get(@PathParam("id") String id, @QueryParam("stale") boolean stale) {
    ClusterState state = controlPlane.read(stale);
    int number;
    try {
      number = Integer.parseInt(id);
    } catch (NumberFormatException e) {
      throw new io.nodus.state.model.InvalidFieldException(RejectionCodes.INVALID_ARGUMENT, "id", "'" + id + "' is not an identity number");
    }
    return state.getIdentitiesList().stream().filter(i -> i.getId() == number).findFirst()
        .map(i -> Responses.ok(IdentityView.of(i), state.getRevision()))
        .orElseThrow(() -> new RejectedException(Rejection.newBuilder().setCode(RejectionCodes.NOT_FOUND).setField("id")
            .setMessage("no identity " + number).setRevision(state.getRevision()).build()));
  }
}
