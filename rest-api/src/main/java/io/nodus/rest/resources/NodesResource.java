package io.nodus.rest.resources;

import io.nodus.rest.api.NodeView;
import io.nodus.rest.core.Commands;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.RejectedException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.Rejection;
import io.nodus.state.proto.RemoveNode;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code /v1/nodes}: registered nodes and their pod CIDRs. Nodes join by registering (their
 * agent does it); DELETE makes one leave and gives its pod CIDR back to the pool. A node that
 * still hosts endpoints is refused (409) unless {@code ?cascade=true} deletes them with it.
 */
@Path("/v1/nodes")
@Produces(MediaType.APPLICATION_JSON)
public final class NodesResource {
  private final ControlPlane controlPlane;
  private final Commands commands;

  public NodesResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
    this.commands = new Commands(controlPlane);
  }

  @GET
  public Response list(@QueryParam("stale") boolean stale) {
    ClusterState state = controlPlane.read(stale);
    return Responses.ok(state.getNodesList().stream().map(NodeView::of).toList(), state.getRevision());
  }

  @GET
  @Path("/{name}")
  public Response get(@PathParam("name") String name, @QueryParam("stale") boolean stale) {
    ClusterState state = controlPlane.read(stale);
    return state.getNodesList().stream().filter(n -> n.getName().equals(name)).findFirst()
        .map(n -> Responses.ok(NodeView.of(n), state.getRevision()))
        .orElseThrow(() -> new RejectedException(Rejection.newBuilder().setCode(RejectionCodes.NOT_FOUND).setField("name")
            .setMessage("no node named " + name).setRevision(state.getRevision()).build()));
  }

  @DELETE
  @Path("/{name}")
  public Response delete(@PathParam("name") String name, @QueryParam("cascade") boolean cascade) {
    Accepted accepted = commands.submit(Command.newBuilder().setRemoveNode(
        RemoveNode.newBuilder().setName(name).setCascade(cascade)).build());
    return Response.noContent().header(Responses.REVISION_HEADER, accepted.getRevision()).build();
  }
}
