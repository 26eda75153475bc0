package io.nodus.rest.errors;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Response;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Refuses request bodies above a limit with 413, both when the length is declared and when a
 * chunked body grows past it while being read.
 */
@PreMatching
public final class BodyLimitFilter implements ContainerRequestFilter {
  private final long maxBytes;

  public BodyLimitFilter(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public void filter(ContainerRequestContext ctx) {
    if (ctx.getLength() > maxBytes) {
      throw tooLarge();
    }
    ctx.setEntityStream(new Limited(ctx.getEntityStream()));
  }

  private WebApplicationException tooLarge() {
    return new WebApplicationException("request body larger than " + maxBytes + " bytes", Response.Status.REQUEST_ENTITY_TOO_LARGE);
  }

  private final class Limited extends FilterInputStream {
    private long read;

    Limited(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) {
      read += n;
      if (read > maxBytes) {
        throw tooLarge();
      }
    }
  }
}
