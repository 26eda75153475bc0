package io.nodus.rest.resources;

import io.nodus.rest.api.ServiceView;
import io.nodus.rest.core.Commands;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.JsonBodies;
import io.nodus.rest.core.RejectedException;
import io.nodus.rest.core.ServiceMapping;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.DeleteService;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Rejection;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.UpsertService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
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
  public Response list(@QueryParam("stale") boolean stale, @QueryParam("namespace") String namespace) {
    ClusterState state = controlPlane.read(stale);
    return Responses.ok(state.getServicesList().stream()
        .filter(s -> namespace == null || s.getNamespace().equals(namespace))
        .map(ServiceMapping::toView).toList(), state.getRevision());
  }

  @GET
  @Path("/{namespace}/{name}")
  public Response get(@PathParam("namespace") String namespace, @PathParam("name") String name, @QueryParam("stale") boolean stale) {
    ClusterState state = controlPlane.read(stale);
    return Responses.ok(ServiceMapping.toView(find(state, namespace, name)), state.getRevision());
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
    ClusterState state = controlPlane.read(false);
    String namespace = service.getNamespace().isEmpty() ? "default" : service.getNamespace();
    return Responses.ok(ServiceMapping.toView(find(state, namespace, service.getName())), state.getRevision());
  }

  @DELETE
  @Path("/{namespace}/{name}")
  public Response delete(@PathParam("namespace") String namespace, @PathParam("name") String name) {
    Accepted accepted = commands.submit(Command.newBuilder().setDeleteService(
        DeleteService.newBuilder().setNamespace(namespace).setName(name)).build());
    return Response.noContent().header(Responses.REVISION_HEADER, accepted.getRevision()).build();
  }

  private static Service find(ClusterState state, String namespace, String name) {
    return state.getServicesList().stream().filter(s -> s.getNamespace().equals(namespace) && s.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new RejectedException(Rejection.newBuilder().setCode(RejectionCodes.NOT_FOUND).setField("name")
            .setMessage("no service named " + name + " in namespace " + namespace).setRevision(state.getRevision()).build()));
  }
}
