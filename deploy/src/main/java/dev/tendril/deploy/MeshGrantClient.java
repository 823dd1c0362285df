package dev.tendril.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.security.ClientTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The connecting side of {@code tendril clustermesh connect --to ADDRESS}: asks the peer's launcher
 * ({@link MeshGrantEndpoint}) at {@code address} over mutual TLS with {@code tls} (the peer's admin for a grant, this
 * cluster's granted certificate for its revocation). A refusal of the peer is a {@link MeshRefused} with the peer's
 * status and detail; a peer that does not answer is 503.
 */
final class MeshGrantClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI address;
    private final HttpClient http;

    MeshGrantClient(URI address, ClientTls tls) {
        this.address = address;
        this.http = tls.configure(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)))
                .build();
    }

    /** The launcher of a peer connected by address, asked with this cluster's certificate granted there. */
    static MeshGrantClient asGranted(MeshPeers.Peer peer, MeshCredentials credentials) {
        return new MeshGrantClient(URI.create(peer.address()), credentials.grantedTls(peer.name()));
    }

    MeshGrants.Cluster cluster() {
        return JSON.convertValue(send("GET", MeshGrantEndpoint.CLUSTER, null), MeshGrants.Cluster.class);
    }

    MeshGrants.Grant grant(MeshGrants.Request request) {
        return JSON.convertValue(send("POST", MeshGrantEndpoint.GRANTS, request), MeshGrants.Grant.class);
    }

    /** Where the peer's Kafka is now, asked with the granted certificate of {@code name}. */
    MeshGrants.Grant whereNow(String name) {
        return JSON.convertValue(send("GET", MeshGrantEndpoint.GRANTS + "/" + name, null), MeshGrants.Grant.class);
    }

    void revoke(String name) {
        send("DELETE", MeshGrantEndpoint.GRANTS + "/" + name, null);
    }

    private JsonNode send(String method, String path, Object body) {
        HttpResponse<String> response;
        try {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(address.resolve(path)).timeout(TIMEOUT);
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            }
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new MeshRefused(503, "the peer's launcher at " + address + " does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshRefused(503, "interrupted while asking the peer's launcher at " + address);
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new MeshRefused(
                    502, "the peer's launcher at " + address + " answered " + response.statusCode() + " without JSON");
        }
        if (response.statusCode() / 100 != 2) {
            int status = response.statusCode() / 100 == 4 ? response.statusCode() : 502;
            throw new MeshRefused(
                    status,
                    "the peer at " + address + " refused (" + response.statusCode() + "): "
                            + answer.path("detail").asText(response.body()));
        }
        return answer;
    }
}
