package dev.tendril.policy.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import java.util.List;

/**
 * A prefix minus exceptions: Kubernetes' {@code ipBlock} and Cilium's {@code fromCIDRSet}/{@code toCIDR}.
 *
 * @param except each strictly inside {@code cidr}
 */
public record CidrSet(Cidr cidr, List<Cidr> except) {
    public CidrSet {
        except = List.copyOf(except);
        for (Cidr e : except) {
            if (!cidr.contains(e) || e.prefixLength() == cidr.prefixLength()) {
                throw new IllegalArgumentException("except " + e + " must lie strictly inside " + cidr);
            }
        }
    }

    /**
     * Whether the set selects {@code identity}: a CIDR identity whose prefix lies inside {@code cidr} and
     * inside no exception; and the world identity when {@code cidr} is a default route, because an
     * address with no CIDR identity of its own resolves to world and every exception is narrower.
     */
    public boolean selects(Identity identity) {
        var prefix = identity.cidr();
        if (prefix.isPresent()) {
            return cidr.contains(prefix.get()) && except.stream().noneMatch(e -> e.contains(prefix.get()));
        }
        if (cidr.prefixLength() != 0) {
            return false;
        }
        return identity.hasReserved("world")
                        && !identity.hasReserved("world-ipv4")
                        && !identity.hasReserved("world-ipv6")
                || identity.hasReserved(cidr.family() == IpFamily.IPV4 ? "world-ipv4" : "world-ipv6");
    }

    /** Whether {@code address} lies in {@code cidr} and in no exception. */
    public boolean contains(IpAddress address) {
        return cidr.contains(address) && except.stream().noneMatch(e -> e.contains(address));
    }

    @Override
    public String toString() {
        return except.isEmpty() ? cidr.toString() : cidr + " except " + except;
    }
}
