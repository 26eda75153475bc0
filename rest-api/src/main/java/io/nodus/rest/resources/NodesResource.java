package io.nodus.rest.resources;

import io.nodus.rest.api.NodeView;
import io.nodus.rest.core.Commands;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.PageRequest;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.RemoveNode;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.read.ResourceAt;
import io.nodus.state.read.ResourcePage;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

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
  public Response list(@QueryParam("stale") boolean stale, @QueryParam("labelSelector") String labelSelector,
      @QueryParam("limit") String limit, @QueryParam("continue") String continueToken, @Context UriInfo uri) {
    ResourcePage page = controlPlane.list(new PageRequest(ResourceKind.KIND_NODE, labelSelector, null, null,
        Listings.limit(limit), continueToken, stale));
    return Listings.ok(page, r -> NodeView.of(r.getNode()), uri);
  }

  @GET
  @Path("/{name}")
  public Response get(@PathParam("name") String name, @QueryParam("stale") boolean stale) {
    ResourceAt found = controlPlane.get(ResourceKind.KIND_NODE, name, stale);
    return Responses.ok(NodeView.of(found.resource().getNode()), found.revision());
  }

  @DELETE
  @Path("/{name}")
  public Response delete(@PathParam("name") String name, @QueryParam("cascade") boolean cascade) {
    Accepted accepted = commands.submit(Command.newBuilder().setRemoveNode(
        RemoveNode.newBuilder().setName(name).setCascade(cascade)).build());
    return Response.noContent().header(Responses.REVISION_HEADER, accepted.getRevision()).build();
  }
}
