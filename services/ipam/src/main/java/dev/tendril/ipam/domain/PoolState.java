package dev.tendril.ipam.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which node holds which pod CIDR. Evolved only with committed events (by {@link PoolDecider#evolve}),
 * read by {@link PoolDecider#decide}, which never changes it.
 */
public final class PoolState {

    private final IpamSettings settings;
    // Per family, per pool CIDR: which node-mask subnets are taken.
    private final Map<IpFamily, List<BitSet>> taken = new EnumMap<>(IpFamily.class);
    private final Map<String, Map<IpFamily, Cidr>> byNode = new HashMap<>();
    private final Map<IpFamily, Long> used = new EnumMap<>(IpFamily.class);
    // Released node CIDRs stay out of circulation while their last addresses may still be in use elsewhere.
    private final Map<Cidr, Instant> quarantinedUntil = new HashMap<>();
    // Node addresses are unique across the cluster: which node registered with which.
    private final Map<IpAddress, String> addressHolders = new HashMap<>();
    private final Map<String, List<IpAddress>> addressesByNode = new HashMap<>();

    PoolState(IpamSettings settings) {
        this.settings = settings;
        for (PoolSpec pool : settings.pools()) {
            List<BitSet> sets = new ArrayList<>();
            for (int i = 0; i < pool.cidrs().size(); i++) {
                sets.add(new BitSet());
            }
            taken.put(pool.family(), sets);
            used.put(pool.family(), 0L);
        }
    }

    public Map<IpFamily, Cidr> cidrsOf(String node) {
        return Collections.unmodifiableMap(byNode.getOrDefault(node, Map.of()));
    }

    public int nodeCount() {
        return byNode.size();
    }

    /** Node CIDRs of this family in use (those cut from the configured pool). */
    public long used(IpFamily family) {
        return used.getOrDefault(family, 0L);
    }

    /** The node that registered with {@code ip}, if any. */
    public Optional<String> holderOf(IpAddress ip) {
        return Optional.ofNullable(addressHolders.get(ip));
    }

    /** The addresses {@code node} registered with (empty when none or not registered). */
    public List<IpAddress> addressesOf(String node) {
        return addressesByNode.getOrDefault(node, List.of());
    }

    /** The lowest free node CIDR of the family's pool, if any. */
    Optional<Cidr> firstFree(PoolSpec pool, Instant now) {
        List<BitSet> sets = taken.get(pool.family());
        for (int i = 0; i < pool.cidrs().size(); i++) {
            Cidr cidr = pool.cidrs().get(i);
            long count = cidr.subnetCount(pool.nodeMask());
            for (int free = sets.get(i).nextClearBit(0);
                    free < count;
                    free = sets.get(i).nextClearBit(free + 1)) {
                Cidr candidate = cidr.subnet(free, pool.nodeMask());
                Instant until = quarantinedUntil.get(candidate);
                if (until == null || !until.isAfter(now)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** Free node CIDRs of the family still in quarantine at {@code now}. */
    long quarantined(IpFamily family, Instant now) {
        return quarantinedUntil.entrySet().stream()
                .filter(e -> e.getKey().family() == family && e.getValue().isAfter(now))
                .count();
    }

    void claim(String node, List<IpAddress> ips) {
        addressesOf(node).forEach(addressHolders::remove);
        if (ips.isEmpty()) {
            addressesByNode.remove(node);
        } else {
            addressesByNode.put(node, List.copyOf(ips));
            ips.forEach(ip -> addressHolders.put(ip, node));
        }
    }

    void allocate(String node, Cidr cidr) {
        quarantinedUntil.remove(cidr);
        byNode.computeIfAbsent(node, n -> new EnumMap<>(IpFamily.class)).put(cidr.family(), cidr);
        mark(cidr, true);
    }

    void release(String node, Cidr cidr, Instant quarantineUntil) {
        Map<IpFamily, Cidr> cidrs = byNode.get(node);
        if (cidrs != null && cidr.equals(cidrs.get(cidr.family()))) {
            cidrs.remove(cidr.family());
            if (cidrs.isEmpty()) {
                byNode.remove(node);
            }
            mark(cidr, false);
            quarantinedUntil.put(cidr, quarantineUntil);
        }
    }

    private void mark(Cidr cidr, boolean allocated) {
        // A CIDR from a pool that is no longer configured stays with its node but counts nowhere.
        settings.pool(cidr.family()).ifPresent(pool -> {
            int index = pool.indexOf(cidr);
            if (index < 0) {
                return;
            }
            BitSet set = taken.get(pool.family()).get(index);
            int bit = Math.toIntExact(pool.cidrs().get(index).subnetIndex(cidr));
            if (set.get(bit) != allocated) {
                set.set(bit, allocated);
                used.merge(pool.family(), allocated ? 1L : -1L, Long::sum);
            }
        });
    }
}
