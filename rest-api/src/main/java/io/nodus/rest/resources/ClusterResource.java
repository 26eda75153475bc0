package io.nodus.rest.resources;

import io.nodus.rest.api.ClusterView;
import io.nodus.rest.core.ControlPlane;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code /v1/cluster}: members, leader, revision and state hash. */
@Path("/v1/cluster")
@Produces(MediaType.APPLICATION_JSON)
public final class ClusterResource {
  private final ControlPlane controlPlane;

  public ClusterResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @GET
  public Response get() {
    ClusterView view = controlPlane.cluster();
    return Responses.ok(view, view.revision());
  }
}
