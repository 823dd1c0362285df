package dev.tendril.identity.adapters.rest;

import java.util.List;
import java.util.Map;

/** {@code PUT /v1/endpoints/{namespace}/{pod}}. */
public record EndpointRequest(
        String uid,
        String node,
        List<String> ips,
        Map<String, String> labels,
        String serviceAccount,
        List<NamedPortRequest> namedPorts) {

    public record NamedPortRequest(String name, Integer port, String protocol) {}
}
