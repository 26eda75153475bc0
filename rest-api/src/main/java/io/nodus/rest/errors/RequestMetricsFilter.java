package io.nodus.rest.errors;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import java.util.List;
import org.glassfish.jersey.server.ExtendedUriInfo;
import org.glassfish.jersey.uri.UriTemplate;

/** Times every request as {@code nodus_http_requests_seconds{method,uri,status}}, uri being the route template. */
public final class RequestMetricsFilter implements ContainerRequestFilter, ContainerResponseFilter {
  private static final String START = RequestMetricsFilter.class.getName() + ".start";
  private final MeterRegistry registry;

  public RequestMetricsFilter(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void filter(ContainerRequestContext req) {
    req.setProperty(START, System.nanoTime());
  }

  @Override
  public void filter(ContainerRequestContext req, ContainerResponseContext res) {
    Object start = req.getProperty(START);
    if (!(start instanceof Long t0)) {
      return;
    }
    Timer.builder("nodus.http.requests")
        .description("REST requests by route and status")
        .tag("method", req.getMethod())
        .tag("uri", template(req))
        .tag("status", Integer.toString(res.getStatus()))
        .register(registry)
        .record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private static String template(ContainerRequestContext req) {
    if (req.getUriInfo() instanceof ExtendedUriInfo info) {
      List<UriTemplate> templates = info.getMatchedTemplates();
      if (!templates.isEmpty()) {
        StringBuilder sb = new StringBuilder();
        for (int i = templates.size() - 1; i >= 0; i--) {
          sb.append(templates.get(i).getTemplate());
        }
        return sb.toString().replace("//", "/");
      }
    }
    return "unmatched";
  }
}
