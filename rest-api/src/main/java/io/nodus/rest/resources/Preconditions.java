package io.nodus.rest.resources;

import io.nodus.state.model.InvalidFieldException;
import jakarta.ws.rs.core.Response;
import java.util.OptionalLong;

/**
 * HTTP conditional requests on a resource's revision, as its {@code ETag} ({@code "<revision>"})
 * gives it: {@code If-Match: "<revision>"} applies a change only if the stored resource is still at
 * that revision, {@code If-None-Match: *} only if none exists. Either becomes the command's
 * expected revision (0 for "absent"), checked by the state machine in the log's order, so two
 * clients that read the same revision cannot both write over it.
 */
final class Preconditions {
  private static final String ETAG = "ETag";
  static final String IF_MATCH = "If-Match";
  static final String IF_NONE_MATCH = "If-None-Match";

  private Preconditions() {}

  /** {@code response} with the entity tag of a resource at {@code revision}. */
  static Response withEtag(Response response, long revision) {
    return Response.fromResponse(response).header(ETAG, "\"" + revision + "\"").build();
  }

  /** The expected revision the request's preconditions ask for; empty when it has none. */
  static OptionalLong expectedRevision(String ifMatch, String ifNoneMatch) {
    if (ifMatch != null && ifNoneMatch != null) {
      throw InvalidFieldException.invalid(IF_MATCH, "give If-Match or If-None-Match, not both");
    }
    if (ifNoneMatch != null) {
      if (!ifNoneMatch.strip().equals("*")) {
        throw InvalidFieldException.invalid(IF_NONE_MATCH, "only * (create if absent) is supported, got " + quoted(ifNoneMatch));
      }
      return OptionalLong.of(0);
    }
    return ifMatch == null ? OptionalLong.empty() : OptionalLong.of(revision(ifMatch));
  }

  /** The expected revision of a delete: only If-Match makes sense there. */
  static OptionalLong expectedRevisionOfDelete(String ifMatch, String ifNoneMatch) {
    if (ifNoneMatch != null) {
      throw InvalidFieldException.invalid(IF_NONE_MATCH, "a delete takes If-Match only");
    }
    return expectedRevision(ifMatch, null);
  }

  private static long revision(String ifMatch) {
    String v = ifMatch.strip();
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    if (v.isEmpty() || v.length() > 19 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw InvalidFieldException.invalid(IF_MATCH, "expected one entity tag \"<revision>\" as ETag gives it, got " + quoted(ifMatch));
    }
    long r;
    try {
      r = Long.parseLong(v);
    } catch (NumberFormatException e) {
      // Nineteen digits can still be above Long.MAX_VALUE.
      throw InvalidFieldException.invalid(IF_MATCH, "revision " + v + " is out of range (at most " + Long.MAX_VALUE + ")");
    }
    if (r <= 0) {
      throw InvalidFieldException.invalid(IF_MATCH, "a revision is positive; use If-None-Match: * to create only if absent");
    }
    return r;
  }

  private static String quoted(String s) {
    return "'" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "'";
  }
}
