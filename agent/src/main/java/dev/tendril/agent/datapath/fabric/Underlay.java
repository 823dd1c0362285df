package dev.tendril.agent.datapath.fabric;

import dev.tendril.net.Cidr;
import java.net.InetAddress;
import java.util.List;

/**
 * The stack's switch network: node N has 172.31.254.N/24 and fdfe:254::N/64 on its uplink. Every stack
 * has its own switch namespace, so stacks reuse these addresses without meeting; they only must not
 * overlap the pod CIDRs (IPAM's defaults are 10.0.0.0/8 and fd00::/104).
 */
final class Underlay {
    static final int MAX_INDEX = 254;
    private static final Cidr IPV4 = Cidr.parse("172.31.254.0/24");
    private static final Cidr IPV6 = Cidr.parse("fdfe:254::/64");

    private Underlay() {}

    static Cidr network(boolean ipv4) {
        return ipv4 ? IPV4 : IPV6;
    }

    /** Node {@code index}'s addresses, IPv4 first. */
    static List<InetAddress> addresses(int index) {
        return List.of(address(IPV4, index), address(IPV6, index));
    }

    /** Node {@code index}'s link-local address on its uplink, {@code fe80::N}. */
    static String linkLocal(int index) {
        return "fe80::" + Integer.toHexString(index);
    }

    /** The node index of an underlay address, or 0 when it is none. */
    static int indexOf(InetAddress address) {
        Cidr net = network(Addresses.isIpv4(address));
        if (!Addresses.contains(net, address)) {
            return 0;
        }
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length - 1; i++) {
            if (b[i] != net.network().bytes()[i]) {
                return 0;
            }
        }
        int index = b[b.length - 1] & 0xff;
        return index <= MAX_INDEX ? index : 0;
    }

    private static InetAddress address(Cidr net, int index) {
        byte[] b = net.network().bytes();
        b[b.length - 1] = (byte) index;
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
