package dev.tendril.ipam.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import java.math.BigInteger;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The addresses of one node pod CIDR, by offset from its network address. Offset 0 (the network
 * address, the subnet-router anycast address in IPv6) and, in IPv4, the broadcast address are never
 * allocatable; the router address (offset 1) is reserved when the block is created. Very large IPv6
 * blocks are capped at 2^62 usable offsets, which no node can exhaust.
 */
final class AddressBlock {

    private static final long MAX_OFFSET = 1L << 62;

    private final Cidr cidr;
    private final long first;
    private final long last;
    private final long router;
    private final Map<Long, String> owners = new HashMap<>();
    // Insertion order is release order, so expired entries are purged from the head.
    private final LinkedHashMap<Long, Instant> quarantinedUntil = new LinkedHashMap<>();
    private long cursor;

    AddressBlock(Cidr cidr) {
        this.cidr = cidr;
        BigInteger size = cidr.size();
        long lastOffset = size.compareTo(BigInteger.valueOf(MAX_OFFSET)) > 0 ? MAX_OFFSET : size.longValue() - 1;
        this.first = 1;
        this.last = cidr.family() == IpFamily.IPV4 ? lastOffset - 1 : lastOffset;
        this.router = first;
        this.cursor = router + 1;
    }

    Cidr cidr() {
        return cidr;
    }

    IpAddress routerIp() {
        return cidr.addressAt(router);
    }

    /** Addresses pods can get: all but network, broadcast (v4) and router. */
    long capacity() {
        return last - first;
    }

    int allocated() {
        return owners.size();
    }

    Optional<String> ownerOf(IpAddress ip) {
        return cidr.contains(ip) ? Optional.ofNullable(owners.get(cidr.offsetOf(ip))) : Optional.empty();
    }

    boolean isQuarantined(IpAddress ip, Instant now) {
        if (!cidr.contains(ip)) {
            return false;
        }
        Instant until = quarantinedUntil.get(cidr.offsetOf(ip));
        return until != null && until.isAfter(now);
    }

    long quarantined(Instant now) {
        return quarantinedUntil.values().stream()
                .filter(until -> until.isAfter(now))
                .count();
    }

    Optional<Instant> quarantineEnds(Instant now) {
        return quarantinedUntil.values().stream()
                .filter(until -> until.isAfter(now))
                .min(Instant::compareTo);
    }

    boolean isAllocatable(IpAddress ip) {
        if (!cidr.contains(ip)) {
            return false;
        }
        long offset = cidr.offsetOf(ip);
        return offset >= first && offset <= last && offset != router;
    }

    /**
     * The next free address at or after the cursor (wrapping), skipping allocated and quarantined ones.
     * At most (occupied + 1) offsets are looked at: among that many consecutive offsets one is free.
     */
    Optional<IpAddress> nextFree(Instant now) {
        long span = last - first + 1;
        long occupied = owners.size() + quarantinedUntil.size() + 1L;
        long steps = Math.min(span, occupied + 1);
        long offset = cursor;
        for (long i = 0; i < steps; i++) {
            if (offset > last || offset < first) {
                offset = first;
            }
            if (offset != router && !owners.containsKey(offset)) {
                Instant until = quarantinedUntil.get(offset);
                if (until == null || !until.isAfter(now)) {
                    return Optional.of(cidr.addressAt(offset));
                }
            }
            offset++;
        }
        return Optional.empty();
    }

    void allocate(IpAddress ip, String uid, Instant at) {
        long offset = cidr.offsetOf(ip);
        owners.put(offset, uid);
        quarantinedUntil.remove(offset);
        cursor = offset + 1;
        purgeExpired(at);
    }

    /** @param quarantineUntil null: free again at once (a rolled-back allocation) */
    void release(IpAddress ip, Instant quarantineUntil) {
        long offset = cidr.offsetOf(ip);
        owners.remove(offset);
        quarantinedUntil.remove(offset);
        if (quarantineUntil != null) {
            quarantinedUntil.put(offset, quarantineUntil);
        }
    }

    private void purgeExpired(Instant now) {
        Iterator<Map.Entry<Long, Instant>> entries = quarantinedUntil.entrySet().iterator();
        while (entries.hasNext()) {
            if (entries.next().getValue().isAfter(now)) {
                return;
            }
            entries.remove();
        }
    }
}
