package io.nodus.rest.resources;

import io.nodus.rest.api.CreateEndpointRequest;
import io.nodus.rest.api.EndpointView;
import io.nodus.rest.core.Commands;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.JsonBodies;
import io.nodus.rest.core.PageRequest;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.DeleteEndpoint;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSet;
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
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;

/**
 * {@code /v1/endpoints}: workloads. Creating one records it as pending in the log; its node's
 * agent plumbs it and marks it ready with its address, which clients see by polling.
 */
@Path("/v1/endpoints")
@Produces(MediaType.APPLICATION_JSON)
public final class EndpointsResource {
  private final ControlPlane controlPlane;
  private final Commands commands;

  public EndpointsResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
    this.commands = new Commands(controlPlane);
  }

  @GET
  @Operation(operationId = "listEndpoints", summary = "List endpoints, by name.",
      responses = @ApiResponse(responseCode = "200", description = "A page of items (every item without a limit)",
          headers = @Header(name = Listings.CONTINUE_HEADER, description = Listings.NEXT_DOC),
          content = @Content(array = @ArraySchema(schema = @Schema(implementation = EndpointView.class)))))
  public Response list(@BeanParam ListParams listing,
      @Parameter(description = Listings.LIMIT_DOC, schema = @Schema(type = "integer", minimum = "1", maximum = "1000"))
      @QueryParam("limit") String limit, @QueryParam("node") String node, @QueryParam("namespace") String namespace) {
    return listing.answer(controlPlane, ResourceKind.KIND_ENDPOINT, namespace, node, limit, r -> EndpointView.of(r.getEndpoint()));
  }

  @GET
  @Path("/{name}")
  public Response get(@PathParam("name") String name, @QueryParam("stale") boolean stale) {
    ResourceAt found = controlPlane.get(ResourceKind.KIND_ENDPOINT, name, stale);
    return Responses.ok(EndpointView.of(found.resource().getEndpoint()), found.revision());
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Response create(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, byte[] body) {
    CreateEndpointRequest req = JsonBodies.read(body, contentType, CreateEndpointRequest.class);
    if (req.name() == null) {
      throw InvalidFieldException.invalid("name", "is required");
    }
    if (req.node() == null) {
      throw InvalidFieldException.invalid("node", "is required");
    }
    LabelSet.Builder labels = LabelSet.newBuilder();
    for (Map.Entry<String, String> e : req.labels().entrySet()) {
      Label l = Labels.parse(e.getKey() + "=" + (e.getValue() == null ? "" : e.getValue()), Labels.SOURCE_K8S);
      Labels.validateUserLabel(l, "labels." + e.getKey());
      labels.addLabels(l);
    }
    Accepted accepted = commands.submit(Command.newBuilder().setCreateEndpoint(CreateEndpoint.newBuilder()
        .setName(req.name()).setNode(req.node()).setNamespace(req.namespace() == null ? "" : req.namespace())
        .setLabels(labels)).build());
    Endpoint created = accepted.getEventsList().stream()
        .filter(ev -> ev.hasEndpointCreated()).map(ev -> ev.getEndpointCreated().getEndpoint())
        .findFirst().orElseThrow(() -> new IllegalStateException("accepted endpoint creation without an EndpointCreated event"));
    return Responses.status(Response.Status.CREATED, EndpointView.of(created), accepted.getRevision());
  }

  @DELETE
  @Path("/{name}")
  public Response delete(@PathParam("name") String name) {
    Accepted accepted = commands.submit(Command.newBuilder().setDeleteEndpoint(DeleteEndpoint.newBuilder().setName(name)).build());
    return Response.noContent().header(Responses.REVISION_HEADER, accepted.getRevision()).build();
  }
}
