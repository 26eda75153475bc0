package io.nodus.rest.resources;

import io.nodus.rest.api.AllocateRequest;
import io.nodus.rest.api.IpamAllocationView;
import io.nodus.rest.api.IpamPoolView;
import io.nodus.rest.core.Commands;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.JsonBodies;
import io.nodus.rest.core.RejectedException;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.AllocateIpam;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateIpamPool;
import io.nodus.state.proto.DeleteIpamPool;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.Rejection;
import io.nodus.state.proto.ReleaseIpam;
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
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /v1/ipam}: pools ({@code /pools}, {@code /pools/{name}}) and the blocks taken from them
 * ({@code /pools/{name}/allocations}, released at {@code /pools/{name}/allocations/{address}/{prefix}}).
 * The default pool is the cluster's pod CIDR pool; node pod CIDRs are its allocations.
 */
@Path("/v1/ipam/pools")
@Produces(MediaType.APPLICATION_JSON)
public final class IpamResource {
  private static final String DEFAULT_POOL = "default";

  private final ControlPlane controlPlane;
  private final Commands commands;

  public IpamResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
    this.commands = new Commands(controlPlane);
  }

  @GET
  public Response list(@QueryParam("stale") boolean stale) {
    ClusterState state = controlPlane.read(stale);
    return Responses.ok(pools(state).stream().map(p -> view(state, p, false)).toList(), state.getRevision());
  }

  @GET
  @Path("/{name}")
  public Response get(@PathParam("name") String name, @QueryParam("stale") boolean stale) {
    ClusterState state = controlPlane.read(stale);
    return Responses.ok(view(state, find(state, name), true), state.getRevision());
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
    ClusterState state = controlPlane.read(false);
    return Responses.status(accepted.getEventsCount() > 0 ? Response.Status.CREATED : Response.Status.OK,
        view(state, find(state, req.name()), false), state.getRevision());
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
    ClusterState state = controlPlane.read(stale);
    find(state, name);
    return Responses.ok(allocationsOf(state, name), state.getRevision());
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

  /** The default pool (from the configuration), then user pools. */
  private static List<IpamPool> pools(ClusterState state) {
    List<IpamPool> out = new ArrayList<>();
    out.add(IpamPool.newBuilder().setName(DEFAULT_POOL).setCidr(state.getConfig().getPodCidrPool())
        .setBlockPrefix(state.getConfig().getNodeCidrPrefix()).build());
    out.addAll(state.getIpamPoolsList());
    return out;
  }

  private static IpamPool find(ClusterState state, String name) {
    return pools(state).stream().filter(p -> p.getName().equals(name)).findFirst()
        .orElseThrow(() -> new RejectedException(Rejection.newBuilder().setCode(RejectionCodes.NOT_FOUND).setField("name")
            .setMessage("no pool named " + name).setRevision(state.getRevision()).build()));
  }

  private static List<IpamAllocationView> allocationsOf(ClusterState state, String pool) {
    return state.getIpamAllocationsList().stream().filter(a -> a.getPool().equals(pool)).map(a -> view(a, a.getRevision())).toList();
  }

  private static IpamPoolView view(ClusterState state, IpamPool p, boolean withAllocations) {
    List<IpamAllocationView> held = allocationsOf(state, p.getName());
    return new IpamPoolView(p.getName(), p.getCidr(), p.getBlockPrefix(), held.size(), withAllocations ? held : null, p.getRevision());
  }

  private static IpamAllocationView view(IpamAllocation a, long revision) {
    return new IpamAllocationView(a.getPool(), a.getCidr(), a.getOwner(), revision);
  }
}
