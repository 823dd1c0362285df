package dev.tendril.policy.domain;

import java.util.List;
import java.util.Map;

/** What the service keeps of a tendril.endpoints record: where the pod is, its identity and named ports. */
public record EndpointInfo(
        String namespace, String pod, long identity, Map<String, String> labels, List<NamedPort> namedPorts) {
    public EndpointInfo {
        labels = Map.copyOf(labels);
        namedPorts = List.copyOf(namedPorts);
    }

    public String key() {
        return namespace + "/" + pod;
    }
}
