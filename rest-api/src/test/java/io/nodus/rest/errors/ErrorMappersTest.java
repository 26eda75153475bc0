package io.nodus.rest.errors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParseException;
import io.nodus.rest.api.ApiError;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The mappers' answers for what no resource refuses itself: stable codes, no internals. */
class ErrorMappersTest {
  @Test
  void answersABugWithoutItsInternals() {
    Response r = new ErrorMappers.Unexpected().toResponse(new IllegalStateException("secret detail at Foo.java:12"));
    assertThat(r.getStatus()).isEqualTo(500);
    ApiError e = (ApiError) r.getEntity();
    assertThat(e.code()).isEqualTo("internal");
    assertThat(e.message()).doesNotContain("secret").doesNotContain("IllegalStateException");
  }

  @Test
  void answersMalformedJsonFromAnEntityProviderAsABadRequest() {
    Response r = new ErrorMappers.Unexpected().toResponse(new JsonParseException(null, "Unexpected character"));
    assertThat(r.getStatus()).isEqualTo(400);
    assertThat(((ApiError) r.getEntity()).code()).isEqualTo("bad_request");
    assertThat(((ApiError) r.getEntity()).field()).isEqualTo("body");
  }

  @Test
  void keepsTheAllowHeaderOfAWrongMethod() {
    Response r = new ErrorMappers.WebApplication().toResponse(new NotAllowedException("not allowed", "GET", new String[] {"POST"}));
    assertThat(r.getStatus()).isEqualTo(405);
    assertThat(((ApiError) r.getEntity()).code()).isEqualTo("method_not_allowed");
    assertThat(r.getHeaderString("Allow")).contains("GET").contains("POST");
  }

  @Test
  void givesOneCodePerStatusAndHidesServerErrorMessages() {
    assertThat(HttpErrors.code(414)).isEqualTo("uri_too_long");
    assertThat(HttpErrors.code(431)).isEqualTo("headers_too_large");
    assertThat(HttpErrors.code(599)).isEqualTo("http_599");
    String body = new String(HttpErrors.body(500, "java.lang.NullPointerException at x"), StandardCharsets.UTF_8);
    assertThat(body).contains("\"code\":\"internal\"").doesNotContain("NullPointer");
    assertThat(new String(HttpErrors.body(400, null), StandardCharsets.UTF_8)).contains("\"message\":\"bad_request\"");
  }
}
