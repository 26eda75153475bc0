package io.nodus.rest.resources;

import io.nodus.rest.api.AllocateRequest;
import io.nodus.rest.api.IpamAllocationView;
import io.nodus.rest.api.IpamPoolView;
import io.nodus.rest.core.Commands;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.JsonBodies;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.AllocateIpam;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateIpamPool;
import io.nodus.state.proto.DeleteIpamPool;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.IpamPoolState;
import io.nodus.state.proto.ReleaseIpam;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.read.ResourceAt;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.ws.rs.BeanParam;
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
import java.util.List;

/**
 * {@code /v1/ipam}: pools ({@code /pools}, {@code /pools/{name}}) and the blocks taken from them
 * ({@code /pools/{name}/allocations}, released at {@code /pools/{name}/allocations/{address}/{prefix}}).
 * The default pool is the cluster's pod CIDR pool; node pod CIDRs are its allocations.
 */
@Path("/v1/ipam/pools")
@Produces(MediaType.APPLICATION_JSON)
public final class IpamResource {
  private final ControlPlane controlPlane;
  private final Commands commands;

  public IpamResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
    this.commands = new Commands(controlPlane);
  }

  @GET
  @Operation(operationId = "listIpamPools", summary = "List IPAM pools: the default pool, then the others by name.",
      responses = @ApiResponse(responseCode = "200", description = "A page of items (every item without a limit)",
          headers = @Header(name = Listings.CONTINUE_HEADER, description = Listings.NEXT_DOC),
          content = @Content(array = @ArraySchema(schema = @Schema(implementation = IpamPoolView.class)))))
  public Response list(@BeanParam ListParams listing,
      @Parameter(description = Listings.LIMIT_DOC, schema = @Schema(type = "integer", minimum = "1", maximum = "1000"))
      @QueryParam("limit") String limit) {
    return listing.answer(controlPlane, ResourceKind.KIND_IPAM, null, null, limit, r -> view(r.getIpamPool(), false));
  }

  @GET
  @Path("/{name}")
  public Response get(@PathParam("name") String name, @QueryParam("stale") boolean stale) {
    ResourceAt pool = find(name, stale);
    return Responses.ok(view(pool.resource().getIpamPool(), true), pool.revision());
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Response create(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, byte[] body) {
    IpamPoolView req = JsonBodies.read(body, contentType, IpamPoolView.class);
    if (req.allocated() != null || req.allocations() != null || req.revision() != null) {
      throw InvalidFieldException.invalid(req.revision() != null ? "revision" : req.allocated() != null ? "allocated" : "allocations",
          "is output only");
    }
    if (req.name() == null) {
      throw InvalidFieldException.invalid("name", "is required");
    }
    if (req.cidr() == null) {
      throw InvalidFieldException.invalid("cidr", "is required");
    }
    if (req.blockPrefix() == null) {
      throw InvalidFieldException.invalid("blockPrefix", "is required (e.g. 32 for single addresses)");
    }
    Accepted accepted = commands.submit(Command.newBuilder().setCreateIpamPool(CreateIpamPool.newBuilder()
        .setPool(IpamPool.newBuilder().setName(req.name()).setCidr(req.cidr()).setBlockPrefix(req.blockPrefix()))).build());
    ResourceAt pool = find(req.name(), false);
    return Responses.status(accepted.getEventsCount() > 0 ? Response.Status.CREATED : Response.Status.OK,
        view(pool.resource().getIpamPool(), false), pool.revision());
  }

  @DELETE
  @Path("/{name}")
  public Response delete(@PathParam("name") String name) {
    Accepted accepted = commands.submit(Command.newBuilder().setDeleteIpamPool(DeleteIpamPool.newBuilder().setName(name)).build());
    return Response.noContent().header(Responses.REVISION_HEADER, accepted.getRevision()).build();
  }

  @GET
  @Path("/{name}/allocations")
  public Response allocations(@PathParam("name") String name, @QueryParam("stale") boolean stale) {
    ResourceAt pool = find(name, stale);
    return Responses.ok(pool.resource().getIpamPool().getAllocationsList().stream().map(a -> view(a, a.getRevision())).toList(),
        pool.revision());
  }

  @POST
  @Path("/{name}/allocations")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response allocate(@PathParam("name") String name, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, byte[] body) {
    AllocateRequest req = JsonBodies.read(body, contentType, AllocateRequest.class);
    if (req.owner() == null) {
      throw InvalidFieldException.invalid("owner", "is required");
    }
    if (req.prefixLength() != null && (req.prefixLength() < 1 || req.prefixLength() > 32)) {
      throw InvalidFieldException.invalid("prefixLength", "prefix length " + req.prefixLength() + " is outside 1..32");
    }
    Accepted accepted = commands.submit(Command.newBuilder().setAllocateIpam(AllocateIpam.newBuilder()
        .setPool(name).setOwner(req.owner())
        .setPrefixLength(req.prefixLength() == null ? 0 : req.prefixLength())
        .setCidr(req.cidr() == null ? "" : req.cidr())).build());
    Event e = accepted.getEventsList().stream().filter(Event::hasIpamAllocated).findFirst()
        .orElseThrow(() -> new IllegalStateException("accepted allocation without an IpamAllocated event"));
    return Responses.status(Response.Status.CREATED, view(e.getIpamAllocated().getAllocation(), e.getRevision()), accepted.getRevision());
  }

  @DELETE
  @Path("/{name}/allocations/{address}/{prefix}")
  public Response release(@PathParam("name") String name, @PathParam("address") String address, @PathParam("prefix") String prefix) {
    Accepted accepted = commands.submit(Command.newBuilder().setReleaseIpam(
        ReleaseIpam.newBuilder().setPool(name).setCidr(address + "/" + prefix)).build());
    return Response.noContent().header(Responses.REVISION_HEADER, accepted.getRevision()).build();
  }

  private ResourceAt find(String name, boolean stale) {
    return controlPlane.get(ResourceKind.KIND_IPAM, name, stale);
  }

  /** A pool as the API shows it; its allocations only when asked (a listing counts them). */
  private static IpamPoolView view(IpamPoolState state, boolean withAllocations) {
    IpamPool p = state.getPool();
    List<IpamAllocationView> held = withAllocations ? state.getAllocationsList().stream().map(a -> view(a, a.getRevision())).toList() : null;
    return new IpamPoolView(p.getName(), p.getCidr(), p.getBlockPrefix(), state.getAllocated(), held, p.getRevision());
  }

  private static IpamAllocationView view(IpamAllocation a, long revision) {
    return new IpamAllocationView(a.getPool(), a.getCidr(), a.getOwner(), revision);
  }
}
