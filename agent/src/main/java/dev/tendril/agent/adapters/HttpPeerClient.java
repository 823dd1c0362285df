package dev.tendril.agent.adapters;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.probe.PeerClient;
import dev.tendril.agent.probe.ProbeException;
import dev.tendril.agent.probe.ProbeRequest;
import dev.tendril.agent.probe.ProbeResponse;
import dev.tendril.api.v1.Node;
import dev.tendril.rest.security.ComponentTls;
import dev.tendril.security.ClientTls;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The other nodes' agents over HTTP: {@code tendril.agent.peers."<node>"}, else
 * {@code http://<the node's first IP in tendril.nodes>:<this agent's HTTP port>} (every agent of a
 * cluster listens on the same port). A peer's problem answer is passed on with its status.
 */
@ApplicationScoped
public class HttpPeerClient implements PeerClient {

    /** Set on a probe an agent forwards, so that the receiver never forwards it again. */
    public static final String FORWARDED_HEADER = "X-Tendril-Probe-Forwarded";

    @Inject
    AgentConfig config;

    @Inject
    NodeStateConsumer state;

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "quarkus.http.port", defaultValue = "8090")
    int httpPort;

    @Inject
    ComponentTls componentTls;

    /** The node's certificate and the stack's authority when TLS is on, read again after a rotation. */
    private ClientTls tls() {
        return componentTls.client();
    }

    @Override
    public ProbeResponse forward(String node, ProbeRequest request) {
        return call(node, "/v1/probe", request, ProbeResponse.class, "from");
    }

    @Override
    public ProbeResponse.IngressResponse ingress(String node, ProbeResponse.IngressRequest request) {
        return call(node, "/v1/probe/ingress", request, ProbeResponse.IngressResponse.class, "to");
    }

    /** The base URL of the node's agent. */
    String baseUrl(String node) {
        String configured = config.peers().get(node);
        if (configured != null) {
            return configured.endsWith("/") ? configured.substring(0, configured.length() - 1) : configured;
        }
        Node n = state.status().image().nodes().get(node);
        if (n == null || n.getIpsCount() == 0) {
            throw new ProbeException(
                    503,
                    null,
                    "node " + node + " has no address in tendril.nodes and no "
                            + "tendril.agent.peers entry: its agent cannot be asked");
        }
        String ip = n.getIps(0);
        return tls().scheme() + "://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + httpPort;
    }

    private <T> T call(String node, String path, Object body, Class<T> type, String field) {
        String url = baseUrl(node) + path;
        HttpResponse<String> response;
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url))
                    .timeout(config.callTimeout())
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .header(FORWARDED_HEADER, config.nodeName())
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                    .build();
            // A client per call: probes are rare, and a rotated certificate is presented from the next one on.
            response = tls().configure(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1))
                    .build()
                    .send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ProbeException(503, null, "agent of node " + node + " at " + url + " unreachable: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProbeException(503, null, "interrupted while asking the agent of node " + node);
        } catch (IllegalArgumentException e) {
            throw new ProbeException(
                    503, null, "agent URL " + url + " of node " + node + " is not valid: " + e.getMessage());
        }
        try {
            if (response.statusCode() / 100 == 2) {
                return json.readValue(response.body(), type);
            }
            JsonNode problem = json.readTree(response.body());
            String detail = problem != null && problem.hasNonNull("detail")
                    ? problem.get("detail").asText()
                    : response.body();
            String peerField = problem != null && problem.hasNonNull("field")
                    ? problem.get("field").asText()
                    : field;
            throw new ProbeException(response.statusCode(), peerField, "agent of node " + node + ": " + detail);
        } catch (JsonProcessingException e) {
            throw new ProbeException(
                    502,
                    null,
                    "agent of node " + node + " answered " + response.statusCode()
                            + " with a body that does not parse: " + e.getOriginalMessage());
        }
    }
}
