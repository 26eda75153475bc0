package io.nodus.rest.resources;

import io.nodus.rest.api.ClusterView;
import io.nodus.rest.api.MemberRequest;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.JsonBodies;
import io.nodus.state.model.Addresses;
import io.nodus.state.model.InvalidFieldException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code /v1/cluster}: members, leader, revision and state hash; {@code /v1/cluster/members} adds
 * (POST) and removes (DELETE {@code /{id}}) controllers at run time. Both answer with the group
 * once the change committed; adding waits for the new member to catch up.
 */
@Path("/v1/cluster")
@Produces(MediaType.APPLICATION_JSON)
public final class ClusterResource {
  private final ControlPlane controlPlane;

  public ClusterResource(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @GET
  public Response get() {
    ClusterView view = controlPlane.cluster();
    return Responses.ok(view, view.revision());
  }

  @POST
  @Path("/members")
  @Consumes(MediaType.APPLICATION_JSON)
  public Response addMember(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, byte[] body) {
    MemberRequest req = JsonBodies.read(body, contentType, MemberRequest.class);
    // Checked here too, so that a bad request never reaches the Raft group.
    Addresses.requireMemberId(required(req.id(), "id"), "id");
    Addresses.requireMemberAddress(required(req.raftAddress(), "raftAddress"), "raftAddress");
    Addresses.requireMemberAddress(required(req.grpcAddress(), "grpcAddress"), "grpcAddress");
    ClusterView view = controlPlane.addMember(req.id(), req.raftAddress(), req.grpcAddress());
    return Responses.ok(view, view.revision());
  }

  @DELETE
  @Path("/members/{id}")
  public Response removeMember(@PathParam("id") String id) {
    Addresses.requireMemberId(id, "id");
    ClusterView view = controlPlane.removeMember(id);
    return Responses.ok(view, view.revision());
  }

  private static String required(String value, String field) {
    if (value == null) {
      throw InvalidFieldException.invalid(field, "is required");
    }
    return value;
  }
}
