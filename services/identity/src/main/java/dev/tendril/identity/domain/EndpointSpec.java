package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a node agent says about a pod: everything of an endpoint but its identity, validated. */
public record EndpointSpec(String namespace, String pod, String uid, String node, IpAddresses ips,
        Map<String, String> labels, String serviceAccount, List<NamedPort> namedPorts) {

    public EndpointSpec {
        labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        namedPorts = List.copyOf(namedPorts);
        serviceAccount = serviceAccount == null ? "" : serviceAccount;
        uid = uid == null ? "" : uid;
    }

    /** Validates the raw request; the first problem is thrown naming its field. */
    public static EndpointSpec of(String namespace, String pod, String uid, String node, List<String> ips,
            Map<String, String> labels, String serviceAccount, List<NamedPort> namedPorts) {
        if (!LabelSyntax.isDnsLabel(namespace)) {
            throw CommandRejectedException.invalid("namespace", "namespace '" + namespace + "' is not a DNS label");
        }
        if (pod == null || pod.isEmpty()) {
            throw CommandRejectedException.invalid("pod", "pod name must not be empty");
        }
        if (!LabelSyntax.isDnsSubdomain(pod)) {
            throw CommandRejectedException.invalid("pod", "pod name '" + pod + "' must be a DNS subdomain");
        }
        if (uid != null && uid.length() > 128) {
            throw CommandRejectedException.invalid("uid", "uid is longer than 128 characters");
        }
        if (!LabelSyntax.isDnsSubdomain(node)) {
            throw CommandRejectedException.invalid("node", "node name '" + node + "' must be a non-empty DNS subdomain");
        }
        IpAddresses addresses = IpAddresses.parse(ips);
        Map<String, String> podLabels = labels == null ? Map.of() : labels;
        K8sLabels.validate(podLabels, "labels");
        if (serviceAccount != null && !serviceAccount.isEmpty() && !LabelSyntax.isDnsSubdomain(serviceAccount)) {
            throw CommandRejectedException.invalid("serviceAccount", "service account '" + serviceAccount
                    + "' must be a DNS subdomain");
        }
        List<NamedPort> ports = namedPorts == null ? List.of() : namedPorts;
        if (ports.stream().map(NamedPort::name).distinct().count() != ports.size()) {
            throw CommandRejectedException.invalid("namedPorts", "port names must be unique");
        }
        return new EndpointSpec(namespace, pod, uid, node, addresses, podLabels, serviceAccount, ports);
    }

    public String key() {
        return namespace + "/" + pod;
    }
}
