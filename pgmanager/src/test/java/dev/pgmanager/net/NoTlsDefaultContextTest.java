package dev.pgmanager.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sidecar's default TLS context answers what the ZooKeeper client and the JDK's HTTP client ask of it, lets plain
 * HTTP through, and refuses TLS, saying why. (That the sidecar never builds the JDK's own is shown by its AOT cache,
 * which holds no class of it: {@code AotCacheTest}.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NoTlsDefaultContextTest {
    private SSLContext before;

    @BeforeEach
    void install() throws Exception {
        before = SSLContext.getDefault();
        NoTlsDefaultContext.install();
    }

    @AfterEach
    void restore() {
        SSLContext.setDefault(before);
    }

    @Test
    void itNamesTheProtocolsTheZooKeeperClientLooksFor() throws Exception {
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(SSLContext.getDefault().getSupportedSSLParameters().getProtocols()));
    }

    @Test
    void plainHttpGoesThroughAndTlsIsRefusedWithTheReason() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            Thread.ofVirtual().start(() -> answerOk(server));
            String base = "://127.0.0.1:" + server.getLocalPort() + "/";

            HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create("http" + base)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, plain.statusCode());
            assertEquals("ok", plain.body());

            Exception tls = assertThrows(Exception.class, () -> http.send(
                    HttpRequest.newBuilder(URI.create("https" + base)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
            assertTrue(causes(tls).contains("no TLS connection through the JVM's default TLS context"), causes(tls));
        }
        IOException socket = assertThrows(IOException.class, () -> SSLSocketFactory.getDefault().createSocket());
        assertTrue(causes(socket).contains("no TLS connection through the JVM's default TLS context"), causes(socket));
    }

    /** Answers each connection with one "ok" and closes it. */
    private static void answerOk(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket client = server.accept(); InputStream in = client.getInputStream(); OutputStream out = client.getOutputStream()) {
                byte[] request = new byte[4096];
                if (in.read(request) <= 0) continue;
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the server closed, or a client went away: the next accept says which
            }
        }
    }

    private static String causes(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) text.append(cause).append(" <- ");
        return text.toString();
    }
}
