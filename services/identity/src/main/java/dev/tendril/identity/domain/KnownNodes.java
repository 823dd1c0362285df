package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.net.IpAddress;
import java.net.InetAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The nodes IPAM registered (as {@code tendril.nodes} carries them): their names and their own
 * addresses (internal IPs and router addresses). Immutable; {@link #with} and {@link #without} return
 * a new image.
 */
public record KnownNodes(Map<String, Collection<String>> addressesByNode, Map<String, String> nodeByAddress) {

    public static final KnownNodes EMPTY = new KnownNodes(Map.of(), Map.of());

    public KnownNodes {
        addressesByNode = Map.copyOf(addressesByNode);
        nodeByAddress = Map.copyOf(nodeByAddress);
    }

    /** This image with {@code node} registered with these addresses (unparsable ones are ignored). */
    public KnownNodes with(String node, Collection<String> addresses) {
        KnownNodes without = without(node);
        Map<String, Collection<String>> byNode = new HashMap<>(without.addressesByNode);
        Map<String, String> byAddress = new HashMap<>(without.nodeByAddress);
        java.util.List<String> canonical = addresses.stream()
                .map(KnownNodes::canonical)
                .flatMap(Optional::stream)
                .toList();
        byNode.put(node, canonical);
        canonical.forEach(a -> byAddress.putIfAbsent(a, node));
        return new KnownNodes(byNode, byAddress);
    }

    public KnownNodes without(String node) {
        if (!addressesByNode.containsKey(node)) {
            return this;
        }
        Map<String, Collection<String>> byNode = new HashMap<>(addressesByNode);
        byNode.remove(node);
        Map<String, String> byAddress = new HashMap<>();
        byNode.forEach((name, addresses) -> addresses.forEach(a -> byAddress.putIfAbsent(a, name)));
        return new KnownNodes(byNode, byAddress);
    }

    public boolean contains(String node) {
        return addressesByNode.containsKey(node);
    }

    public int size() {
        return addressesByNode.size();
    }

    /**
     * Refuses (409, {@code ips}) an endpoint address that is a node's own: the ipcache maps those to
     * host / remote-node, so the endpoint would never receive its traffic.
     */
    public void checkAddresses(EndpointSpec spec) {
        for (String ip : spec.ips().all()) {
            String node = nodeByAddress.get(ip);
            if (node != null) {
                throw CommandRejectedException.conflict(
                        "ips", "IP " + ip + " is an address of node " + node + " itself, not a pod address");
            }
        }
    }

    /** The spelling {@link IpAddresses} keeps, or empty for text that is not an address literal. */
    private static Optional<String> canonical(String literal) {
        try {
            return Optional.of(IpAddress.of(InetAddress.ofLiteral(literal)).toString());
        } catch (IllegalArgumentException | NullPointerException e) {
            return Optional.empty();
        }
    }
}
