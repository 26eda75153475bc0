package io.nodus.rest.resources;

import io.nodus.rest.api.PolicyView;
import io.nodus.rest.core.Commands;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.PageRequest;
import io.nodus.rest.core.RequestBodies;
import io.nodus.rest.policy.PolicyDocuments;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.DeletePolicy;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.proto.UpsertPolicy;
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
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code /v1/policies}: apply (POST one CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or
 * Kubernetes NetworkPolicy as YAML or JSON), list, show and delete. Namespaced policies live at
 * {@code /{namespace}/{name}}, cluster-wide ones at {@code /{name}}. Showing a policy gives back
 * its original document (as JSON with the document inside, or the document itself when YAML is
 * asked for), with the policy's revision as its ETag: {@code If-Match} on an apply or a delete
 * makes it a compare-and-set on that revision, {@code If-None-Match: *} a create-only apply
 * (412 Precondition Failed when the stored policy moved on).
 */
@Path("/v1/policies")
@Produces(MediaType.APPLICATION_JSON)
public final class PoliciesResource {
  private final ControlPlane controlPlane;
  private final Commands commands;

  public PoliciesResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
    this.commands = new Commands(controlPlane);
  }

  @POST
  @Consumes({"application/yaml", "application/x-yaml", "text/yaml", MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
  public Response apply(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
      @HeaderParam(Preconditions.IF_MATCH) String ifMatch, @HeaderParam(Preconditions.IF_NONE_MATCH) String ifNoneMatch,
      byte[] body) {
    OptionalLong expected = Preconditions.expectedRevision(ifMatch, ifNoneMatch);
    String format = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(MediaType.APPLICATION_JSON)
        ? PolicyDocuments.JSON : PolicyDocuments.YAML;
    Policy policy = PolicyDocuments.parse(RequestBodies.text(body, contentType), format);
    UpsertPolicy.Builder upsert = UpsertPolicy.newBuilder().setPolicy(policy);
    expected.ifPresent(upsert::setExpectedRevision);
    Accepted accepted = commands.submit(Command.newBuilder().setUpsertPolicy(upsert).build());
    // The upsert event may follow CIDR identity allocations and precede releases.
    Optional<Event> upserted = accepted.getEventsList().stream().filter(Event::hasPolicyUpserted).findFirst();
    // An unchanged policy produces no event: answer 200 with the stored revision instead of 201.
    Response.Status status = upserted.isPresent() ? Response.Status.CREATED : Response.Status.OK;
    Policy stored = upserted.isPresent()
        ? upserted.get().getPolicyUpserted().getPolicy().toBuilder().setRevision(upserted.get().getRevision()).build()
        : find(policy.getNamespace(), policy.getName(), false).resource().getPolicy();
    return Preconditions.withEtag(Responses.status(status, PolicyView.full(stored), accepted.getRevision()), stored.getRevision());
  }

  @GET
  @Operation(operationId = "listPolicies", summary = "List policies, by namespace then name.",
      responses = @ApiResponse(responseCode = "200", description = "A page of items (every item without a limit)",
          headers = @Header(name = Listings.CONTINUE_HEADER, description = Listings.NEXT_DOC),
          content = @Content(array = @ArraySchema(schema = @Schema(implementation = PolicyView.class)))))
  public Response list(@BeanParam ListParams listing,
      @Parameter(description = Listings.LIMIT_DOC, schema = @Schema(type = "integer", minimum = "1", maximum = "1000"))
      @QueryParam("limit") String limit, @QueryParam("namespace") String namespace) {
    return listing.answer(controlPlane, ResourceKind.KIND_POLICY, namespace, null, limit, r -> PolicyView.summary(r.getPolicy()));
  }

  @GET
  @Path("/{namespace}/{name}")
  @Produces({MediaType.APPLICATION_JSON, "application/yaml"})
  public Response get(@PathParam("namespace") String namespace, @PathParam("name") String name,
      @QueryParam("stale") boolean stale, @HeaderParam(HttpHeaders.ACCEPT) String accept) {
    ResourceAt found = find(namespace, name, stale);
    return show(found.resource().getPolicy(), found.revision(), accept);
  }

  @GET
  @Path("/{name}")
  @Produces({MediaType.APPLICATION_JSON, "application/yaml"})
  public Response getClusterwide(@PathParam("name") String name, @QueryParam("stale") boolean stale,
      @HeaderParam(HttpHeaders.ACCEPT) String accept) {
    ResourceAt found = find("", name, stale);
    return show(found.resource().getPolicy(), found.revision(), accept);
  }

  @DELETE
  @Path("/{namespace}/{name}")
  public Response delete(@PathParam("namespace") String namespace, @PathParam("name") String name,
      @HeaderParam(Preconditions.IF_MATCH) String ifMatch, @HeaderParam(Preconditions.IF_NONE_MATCH) String ifNoneMatch) {
    return remove(namespace, name, Preconditions.expectedRevisionOfDelete(ifMatch, ifNoneMatch));
  }

  @DELETE
  @Path("/{name}")
  public Response deleteClusterwide(@PathParam("name") String name,
      @HeaderParam(Preconditions.IF_MATCH) String ifMatch, @HeaderParam(Preconditions.IF_NONE_MATCH) String ifNoneMatch) {
    return remove("", name, Preconditions.expectedRevisionOfDelete(ifMatch, ifNoneMatch));
  }

  private Response remove(String namespace, String name, OptionalLong expected) {
    DeletePolicy.Builder delete = DeletePolicy.newBuilder().setNamespace(namespace).setName(name);
    expected.ifPresent(delete::setExpectedRevision);
    Accepted accepted = commands.submit(Command.newBuilder().setDeletePolicy(delete).build());
    return Response.noContent().header(Responses.REVISION_HEADER, accepted.getRevision()).build();
  }

  /**
   * The original document when YAML is asked for explicitly, the JSON view otherwise; the ETag is
   * the policy's own revision, for If-Match.
   */
  private static Response show(Policy p, long revision, String accept) {
    Response r = accept != null && accept.contains("yaml") && !accept.contains(MediaType.APPLICATION_JSON)
        ? Response.ok(p.getOriginalDocument(), p.getOriginalFormat()).header(Responses.REVISION_HEADER, revision).build()
        : Responses.ok(PolicyView.full(p), revision);
    return Preconditions.withEtag(r, p.getRevision());
  }

  /** The policy, read by its key; a 404 naming {@code name} when there is none. */
  private ResourceAt find(String namespace, String name, boolean stale) {
    return controlPlane.get(ResourceKind.KIND_POLICY, PoliciesImage.key(namespace, name), stale);
  }
}
