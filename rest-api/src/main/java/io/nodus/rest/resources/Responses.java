package io.nodus.rest.resources;

import jakarta.ws.rs.core.Response;

/** Builds answers that carry the log revision they reflect. */
final class Responses {
  /** Header naming the cluster revision an answer reflects. */
  static final String REVISION_HEADER = "X-Nodus-Revision";

  private Responses() {}

  static Response ok(Object entity, long revision) {
    return Response.ok(entity).header(REVISION_HEADER, revision).build();
  }

  static Response status(Response.Status status, Object entity, long revision) {
    return Response.status(status).entity(entity).header(REVISION_HEADER, revision).build();
  }
}
