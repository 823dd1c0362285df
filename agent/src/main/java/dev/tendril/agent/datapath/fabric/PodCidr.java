package dev.tendril.agent.datapath.fabric;

import java.net.InetAddress;

/**
 * One pod CIDR of a node and its router address, as IPAM's node record has them ({@code pod_cidrs},
 * {@code router_ips}): the router address sits on the node's {@code cilium_host} and is the pods' gateway.
 *
 * @param cidr   {@code 10.0.1.0/24} or {@code fd00::100/120}
 * @param router an address inside {@code cidr}
 */
public record PodCidr(String cidr, InetAddress router) {

    public PodCidr {
        Cidr parsed = Cidr.parse(cidr);
        if (router == null || !parsed.contains(router)) {
            throw new IllegalArgumentException("router " + router + " is not in the pod CIDR " + cidr);
        }
        cidr = parsed.toString();
    }

    public static PodCidr of(String cidr, String router) {
        return new PodCidr(cidr, Cidr.literal(router));
    }

    public boolean ipv4() {
        return parsed().ipv4();
    }

    public int bits() {
        return parsed().bits();
    }

    Cidr parsed() {
        return Cidr.parse(cidr);
    }
}
