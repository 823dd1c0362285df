package dev.tendril.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.tendril.security.Subject;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;

/**
 * The granting side's resources on the launcher's control endpoint ({@link MeshGrants}): {@code GET
 * /v1/clustermesh/cluster} (this cluster's name, id and pod CIDRs, which a connecting cluster checks before it asks),
 * {@code POST /v1/clustermesh/grants} (a grant; 201), {@code GET /v1/clustermesh/grants/NAME} (where this cluster's
 * Kafka is now: a granted cluster's MirrorMaker 2 follows it when it moves) and {@code DELETE
 * /v1/clustermesh/grants/NAME} (revoke). The first two need the admin role; the last two are the admin's or the
 * granted cluster's own (its certificate, {@code CN=mesh:NAME,O=mesh}), so that a disconnect can undo its grant
 * without an admin credential of this cluster.
 * Refusals are problem+json naming the field or the clash.
 */
final class MeshGrantEndpoint {

    static final String CLUSTER = "/v1/clustermesh/cluster";
    static final String GRANTS = "/v1/clustermesh/grants";
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

    private MeshGrantEndpoint() {}

    /** The caller's certificate subject, as the control endpoint read it (null parts when it has none). */
    record Caller(String commonName, String role) {}

    static void cluster(MeshGrants grants, HttpExchange exchange, Caller caller) throws IOException {
        if (!admin(exchange, caller)) {
            return;
        }
        if (!exchange.getRequestMethod().equals("GET")) {
            ControlServer.problem(exchange, 405, "Method not allowed", "use GET " + CLUSTER);
            return;
        }
        ControlServer.send(exchange, 200, "application/json", grants.cluster());
    }

    static void grants(MeshGrants grants, HttpExchange exchange, Caller caller) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        try {
            if (path.equals(GRANTS) || path.equals(GRANTS + "/")) {
                if (!admin(exchange, caller)) {
                    return;
                }
                if (!method.equals("POST")) {
                    ControlServer.problem(exchange, 405, "Method not allowed", "use POST " + GRANTS);
                    return;
                }
                MeshGrants.Request request;
                try {
                    request = JSON.readValue(exchange.getRequestBody(), MeshGrants.Request.class);
                } catch (IOException e) {
                    ControlServer.problem(
                            exchange,
                            400,
                            "Bad request",
                            "the body must be JSON {\"name\", \"clusterId\", \"podCidrs\", \"csr\"}: "
                                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException json
                                            ? json.getOriginalMessage()
                                            : e.getMessage()));
                    return;
                }
                ControlServer.send(exchange, 201, "application/json", grants.grant(request, Instant.now()));
                return;
            }
            String name = path.substring(GRANTS.length() + 1);
            if (name.isEmpty() || name.contains("/")) {
                ControlServer.problem(exchange, 404, "Not found", "no such resource: " + path);
                return;
            }
            boolean own = Subject.ROLE_ADMIN.equals(caller.role())
                    || (MeshCredentials.ROLE.equals(caller.role())
                            && MeshCredentials.grantee(name).commonName().equals(caller.commonName()));
            if (!own) {
                ControlServer.problem(
                        exchange,
                        403,
                        "Forbidden",
                        name + "'s grant needs the admin role or " + name + "'s own mesh certificate, "
                                + "the certificate presented is " + describe(caller));
                return;
            }
            if (method.equals("GET")) {
                ControlServer.send(exchange, 200, "application/json", grants.whereNow());
                return;
            }
            if (!method.equals("DELETE")) {
                ControlServer.problem(exchange, 405, "Method not allowed", "use GET or DELETE " + path);
                return;
            }
            grants.revoke(name);
            ControlServer.send(exchange, 200, "application/json", Map.of("name", name, "revoked", true));
        } catch (MeshRefused e) {
            ControlServer.problem(exchange, e.status(), "ClusterMesh grant refused", e.getMessage());
        } catch (RuntimeException e) {
            ControlServer.problem(exchange, 500, "ClusterMesh grant failed", e.toString());
        }
    }

    private static boolean admin(HttpExchange exchange, Caller caller) throws IOException {
        if (Subject.ROLE_ADMIN.equals(caller.role())) {
            return true;
        }
        ControlServer.problem(
                exchange,
                403,
                "Forbidden",
                "ClusterMesh grants need this cluster's admin role, the certificate presented is " + describe(caller));
        return false;
    }

    private static String describe(Caller caller) {
        return caller.commonName() == null ? "none" : "CN=" + caller.commonName() + ",O=" + caller.role();
    }
}
