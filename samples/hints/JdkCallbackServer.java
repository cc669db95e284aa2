// jdk-httpserver-chunked (record-hints.sh): the JDK's own HTTP server
// (com.sun.net.httpserver), run as a single-file program: `java JdkCallbackServer.java PORT READY_FILE`.
// The handler reads the callback and answers {"Status":"OK"} after sendResponseHeaders(200, 0),
// which the JDK documents as "chunked encoding is used and an arbitrary amount of data may be
// sent": the answer has no Content-Length. Runs until killed.
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public class JdkCallbackServer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"Status\":\"OK\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        Files.writeString(Path.of(args[1]), "ready\n");
    }
}
