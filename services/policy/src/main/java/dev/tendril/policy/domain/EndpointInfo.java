package dev.tendril.policy.domain;

import dev.tendril.net.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the service keeps of a tendril.endpoints record: where the pod is, its identity, named ports and
 * addresses (which Kubernetes ipBlock peers match), the node it runs on (for Service backends) and whether it is
 * terminating (deleted with a grace period: policy still applies, but it is no backend for new connections).
 */
public record EndpointInfo(
        String namespace,
        String pod,
        long identity,
        Map<String, String> labels,
        List<NamedPort> namedPorts,
        Set<IpAddress> addresses,
        String node,
        boolean terminating) {
    public EndpointInfo {
        node = node == null ? "" : node;
        labels = Map.copyOf(labels);
        namedPorts = List.copyOf(namedPorts);
        addresses = Set.copyOf(addresses);
    }

    /** A live endpoint, not terminating. */
    public EndpointInfo(
            String namespace,
            String pod,
            long identity,
            Map<String, String> labels,
            List<NamedPort> namedPorts,
            Set<IpAddress> addresses,
            String node) {
        this(namespace, pod, identity, labels, namedPorts, addresses, node, false);
    }

    /** An endpoint whose node is unknown. */
    public EndpointInfo(
            String namespace,
            String pod,
            long identity,
            Map<String, String> labels,
            List<NamedPort> namedPorts,
            Set<IpAddress> addresses) {
        this(namespace, pod, identity, labels, namedPorts, addresses, "");
    }

    /** An endpoint without addresses. */
    public EndpointInfo(
            String namespace, String pod, long identity, Map<String, String> labels, List<NamedPort> namedPorts) {
        this(namespace, pod, identity, labels, namedPorts, Set.of());
    }

    public String key() {
        return namespace + "/" + pod;
    }
}
