package dev.tendril.agent.adapters;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The agent of node-2, as an HTTP server that records what it is asked and answers what the test set for
 * the path ({@code /v1/probe}, {@code /v1/probe/ingress}); configured as {@code tendril.agent.peers."node-2"}.
 */
public class FakePeerAgent implements QuarkusTestResourceLifecycleManager {

    /** One request the fake received. */
    public record Received(String path, String forwardedBy, String body) {}

    /** A canned answer. */
    public record Answer(int status, String contentType, String body) {}

    static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    static final Map<String, Answer> ANSWERS = new ConcurrentHashMap<>();

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            RECEIVED.add(new Received(path, exchange.getRequestHeaders().getFirst("X-Tendril-Probe-Forwarded"), body));
            Answer a = ANSWERS.getOrDefault(path, new Answer(500, "text/plain", "no answer set for " + path));
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", a.contentType());
            exchange.sendResponseHeaders(a.status(), out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
        return Map.of(
                "tendril.agent.peers.\"node-2\"",
                "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
