package dev.tendril.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.tendril.cli.config.ConfigFile;
import dev.tendril.security.ClientTls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The launcher's ClusterMesh resource, behind the control endpoint's admin check: {@code GET /v1/clustermesh/peers}
 * (each peer's replication status), {@code POST /v1/clustermesh/peers} with {@code {"to": "DIR"}} or
 * {@code {"to": "https://HOST:PORT", "peerConfig": "FILE"}} (connect; 201) and
 * {@code DELETE /v1/clustermesh/peers/NAME} (disconnect). Refusals are problem+json naming what clashes.
 */
final class MeshEndpoint {

    static final String PREFIX = "/v1/clustermesh/peers";
    private static final ObjectMapper JSON = new ObjectMapper();

    private MeshEndpoint() {}

    static void handle(ClusterMesh mesh, HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        try {
            if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
                switch (method) {
                    case "GET" -> ControlServer.send(exchange, 200, "application/json", MeshStatus.of(mesh));
                    case "POST" -> connect(mesh, exchange);
                    default -> ControlServer.problem(exchange, 405, "Method not allowed", "use GET or POST " + PREFIX);
                }
                return;
            }
            String name = path.substring(PREFIX.length() + 1);
            if (name.isEmpty() || name.contains("/")) {
                ControlServer.problem(exchange, 404, "Not found", "no such resource: " + path);
                return;
            }
            if (!method.equals("DELETE")) {
                ControlServer.problem(exchange, 405, "Method not allowed", "use DELETE " + path);
                return;
            }
            List<String> deleted = mesh.disconnect(name);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("deletedTopics", deleted);
            ControlServer.send(exchange, 200, "application/json", body);
        } catch (MeshRefused e) {
            ControlServer.problem(exchange, e.status(), "ClusterMesh request refused", e.getMessage());
        } catch (RuntimeException e) {
            ControlServer.problem(exchange, 500, "ClusterMesh request failed", e.toString());
        }
    }

    private static void connect(ClusterMesh mesh, HttpExchange exchange) throws IOException {
        JsonNode body;
        try {
            body = JSON.readTree(exchange.getRequestBody());
        } catch (IOException e) {
            ControlServer.problem(exchange, 400, "Bad request", "the body must be JSON {\"to\": \"DIR\"}");
            return;
        }
        JsonNode to = body == null ? null : body.get("to");
        if (to == null || !to.isTextual() || to.asText().isBlank()) {
            ControlServer.problem(
                    exchange, 400, "Bad request", "to: the peer's data directory is required, e.g. {\"to\": \"DIR\"}");
            return;
        }
        if (!to.asText().startsWith("https://")) {
            ControlServer.send(exchange, 201, "application/json", mesh.connect(Path.of(to.asText())));
            return;
        }
        URI address;
        try {
            address = URI.create(to.asText());
        } catch (IllegalArgumentException e) {
            address = null;
        }
        if (address == null
                || address.getHost() == null
                || address.getPort() < 1
                || !(address.getPath() == null
                        || address.getPath().isEmpty()
                        || address.getPath().equals("/"))) {
            ControlServer.problem(
                    exchange,
                    400,
                    "Bad request",
                    "to: a peer's address must be https://HOST:PORT (its launcher's control endpoint), was '"
                            + to.asText() + "'");
            return;
        }
        JsonNode peerConfig = body.get("peerConfig");
        if (peerConfig == null || !peerConfig.isTextual() || peerConfig.asText().isBlank()) {
            ControlServer.problem(
                    exchange,
                    400,
                    "Bad request",
                    "peerConfig: connecting to an address needs the peer's CLI config file (its admin's certificate "
                            + "and its authority), e.g. {\"to\": \"https://HOST:PORT\", \"peerConfig\": \"FILE\"}");
            return;
        }
        ClientTls admin;
        boolean withCertificate;
        try {
            admin = ConfigFile.read(Path.of(peerConfig.asText())).tls();
            withCertificate = admin.enabled() && admin.certificate() != null;
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            ControlServer.problem(exchange, 400, "Bad request", "peerConfig: " + e.getMessage());
            return;
        }
        if (!withCertificate) {
            ControlServer.problem(
                    exchange,
                    400,
                    "Bad request",
                    "peerConfig: " + peerConfig.asText() + " holds no client certificate for the peer");
            return;
        }
        ControlServer.send(exchange, 201, "application/json", mesh.connect(address, admin));
    }
}
