// The JDK's own HTTP server (com.sun.net.httpserver) as a callback server, for record-stacks.sh.
// sendResponseHeaders(200, 0) means "length unknown": the JDK answers with
// Transfer-Encoding: chunked and no Content-Length (see HttpExchange.sendResponseHeaders).
// Run with: java StackJdkServer.java PORT READY_FILE   (127.0.0.1 only)
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public class StackJdkServer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
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
        Files.writeString(Path.of(args[1]), "ready");
    }
}
