package dev.tendril.agent.datapath.fabric;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import java.net.Inet4Address;
import java.net.InetAddress;

/** The fabric's few address helpers over libs/net's values: families, literals, one-address prefixes. */
final class Addresses {

    private Addresses() {}

    static boolean isIpv4(InetAddress address) {
        return address instanceof Inet4Address;
    }

    /** An address literal (never a name lookup). */
    static InetAddress literal(String text) {
        IpAddress parsed = IpAddress.parseOrNull(text);
        if (parsed == null) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        return parsed.toInetAddress();
    }

    /** The one-address prefix of {@code address} (a /32 or a /128). */
    static Cidr host(InetAddress address) {
        IpAddress ip = IpAddress.of(address);
        return Cidr.masked(ip, ip.family().bits());
    }

    static boolean contains(Cidr cidr, InetAddress address) {
        return cidr.contains(IpAddress.of(address));
    }
}
