package dev.tendril.identity.domain;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a node agent says about a pod: everything of an endpoint but its identity, validated. */
public record EndpointSpec(
        String namespace,
        String pod,
        String uid,
        String node,
        IpAddresses ips,
        Map<String, String> labels,
        String serviceAccount,
        List<NamedPort> namedPorts) {

    public EndpointSpec {
        labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        namedPorts = List.copyOf(namedPorts);
        serviceAccount = serviceAccount == null ? "" : serviceAccount;
        uid = uid == null ? "" : uid;
    }

    /**
     * Validates the raw request, REST or gRPC alike, so that every endpoint event can be projected; the
     * first problem is thrown naming its field as the client wrote it ({@code uid}, {@code ips[1]},
     * {@code labels.app}, {@code namedPorts[0].port}, ...).
     */
    public static EndpointSpec of(
            String namespace,
            String pod,
            String uid,
            String node,
            List<String> ips,
            Map<String, String> labels,
            String serviceAccount,
            List<NamedPort.Requested> namedPorts) {
        Names.namespace("namespace", namespace);
        Names.pod("pod", pod);
        Names.uid("uid", uid);
        Names.node("node", node);
        IpAddresses addresses = IpAddresses.parse(ips);
        Map<String, String> podLabels = K8sLabels.validate(labels, "labels");
        String account = Names.serviceAccount("serviceAccount", serviceAccount);
        List<NamedPort> ports = NamedPort.all(namedPorts, "namedPorts");
        return new EndpointSpec(namespace, pod, uid, node, addresses, podLabels, account, ports);
    }

    public String key() {
        return namespace + "/" + pod;
    }
}
