package dev.tendril.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** A stack's agents over their REST API as the admin: what each holds of a ClusterMesh peer, and its ipcache. */
final class MeshAgents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Component> agents;
    private final HttpClient http;

    MeshAgents(Path dataDir) {
        this.agents = StackFile.read(dataDir).orElseThrow().components().stream()
                .filter(c -> c.kind() == Kind.AGENT)
                .toList();
        this.http = AdminTls.http(dataDir);
    }

    int count() {
        return agents.size();
    }

    List<String> names() {
        return agents.stream().map(Component::name).toList();
    }

    /** Until every agent bootstrapped the peer with at least these many endpoints and identities. */
    void awaitPeer(String peer, int endpoints, int identities, Duration guard) throws Exception {
        awaitEvery(
                peer,
                p -> p.path("bootstrapped").asBoolean()
                        && p.path("endpoints").asInt() >= endpoints
                        && p.path("identities").asInt() >= identities,
                guard,
                "bootstrapped with " + endpoints + " endpoints and " + identities + " identities");
    }

    /** Until every agent wrote the peer's records up to {@code timestampMillis} (Kafka time) to its ipcache. */
    void awaitApplied(String peer, long timestampMillis, Duration guard) throws Exception {
        awaitEvery(
                peer,
                p -> lastRecord(p.path("lastRecord")) >= timestampMillis,
                guard,
                "applied the record of " + Instant.ofEpochMilli(timestampMillis));
    }

    /** The agent's ipcache entries of the peer's cluster: CIDR to identity. */
    Map<String, Long> remoteIpcache(String agent, String cluster) throws Exception {
        Map<String, Long> out = new HashMap<>();
        for (JsonNode entry : get(component(agent), "/v1/ipcache")) {
            if (cluster.equals(entry.path("cluster").asText(null))) {
                out.put(entry.path("cidr").asText(), entry.path("identity").asLong());
            }
        }
        return out;
    }

    private void awaitEvery(String peer, Predicate<JsonNode> done, Duration guard, String what) throws Exception {
        long deadline = System.nanoTime() + guard.toNanos();
        for (Component agent : agents) {
            while (true) {
                JsonNode status = peerStatus(agent, peer);
                if (status != null && done.test(status)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            agent.name() + " has not " + what + " of " + peer + " within " + guard + ": " + status);
                }
                Thread.sleep(5);
            }
        }
    }

    private JsonNode peerStatus(Component agent, String peer) throws Exception {
        for (JsonNode p : get(agent, "/v1/clustermesh/peers")) {
            if (peer.equals(p.path("name").asText())) {
                return p;
            }
        }
        return null;
    }

    /** An Instant as Jackson writes it: ISO text, or epoch seconds with a fraction. */
    private static long lastRecord(JsonNode value) {
        if (value.isTextual()) {
            return Instant.parse(value.asText()).toEpochMilli();
        }
        if (value.isNumber()) {
            return (long) (value.asDouble() * 1000);
        }
        return 0;
    }

    private JsonNode get(Component agent, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(agent.url() + path))
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(agent.name() + " answered " + path + " with " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    private Component component(String name) {
        return agents.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }
}
