package dev.tendril.policy.adapters;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for the identity service's {@code POST /v1/identities}: records each request body and
 * answers 201 with a new id. The policy service's {@code tendril.policy.identity-url} points at it.
 */
public final class FakeIdentityService implements QuarkusTestResourceLifecycleManager {

    /** Bodies received, in order. */
    public static final List<String> REQUESTS = new CopyOnWriteArrayList<>();

    private static final AtomicLong NEXT = new AtomicLong(900_000);
    private static HttpServer server;

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/v1/identities", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                REQUESTS.add(body);
                byte[] answer = ("{\"id\":" + NEXT.incrementAndGet() + "}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(201, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            });
            server.start();
        }
        return Map.of(
                "tendril.policy.identity-url",
                "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        // Shared by the test classes still to come.
    }
}
