package io.nodus.rest.resources;

import io.nodus.rest.api.NodeView;
import io.nodus.rest.core.ControlPlane;
import io.nodus.state.proto.ClusterState;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code /v1/nodes}: registered nodes and their pod CIDRs. */
@Path("/v1/nodes")
@Produces(MediaType.APPLICATION_JSON)
public final class NodesResource {
  private final ControlPlane controlPlane;

  public NodesResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @GET
  public Response list(@QueryParam("stale") boolean stale) {
    ClusterState state = controlPlane.read(stale);
    return Responses.ok(state.getNodesList().stream().map(NodeView::of).toList(), state.getRevision());
  }
}
