package dev.tendril.policy.lb;

import java.util.List;

/**
 * An EndpointSlice ({@code discovery.k8s.io/v1}) as applied: the Service its
 * {@code kubernetes.io/service-name} label names, its address type, ports and endpoints.
 */
public record SliceSpec(
        String namespace, String name, String service, String addressType, List<Port> ports, List<Endpoint> endpoints) {

    public SliceSpec {
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
    }

    public String key() {
        return namespace + "/" + name;
    }

    /** A port of the slice; {@code name} matches the Service port's name. */
    public record Port(String name, String protocol, int port) {
        public Port {
            name = name == null ? "" : name;
        }
    }

    /** An endpoint: addresses of one family, readiness, node and the pod ({@code ns/name}, "" when none). */
    public record Endpoint(List<String> addresses, boolean ready, String nodeName, String targetRef) {
        public Endpoint {
            addresses = List.copyOf(addresses);
            nodeName = nodeName == null ? "" : nodeName;
            targetRef = targetRef == null ? "" : targetRef;
        }
    }
}
