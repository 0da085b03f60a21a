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
        // The server answers these before the request's body is read, and closes the connection after the answer when
        // one was sent: said so, a client opens a new connection for its next request instead of failing it.
        if (request.getHeaders().contains(HttpHeader.CONTENT_LENGTH) || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
