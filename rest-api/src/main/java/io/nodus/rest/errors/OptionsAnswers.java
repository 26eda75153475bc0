package io.nodus.rest.errors;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;

/**
 * OPTIONS answers 204 with the {@code Allow} header and no body. Jersey's own answer is a 200
 * whose text/plain body repeats the Allow list: the one success of the API that was neither JSON
 * nor empty.
 */
public final class OptionsAnswers implements ContainerResponseFilter {
  @Override
  public void filter(ContainerRequestContext req, ContainerResponseContext res) {
    if (HttpMethod.OPTIONS.equals(req.getMethod()) && res.getStatus() == 200) {
      res.setStatus(204);
      res.setEntity(null);
      res.getHeaders().remove("Content-Type");
    }
  }
}
