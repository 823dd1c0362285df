package dev.tendril.ipam.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpFamily;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The IPAM configuration as one typed value with its rules in one place: pools per family (either
 * may be off), quarantine of released addresses and expiry of unconfirmed allocations.
 */
public record IpamSettings(List<PoolSpec> pools, Duration quarantine, Duration unconfirmedExpiry) {

    public static final Duration DEFAULT_QUARANTINE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_UNCONFIRMED_EXPIRY = Duration.ofMinutes(10);

    public IpamSettings {
        pools = List.copyOf(pools);
        Objects.requireNonNull(quarantine, "quarantine");
        Objects.requireNonNull(unconfirmedExpiry, "unconfirmedExpiry");
    }

    /** Cilium's cluster-pool defaults: 10.0.0.0/8 with /24 per node, fd00::/104 with /120. */
    public static IpamSettings defaults() {
        return validated(
                List.of("10.0.0.0/8"), 24, List.of("fd00::/104"), 120, DEFAULT_QUARANTINE, DEFAULT_UNCONFIRMED_EXPIRY);
    }

    /**
     * Builds and validates the settings from config values; an empty CIDR list turns a family off.
     * Every violated rule is reported in one {@link InvalidIpamConfigException}.
     */
    public static IpamSettings validated(
            List<String> ipv4Cidrs,
            int ipv4NodeMask,
            List<String> ipv6Cidrs,
            int ipv6NodeMask,
            Duration quarantine,
            Duration unconfirmedExpiry) {
        List<String> problems = new ArrayList<>();
        List<PoolSpec> pools = new ArrayList<>();
        pool(IpFamily.IPV4, ipv4Cidrs, ipv4NodeMask, problems).ifPresent(pools::add);
        pool(IpFamily.IPV6, ipv6Cidrs, ipv6NodeMask, problems).ifPresent(pools::add);
        List<Cidr> all = pools.stream().flatMap(p -> p.cidrs().stream()).toList();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                if (all.get(i).overlaps(all.get(j))) {
                    problems.add("pool CIDRs " + all.get(i) + " and " + all.get(j) + " overlap");
                }
            }
        }
        if (pools.isEmpty() && problems.isEmpty()) {
            problems.add("both address families are off: configure IPv4 or IPv6 pool CIDRs");
        }
        if (quarantine == null || quarantine.isNegative()) {
            problems.add("quarantine must be zero or positive, was " + quarantine);
        }
        if (unconfirmedExpiry == null || unconfirmedExpiry.isNegative() || unconfirmedExpiry.isZero()) {
            problems.add("unconfirmed expiry must be positive, was " + unconfirmedExpiry);
        }
        if (!problems.isEmpty()) {
            throw new InvalidIpamConfigException(problems);
        }
        return new IpamSettings(pools, quarantine, unconfirmedExpiry);
    }

    private record Reserved(Cidr cidr, String what) {
        Reserved(String cidr, String what) {
            this(Cidr.parse(cidr), what);
        }
    }

    /** Ranges no pod address may come from: "this network", loopback, multicast, reserved and broadcast. */
    private static final List<Reserved> RESERVED = List.of(
            new Reserved("0.0.0.0/8", "this network, holds the unspecified address"),
            new Reserved("127.0.0.0/8", "loopback"),
            new Reserved("224.0.0.0/4", "multicast"),
            new Reserved("240.0.0.0/4", "reserved, holds the broadcast address"),
            new Reserved("::/127", "unspecified and loopback"),
            new Reserved("ff00::/8", "multicast"));

    private static Optional<PoolSpec> pool(IpFamily family, List<String> texts, int nodeMask, List<String> problems) {
        if (texts == null || texts.isEmpty()) {
            return Optional.empty();
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (String text : texts) {
            try {
                Cidr cidr = Cidr.parse(text);
                if (cidr.family() != family) {
                    problems.add(family.label() + " pool: " + text + " is not an " + family.label() + " CIDR");
                    continue;
                }
                Optional<String> reserved = RESERVED.stream()
                        .filter(r -> r.cidr().overlaps(cidr))
                        .map(r -> r.cidr() + " (" + r.what() + ")")
                        .findFirst();
                if (reserved.isPresent()) {
                    problems.add(family.label() + " pool: " + cidr + " overlaps " + reserved.get()
                            + ", which pods cannot use");
                    continue;
                }
                cidrs.add(cidr);
            } catch (IllegalArgumentException e) {
                problems.add(family.label() + " pool: " + e.getMessage());
            }
        }
        // /31 and /32 (/127, /128) leave no pod address once network, broadcast and router are taken.
        int longestUsable = family.bits() - 2;
        if (nodeMask < 1 || nodeMask > longestUsable) {
            problems.add(family.label() + " node mask /" + nodeMask + " must be between /1 and /" + longestUsable);
        }
        for (Cidr cidr : cidrs) {
            if (nodeMask < cidr.prefixLength()) {
                problems.add(family.label() + " node mask /" + nodeMask + " is shorter than pool CIDR " + cidr);
            } else if (nodeMask - cidr.prefixLength() > PoolSpec.MAX_NODE_MASK_EXTRA_BITS) {
                problems.add(family.label() + " node mask /" + nodeMask + " is more than "
                        + PoolSpec.MAX_NODE_MASK_EXTRA_BITS + " bits longer than pool CIDR " + cidr
                        + " (longest allowed: /" + (cidr.prefixLength() + PoolSpec.MAX_NODE_MASK_EXTRA_BITS) + ")");
            }
        }
        return Optional.of(new PoolSpec(family, cidrs, nodeMask));
    }

    public Optional<PoolSpec> pool(IpFamily family) {
        return pools.stream().filter(p -> p.family() == family).findFirst();
    }
}
