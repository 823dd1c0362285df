package dev.tendril.agent.probe;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;

/**
 * One end resolved: an endpoint (key and node set) or an address that is none: nothing of this cluster, or a
 * ClusterMesh peer's pod, which has its namespace, pod, labels and {@code cluster} (null for this cluster's ends) but
 * no key: it is no endpoint of this cluster, and its ingress is its own cluster's to decide.
 */
record Party(
        String key,
        String namespace,
        String pod,
        String ipv4,
        String ipv6,
        InetAddress given,
        long identity,
        String node,
        Map<String, String> podLabels,
        String cluster) {

    boolean isEndpoint() {
        return key != null;
    }

    Optional<InetAddress> address(boolean v4) {
        String s = v4 ? ipv4 : ipv6;
        if (s == null || s.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(s));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
