package dev.tendril.agent.datapath.fabric;

import java.net.InetAddress;
import java.util.List;

/**
 * A pod to wire: its node, its addresses (at most one per family, each inside the node's pod CIDR of that
 * family, as IPAM hands them out).
 */
public record PodSpec(PodRef pod, List<InetAddress> addresses) {

    public PodSpec {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()
                || addresses.stream().filter(Addresses::isIpv4).count() > 1
                || addresses.stream().filter(a -> !Addresses.isIpv4(a)).count() > 1) {
            throw new IllegalArgumentException(
                    "pod " + pod + ": one or two addresses, at most one per family; got " + addresses);
        }
    }

    public static PodSpec of(String node, String namespace, String name, InetAddress... addresses) {
        return new PodSpec(new PodRef(node, namespace, name), List.of(addresses));
    }
}
