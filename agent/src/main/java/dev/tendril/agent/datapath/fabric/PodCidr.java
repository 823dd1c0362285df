package dev.tendril.agent.datapath.fabric;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpFamily;
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
        Cidr parsed = Cidr.parseMasked(cidr);
        if (router == null || !Addresses.contains(parsed, router)) {
            throw new IllegalArgumentException("router " + router + " is not in the pod CIDR " + cidr);
        }
        cidr = parsed.toString();
    }

    public static PodCidr of(String cidr, String router) {
        return new PodCidr(cidr, Addresses.literal(router));
    }

    public boolean ipv4() {
        return parsed().family() == IpFamily.IPV4;
    }

    public int bits() {
        return parsed().prefixLength();
    }

    Cidr parsed() {
        return Cidr.parseMasked(cidr);
    }
}
