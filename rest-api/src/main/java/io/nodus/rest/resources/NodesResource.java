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
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.ws.rs.BeanParam;
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
  @Operation(operationId = "listNodes", summary = "List nodes, by name.",
      responses = @ApiResponse(responseCode = "200", description = "A page of items (every item without a limit)",
          headers = @Header(name = Listings.CONTINUE_HEADER, description = Listings.NEXT_DOC),
          content = @Content(array = @ArraySchema(schema = @Schema(implementation = NodeView.class)))))
  public Response list(@BeanParam ListParams listing,
      @Parameter(description = Listings.LIMIT_DOC, schema = @Schema(type = "integer", minimum = "1", maximum = "1000"))
      @QueryParam("limit") String limit) {
    return listing.answer(controlPlane, ResourceKind.KIND_NODE, null, null, limit, r -> NodeView.of(r.getNode()));
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
