package io.nodus.agent.monitor;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers as {@link ApiError} JSON, one code per status. Jetty answers some
 * requests before any route runs: a request line or URI it cannot parse (an invalid percent
 * escape in the path, an encoded NUL or slash), a URI or headers over its limit (414, 431),
 * HTTP/1.1 without Host, a request while the server stops (503), an exception a route let out
 * (500). Its default page is HTML, and for methods other than GET, POST and HEAD it sends none.
 *
 * <p>Threading: stateless; Jetty calls it on whichever thread found the error.
 */
final class JsonErrorHandler extends ErrorHandler {
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
      Callback callback) {
    byte[] body = ApiError.ofStatus(code, message).toJson();
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, ApiError.JSON_TYPE);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
