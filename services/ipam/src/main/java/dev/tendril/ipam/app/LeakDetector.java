package dev.tendril.ipam.app;

import dev.tendril.ipam.app.IpamQueries.AllocationRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares pod address allocations with the endpoints the identity service knows: an address is
 * leaked when no endpoint of the same pod uid on the same node has it. Allocations younger than the
 * grace period are not reported (the pod's endpoint may simply not be registered yet), and nothing
 * is reported until the endpoint view has caught up with its topic.
 */
public final class LeakDetector {

    /** The parts of an endpoint that matter here. */
    public record EndpointRef(String namespace, String pod, String uid, String node, Set<String> ips) {}

    /** One leaked address; {@code since} is when this detector first saw it leaked. */
    public record Leak(String node, String ip, String owner, String uid, Instant allocatedAt, Instant since) {}

    private final Duration grace;
    private final Map<String, Instant> firstSeen = new HashMap<>();

    public LeakDetector(Duration grace) {
        this.grace = grace;
    }

    public synchronized List<Leak> leaks(
            List<AllocationRow> allocations, Collection<EndpointRef> endpoints, Instant now) {
        Map<String, EndpointRef> byUid = new HashMap<>();
        for (EndpointRef endpoint : endpoints) {
            byUid.put(endpoint.uid(), endpoint);
        }
        List<Leak> leaks = new ArrayList<>();
        Map<String, Instant> stillLeaked = new HashMap<>();
        for (AllocationRow allocation : allocations) {
            if (allocation.allocatedAt().plus(grace).isAfter(now)) {
                continue;
            }
            EndpointRef endpoint = byUid.get(allocation.uid());
            boolean owned = endpoint != null
                    && endpoint.node().equals(allocation.node())
                    && endpoint.ips().contains(allocation.ip());
            if (!owned) {
                String key = allocation.node() + "/" + allocation.ip() + "/" + allocation.uid();
                Instant since = firstSeen.getOrDefault(key, now);
                stillLeaked.put(key, since);
                leaks.add(new Leak(
                        allocation.node(),
                        allocation.ip(),
                        allocation.owner(),
                        allocation.uid(),
                        allocation.allocatedAt(),
                        since));
            }
        }
        firstSeen.clear();
        firstSeen.putAll(stillLeaked);
        return leaks;
    }

    /** Leaks that have stayed leaked for the whole grace period: safe to release. */
    public List<Leak> releasable(List<Leak> leaks, Instant now) {
        return leaks.stream()
                .filter(leak -> !leak.since().plus(grace).isAfter(now))
                .toList();
    }
}
