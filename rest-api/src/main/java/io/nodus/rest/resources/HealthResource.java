package io.nodus.rest.resources;

import io.nodus.rest.api.ClusterView;
import io.nodus.rest.core.ControlPlane;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /healthz}: 200 when this controller's replica serves and its cluster has a leader; 503
 * otherwise, with the replica's condition and the reason (a full disk, a store it cannot open,
 * still catching up after a restart).
 */
@Path("/healthz")
@Produces(MediaType.APPLICATION_JSON)
public final class HealthResource {
  private final ControlPlane controlPlane;

  public HealthResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @GET
  public Response get() {
    Map<String, Object> body = new LinkedHashMap<>();
    try {
      ClusterView view = controlPlane.cluster();
      ClusterView.Replica replica = view.replica();
      boolean ok = replica.serving() && !view.leader().isEmpty();
      body.put("status", ok ? "ok" : !replica.serving() ? replica.condition() : "no_leader");
      body.put("leader", view.leader());
      body.put("revision", view.revision());
      body.put("replica", replica);
      return Response.status(ok ? 200 : 503).entity(body).header(Responses.REVISION_HEADER, view.revision()).build();
    } catch (RuntimeException e) {
      body.put("status", "unavailable");
      body.put("message", String.valueOf(e.getMessage()));
      return Response.status(503).entity(body).build();
    }
  }
}
