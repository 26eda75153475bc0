package io.nodus.rest.errors;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;

/**
 * The admin context serves reads only: health checks, ping and the thread dump. Dropwizard also
 * mounts tasks there (one sets any logger's level, one runs the garbage collector), metrics and a
 * CPU profiler; until the admin context has authentication nothing that changes the process or
 * costs it much is reachable over HTTP, so everything else is a JSON 404.
 */
public final class AdminAllowList implements Filter {
  private static final Set<String> READS = Set.of("/healthcheck", "/ping", "/threads");

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
    HttpServletRequest http = (HttpServletRequest) req;
    String path = http.getPathInfo() == null ? http.getServletPath() : http.getServletPath() + http.getPathInfo();
    boolean read = http.getMethod().equals("GET") || http.getMethod().equals("HEAD");
    if (READS.contains(path) && read) {
      chain.doFilter(req, res);
      return;
    }
    int status = READS.contains(path) ? 405 : 404;
    HttpServletResponse out = (HttpServletResponse) res;
    out.setStatus(status);
    out.setContentType(HttpErrors.JSON_TYPE);
    out.getOutputStream().write(HttpErrors.body(status, status == 405
        ? "the admin context answers GET only" : "the admin context serves /healthcheck, /ping and /threads only"));
  }
}
