package io.nodus.rest.errors;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error pages as Nodus JSON errors. Jetty answers some requests before any servlet sees
 * them (a URI it cannot decode or finds ambiguous, a URI or headers over its limits, a request on
 * a path no context serves) and would otherwise send an HTML page, or nothing at all for methods
 * other than GET, POST and HEAD. Installed on the server for what never reaches a context; the
 * servlet contexts take {@link Context}.
 */
public final class JsonErrorHandler extends ErrorHandler {
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
    writeJson(response, code, message, callback);
  }

  static void writeJson(Response response, int code, String message, Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, HttpErrors.JSON_TYPE);
    response.write(true, ByteBuffer.wrap(HttpErrors.body(code, message)), callback);
  }

  /** The same for errors raised inside a servlet context ({@code sendError}, ambiguous paths, no servlet). */
  public static final class Context extends org.eclipse.jetty.ee10.servlet.ErrorHandler {
    @Override
    public boolean errorPageForMethod(String method) {
      return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback)
        throws IOException {
      writeJson(response, code, message, callback);
    }
  }
}
