package dev.tendril.ipam.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpFamily;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;

/**
 * One family's cluster pool: the CIDRs node pod CIDRs are cut from and the node mask they are cut at.
 * Construct through {@link IpamSettings#validated}, which checks the rules across pools.
 */
public record PoolSpec(IpFamily family, List<Cidr> cidrs, int nodeMask) {

    /** A node mask may be at most this many bits longer than its pool CIDR (as in Cilium). */
    public static final int MAX_NODE_MASK_EXTRA_BITS = 16;

    public PoolSpec {
        Objects.requireNonNull(family, "family");
        cidrs = List.copyOf(cidrs);
    }

    public String name() {
        return family.label();
    }

    /** How many node CIDRs the pool holds in total. */
    public long nodeCidrCapacity() {
        long total = 0;
        for (Cidr cidr : cidrs) {
            total += cidr.subnetCount(nodeMask);
        }
        return total;
    }

    /** Addresses per node CIDR. */
    public BigInteger nodeCidrSize() {
        return BigInteger.ONE.shiftLeft(family.bits() - nodeMask);
    }

    /** Which pool CIDR a node CIDR was cut from, or -1 if none (config changed since). */
    public int indexOf(Cidr nodeCidr) {
        for (int i = 0; i < cidrs.size(); i++) {
            if (cidrs.get(i).contains(nodeCidr) && nodeCidr.prefixLength() == nodeMask) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return name() + " " + cidrs + " node mask /" + nodeMask;
    }
}
