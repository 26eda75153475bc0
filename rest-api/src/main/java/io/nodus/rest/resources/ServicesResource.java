package io.nodus.rest.resources;

import io.nodus.rest.api.ServiceView;
import io.nodus.rest.core.Commands;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.JsonBodies;
import io.nodus.rest.core.PageRequest;
import io.nodus.rest.core.ServiceMapping;
import io.nodus.state.image.ServicesImage;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.DeleteService;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.UpsertService;
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
import java.util.Optional;

/**
 * {@code /v1/services}: load-balanced services. POST creates or replaces one (201 when it changed,
 * 200 when it was already so), GET lists or shows, DELETE removes, by {@code /{namespace}/{name}}.
 */
@Path("/v1/services")
@Produces(MediaType.APPLICATION_JSON)
public final class ServicesResource {
  private final ControlPlane controlPlane;
  private final Commands commands;

  public ServicesResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
    this.commands = new Commands(controlPlane);
  }

  @GET
  @Operation(operationId = "listServices", summary = "List services, by namespace then name.",
      responses = @ApiResponse(responseCode = "200", description = "A page of items (every item without a limit)",
          headers = @Header(name = Listings.CONTINUE_HEADER, description = Listings.NEXT_DOC),
          content = @Content(array = @ArraySchema(schema = @Schema(implementation = ServiceView.class)))))
  public Response list(@BeanParam ListParams listing,
      @Parameter(description = Listings.LIMIT_DOC, schema = @Schema(type = "integer", minimum = "1", maximum = "1000"))
      @QueryParam("limit") String limit, @QueryParam("namespace") String namespace) {
    return listing.answer(controlPlane, ResourceKind.KIND_SERVICE, namespace, null, limit, r -> ServiceMapping.toView(r.getService()));
  }

  @GET
  @Path("/{namespace}/{name}")
  public Response get(@PathParam("namespace") String namespace, @PathParam("name") String name, @QueryParam("stale") boolean stale) {
    ResourceAt found = find(namespace, name, stale);
    return Responses.ok(ServiceMapping.toView(found.resource().getService()), found.revision());
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Response upsert(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, byte[] body) {
    Service service = ServiceMapping.toProto(JsonBodies.read(body, contentType, ServiceView.class));
    Accepted accepted = commands.submit(Command.newBuilder().setUpsertService(UpsertService.newBuilder().setService(service)).build());
    Optional<Service> upserted = accepted.getEventsList().stream().filter(Event::hasServiceUpserted)
        .map(e -> e.getServiceUpserted().getService().toBuilder().setRevision(e.getRevision()).build()).findFirst();
    if (upserted.isPresent()) {
      return Responses.status(Response.Status.CREATED, ServiceMapping.toView(upserted.get()), accepted.getRevision());
    }
    // Unchanged: answer with the stored service.
    String namespace = service.getNamespace().isEmpty() ? "default" : service.getNamespace();
    ResourceAt stored = find(namespace, service.getName(), false);
    return Responses.ok(ServiceMapping.toView(stored.resource().getService()), stored.revision());
  }

  @DELETE
  @Path("/{namespace}/{name}")
  public Response delete(@PathParam("namespace") String namespace, @PathParam("name") String name) {
    Accepted accepted = commands.submit(Command.newBuilder().setDeleteService(
        DeleteService.newBuilder().setNamespace(namespace).setName(name)).build());
    return Response.noContent().header(Responses.REVISION_HEADER, accepted.getRevision()).build();
  }

  private ResourceAt find(String namespace, String name, boolean stale) {
    return controlPlane.get(ResourceKind.KIND_SERVICE, ServicesImage.key(namespace, name), stale);
  }
}
