package dev.tendril.agent.endpoint;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a CNI ADD carries: the pod and its labels. Validated on construction.
 *
 * @param namedPorts the pod's container ports that have names
 */
public record EndpointSpec(String namespace, String pod, String uid, Map<String, String> labels,
                           String serviceAccount, List<NamedPort> namedPorts) {

    /** A named container port. */
    public record NamedPort(String name, int port, String protocol) {
    }

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,127}");

    public EndpointSpec {
        require("namespace", namespace);
        if (!DNS_LABEL.matcher(namespace).matches()) {
            throw EndpointRejectedException.invalid("namespace", "'" + namespace + "' is not a DNS label");
        }
        require("pod", pod);
        if (!DNS_SUBDOMAIN.matcher(pod).matches()) {
            throw EndpointRejectedException.invalid("pod", "'" + pod + "' is not a DNS subdomain");
        }
        require("uid", uid);
        if (!UID.matcher(uid).matches()) {
            throw EndpointRejectedException.invalid("uid", "'" + uid + "' is not a pod uid (letters, digits, -_., at most 128)");
        }
        labels = labels == null ? Map.of() : new TreeMap<>(labels);
        for (Map.Entry<String, String> l : labels.entrySet()) {
            if (l.getKey() == null || l.getKey().isBlank()) {
                throw EndpointRejectedException.invalid("labels", "a label key is empty");
            }
            if (l.getValue() == null) {
                throw EndpointRejectedException.invalid("labels", "label " + l.getKey() + " has no value");
            }
        }
        labels = Map.copyOf(labels);
        serviceAccount = serviceAccount == null || serviceAccount.isBlank() ? "default" : serviceAccount;
        namedPorts = namedPorts == null ? List.of() : List.copyOf(namedPorts);
        for (NamedPort p : namedPorts) {
            if (p == null || p.name() == null || p.name().isBlank()) {
                throw EndpointRejectedException.invalid("namedPorts", "a named port needs a name");
            }
            if (p.port() < 1 || p.port() > 65535) {
                throw EndpointRejectedException.invalid("namedPorts", "port " + p.name() + " must be 1..65535, got " + p.port());
            }
            String proto = p.protocol() == null || p.protocol().isBlank() ? "TCP" : p.protocol();
            if (!List.of("TCP", "UDP", "SCTP").contains(proto)) {
                throw EndpointRejectedException.invalid("namedPorts", "protocol of " + p.name() + " must be TCP, UDP or SCTP");
            }
        }
        namedPorts = namedPorts.stream()
                .map(p -> new NamedPort(p.name(), p.port(), p.protocol() == null || p.protocol().isBlank() ? "TCP" : p.protocol()))
                .toList();
    }

    public String key() {
        return namespace + "/" + pod;
    }

    /** What identity registration depends on; a repeated request with the same digest changes nothing. */
    public String digest() {
        return labels + "|" + serviceAccount + "|" + namedPorts;
    }

    private static void require(String field, String value) {
        if (value == null || value.isBlank()) {
            throw EndpointRejectedException.invalid(field, "is required");
        }
    }
}
