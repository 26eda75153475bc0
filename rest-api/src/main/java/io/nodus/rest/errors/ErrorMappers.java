package io.nodus.rest.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.nodus.rest.api.ApiError;
import io.nodus.rest.core.RejectedException;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Rejection;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps errors to JSON {@link ApiError} answers with stable codes. */
public final class ErrorMappers {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMappers.class);

  /** The field a compare-and-set names when the stored revision is not the expected one. */
  private static final String EXPECTED_REVISION = "expectedRevision";

  private ErrorMappers() {}

  /**
   * HTTP status of a rejection: 412 when a request's precondition (If-Match, If-None-Match, the
   * command's expected revision) failed, else by code.
   */
  public static int statusOf(String code, String field) {
    return RejectionCodes.FAILED_PRECONDITION.equals(code) && EXPECTED_REVISION.equals(field) ? 412 : statusOf(code);
  }

  /** HTTP status of a rejection code. */
  public static int statusOf(String code) {
    return switch (code) {
      case RejectionCodes.INVALID_ARGUMENT -> 400;
      case RejectionCodes.NOT_FOUND -> 404;
      case RejectionCodes.ALREADY_EXISTS, RejectionCodes.FAILED_PRECONDITION, RejectionCodes.EXHAUSTED -> 409;
      default -> 400;
    };
  }

  static Response json(int status, ApiError error) {
    return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(error).build();
  }

  /** A user's invalid input, caught before it reached the log. */
  public static final class InvalidField implements ExceptionMapper<InvalidFieldException> {
    @Override
    public Response toResponse(InvalidFieldException e) {
      return json(statusOf(e.code()), new ApiError(e.code(), e.getMessage(), e.field()));
    }
  }

  /** A command the state machine refused. */
  public static final class Rejected implements ExceptionMapper<RejectedException> {
    @Override
    public Response toResponse(RejectedException e) {
      Rejection r = e.rejection();
      return Response.fromResponse(json(statusOf(r.getCode(), r.getField()), new ApiError(r.getCode(), r.getMessage(), r.getField())))
          .header("X-Nodus-Revision", r.getRevision()).build();
    }
  }

  /**
   * JAX-RS errors (unknown path, wrong method, media type, body too large) as JSON, with the code
   * of their status ({@link HttpErrors#code}); a 5xx from Jersey itself is a bug, logged as one.
   */
  public static final class WebApplication implements ExceptionMapper<WebApplicationException> {
    @Override
    public Response toResponse(WebApplicationException e) {
      int status = e.getResponse().getStatus();
      if (status >= 500) {
        LOG.error("error status={} serving request", status, e);
      }
      Response.ResponseBuilder r = Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
          .entity(new ApiError(HttpErrors.code(status), status >= 500 ? "internal error" : e.getMessage(), null));
      // 405 says which methods the resource takes.
      String allow = e.getResponse().getHeaderString("Allow");
      return allow == null ? r.build() : r.header("Allow", allow).build();
    }
  }

  /** Anything else: a bug or an unavailable control plane; logged, answered without internals. */
  public static final class Unexpected implements ExceptionMapper<Throwable> {
    @Override
    public Response toResponse(Throwable e) {
      if (e instanceof WebApplicationException w) {
        return new WebApplication().toResponse(w);
      }
      if (e instanceof JsonProcessingException j) {
        // Jackson's entity providers, should a resource ever bind a body to a type directly.
        return json(400, new ApiError(HttpErrors.code(400), "malformed JSON: " + j.getOriginalMessage(), io.nodus.rest.core.RequestBodies.BODY));
      }
      if (e instanceof ControlPlaneUnavailableException u) {
        return json(503, new ApiError(u.code(), e.getMessage(), null));
      }
      LOG.error("unexpected error serving request", e);
      return json(500, new ApiError(HttpErrors.code(500), "internal error; the controller log has the details", null));
    }
  }
}
