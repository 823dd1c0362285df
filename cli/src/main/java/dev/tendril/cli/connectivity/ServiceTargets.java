package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Probe targets named through a Service, resolved to what the agent's probe API takes (an address and a port)
 * when probed, so a test can name a Service it creates in the same run:
 *
 * <ul>
 *   <li>{@code svc:NS/NAME}: the Service's first ClusterIP, at the probe's port (the Service's port);
 *   <li>{@code nodeport:NODE:NS/NAME}: the node's first address (ipam's {@code GET /v1/nodes}) at the Service's
 *       first NodePort.
 * </ul>
 * Anything else ({@code ns/pod}, an address) is the target as it is.
 */
final class ServiceTargets {

    static final String SERVICE = "svc:";
    static final String NODE_PORT = "nodeport:";

    /** What a probe is sent to. */
    record Target(String to, int port) {}

    private final Supplier<ServiceClient> policy;
    private final Supplier<ServiceClient> ipam;

    ServiceTargets(Supplier<ServiceClient> policy, Supplier<ServiceClient> ipam) {
        this.policy = policy;
        this.ipam = ipam;
    }

    static String service(String namespace, String name) {
        return SERVICE + namespace + "/" + name;
    }

    static String nodePort(String node, String namespace, String name) {
        return NODE_PORT + node + ":" + namespace + "/" + name;
    }

    static boolean named(String to) {
        return to.startsWith(SERVICE) || to.startsWith(NODE_PORT);
    }

    /** {@code to} at {@code port}, resolved when it names a Service; a {@link ServiceException} saying why not. */
    Target resolve(String to, int port) {
        if (to.startsWith(SERVICE)) {
            JsonNode service = lookUp(to.substring(SERVICE.length()));
            JsonNode clusterIPs = service.path("clusterIPs");
            if (clusterIPs.isEmpty()) {
                throw new ServiceException("Service " + to.substring(SERVICE.length()) + " has no ClusterIP");
            }
            return new Target(clusterIPs.get(0).asText(), port);
        }
        if (to.startsWith(NODE_PORT)) {
            String rest = to.substring(NODE_PORT.length());
            int colon = rest.indexOf(':');
            String node = rest.substring(0, colon);
            String ref = rest.substring(colon + 1);
            int nodePort = 0;
            for (JsonNode servicePort : lookUp(ref).path("ports")) {
                nodePort = servicePort.path("nodePort").asInt(0);
                if (nodePort > 0) {
                    break;
                }
            }
            if (nodePort == 0) {
                throw new ServiceException("Service " + ref + " has no NodePort");
            }
            return new Target(nodeAddress(node), nodePort);
        }
        return new Target(to, port);
    }

    private JsonNode lookUp(String ref) {
        int slash = ref.indexOf('/');
        if (slash <= 0 || slash == ref.length() - 1) {
            throw new ServiceException("a Service is named NAMESPACE/NAME, not '" + ref + "'");
        }
        return policy.get()
                .get(
                        "/v1/services/" + ServiceClient.segment(ref.substring(0, slash)) + "/"
                                + ServiceClient.segment(ref.substring(slash + 1)),
                        Map.of());
    }

    private String nodeAddress(String node) {
        for (JsonNode registered : ipam.get().get("/v1/nodes", Map.of())) {
            if (node.equals(registered.path("name").asText())
                    && !registered.path("ips").isEmpty()) {
                return registered.path("ips").get(0).asText();
            }
        }
        throw new ServiceException("ipam knows no address of node '" + node + "'");
    }
}
