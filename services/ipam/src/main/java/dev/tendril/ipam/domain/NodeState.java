package dev.tendril.ipam.domain;

import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.net.IpFamily;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One node as its event stream says: registration, pod CIDR blocks and which pod uid holds which
 * address. Evolved only with committed events (by {@link NodeDecider#evolve}); {@code decide} reads it.
 */
public final class NodeState {

    private final String name;
    private boolean registered;
    private List<IpAddress> ips = List.of();
    private String cluster = "";
    private final Map<IpFamily, AddressBlock> blocks = new EnumMap<>(IpFamily.class);
    private final Map<String, PodAllocation> pods = new HashMap<>();
    // Unconfirmed uids in allocation order, so expiry looks at the oldest first.
    private final LinkedHashMap<String, Instant> unconfirmed = new LinkedHashMap<>();

    NodeState(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public boolean registered() {
        return registered;
    }

    public List<IpAddress> ips() {
        return ips;
    }

    public String cluster() {
        return cluster;
    }

    public List<Cidr> podCidrs() {
        return blocks.values().stream().map(AddressBlock::cidr).toList();
    }

    public List<IpAddress> routerIps() {
        return blocks.values().stream().map(AddressBlock::routerIp).toList();
    }

    public Optional<PodAllocation> allocationOf(String uid) {
        return Optional.ofNullable(pods.get(uid));
    }

    public Collection<PodAllocation> allocations() {
        return Collections.unmodifiableCollection(pods.values());
    }

    /** The uid holding {@code ip}, if any. */
    public Optional<String> ownerOf(IpAddress ip) {
        AddressBlock block = blocks.get(ip.family());
        return block == null ? Optional.empty() : block.ownerOf(ip);
    }

    public boolean isQuarantined(IpAddress ip, Instant now) {
        AddressBlock block = blocks.get(ip.family());
        return block != null && block.isQuarantined(ip, now);
    }

    public long allocatedCount(IpFamily family) {
        AddressBlock block = blocks.get(family);
        return block == null ? 0 : block.allocated();
    }

    public long quarantinedCount(IpFamily family, Instant now) {
        AddressBlock block = blocks.get(family);
        return block == null ? 0 : block.quarantined(now);
    }

    /** Addresses pods can ever get from the family's block (all but network, broadcast, router). */
    public long capacity(IpFamily family) {
        AddressBlock block = blocks.get(family);
        return block == null ? 0 : block.capacity();
    }

    Map<IpFamily, AddressBlock> blocks() {
        return blocks;
    }

    LinkedHashMap<String, Instant> unconfirmed() {
        return unconfirmed;
    }

    void register(NodeEvent.NodeRegistered event) {
        registered = true;
        ips = event.ips();
        cluster = event.cluster();
        Map<IpFamily, Cidr> wanted = new EnumMap<>(IpFamily.class);
        event.podCidrs().forEach(cidr -> wanted.put(cidr.family(), cidr));
        blocks.keySet().removeIf(family -> !blocks.get(family).cidr().equals(wanted.get(family)));
        wanted.forEach((family, cidr) -> blocks.computeIfAbsent(family, f -> new AddressBlock(cidr)));
    }

    void allocate(NodeEvent.PodIpAllocated event) {
        blocks.get(event.ip().family()).allocate(event.ip(), event.uid(), event.at());
        PodAllocation pod = pods.get(event.uid());
        if (pod == null) {
            pods.put(
                    event.uid(), new PodAllocation(event.owner(), event.uid(), List.of(event.ip()), event.at(), false));
            unconfirmed.put(event.uid(), event.at());
        } else {
            List<IpAddress> ips = new ArrayList<>(pod.ips());
            ips.add(event.ip());
            pods.put(event.uid(), new PodAllocation(pod.owner(), pod.uid(), ips, pod.allocatedAt(), pod.confirmed()));
        }
    }

    /** @param quarantineUntil null: free again at once */
    void release(NodeEvent.PodIpReleased event, Instant quarantineUntil) {
        AddressBlock block = blocks.get(event.ip().family());
        if (block == null) {
            return;
        }
        block.release(event.ip(), quarantineUntil);
        PodAllocation pod = pods.get(event.uid());
        if (pod != null) {
            List<IpAddress> ips = new ArrayList<>(pod.ips());
            ips.remove(event.ip());
            if (ips.isEmpty()) {
                pods.remove(event.uid());
                unconfirmed.remove(event.uid());
            } else {
                pods.put(
                        event.uid(),
                        new PodAllocation(pod.owner(), pod.uid(), ips, pod.allocatedAt(), pod.confirmed()));
            }
        }
    }

    void confirm(String uid) {
        PodAllocation pod = pods.get(uid);
        if (pod != null) {
            pods.put(uid, new PodAllocation(pod.owner(), uid, pod.ips(), pod.allocatedAt(), true));
            unconfirmed.remove(uid);
        }
    }

    void deregister() {
        registered = false;
        ips = List.of();
        cluster = "";
        blocks.clear();
        pods.clear();
        unconfirmed.clear();
    }
}
