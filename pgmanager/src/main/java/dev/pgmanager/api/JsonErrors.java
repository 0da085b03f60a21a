package dev.pgmanager.api;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the errors the HTTP server finds before a request reaches the API (a malformed request line, headers too
 * large, a body that arrives too slowly) in the API's own shape, {@code {"error": "..."}}, instead of Jetty's HTML page.
 */
final class JsonErrors implements Request.Handler {

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        int status = response.getStatus();
        Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
        String text = message == null || message.toString().isBlank() ? HttpStatus.getMessage(status) : message.toString();
        byte[] body = Json.MAPPER.writeValueAsBytes(Json.object().put("error", text));
        // The server answers these before the request's body is read and may close the connection after the answer;
        // said so, a client opens a new connection for its next request instead of failing it on this one.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
