package dev.tendril.agent.state;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Node;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who claims each ipcache key (CIDR identities, endpoints, nodes) and so what the key should hold, with
 * {@link IpcacheDesired}'s precedence: this node's addresses, then other nodes', then endpoints', then
 * CIDR identities'. Kept up to date record by record ({@link #update}), which tells exactly which keys
 * changed: a batch of records costs what it touches, not the size of the cluster. Two claims of the
 * same rank are decided deterministically (the lowest endpoint key, the lowest identity), so a full
 * computation and an incremental one agree. Mutable, single-threaded.
 */
public final class IpcacheIndex {

    /** What a batch changed in the desired ipcache; a key in both maps cannot happen. */
    public record Changes(Map<IpcacheKey, IpcacheValue> upserts, Set<IpcacheKey> deletes, int added, int updated) {
        public boolean isEmpty() {
            return upserts.isEmpty() && deletes.isEmpty();
        }
    }

    private static final class Claims {
        Set<String> nodes;
        TreeMap<String, Long> endpoints;
        TreeSet<Long> cidrIdentities;

        boolean isEmpty() {
            return (nodes == null || nodes.isEmpty())
                    && (endpoints == null || endpoints.isEmpty())
                    && (cidrIdentities == null || cidrIdentities.isEmpty());
        }
    }

    private final String localNode;
    private final Map<IpcacheKey, Claims> claims = new HashMap<>();

    private IpcacheIndex(String localNode) {
        this.localNode = localNode;
    }

    /** The index of every record of an image. */
    public static IpcacheIndex of(NodeImage image, String localNode) {
        if (image == null || localNode == null) {
            throw new IllegalArgumentException("image and localNode must not be null");
        }
        IpcacheIndex index = new IpcacheIndex(localNode);
        image.identities().values().forEach(i -> index.identity(i, true, null));
        image.endpoints().forEach((k, e) -> index.endpoint(k, e, true, null));
        image.nodes().values().forEach(n -> index.node(n, true, null));
        return index;
    }

    /**
     * Moves the index from {@code delta}'s base image to the image {@code delta.apply()} returns.
     *
     * @param before the image the delta was built on (what this index reflects now)
     */
    public Changes update(NodeImage before, NodeDelta delta) {
        Map<IpcacheKey, Optional<IpcacheValue>> was = new LinkedHashMap<>();
        delta.identityChanges().forEach((id, now) -> {
            identity(before.identities().get(id), false, was);
            identity(now, true, was);
        });
        delta.endpointChanges().forEach((key, now) -> {
            endpoint(key, before.endpoints().get(key), false, was);
            endpoint(key, now, true, was);
        });
        delta.nodeChanges().forEach((name, now) -> {
            node(before.nodes().get(name), false, was);
            node(now, true, was);
        });
        Map<IpcacheKey, IpcacheValue> upserts = new LinkedHashMap<>();
        Set<IpcacheKey> deletes = new HashSet<>();
        int added = 0;
        int updated = 0;
        for (Map.Entry<IpcacheKey, Optional<IpcacheValue>> e : was.entrySet()) {
            Optional<IpcacheValue> now = desired(e.getKey());
            if (now.equals(e.getValue())) {
                continue;
            }
            if (now.isEmpty()) {
                deletes.add(e.getKey());
            } else {
                upserts.put(e.getKey(), now.get());
                if (e.getValue().isEmpty()) {
                    added++;
                } else {
                    updated++;
                }
            }
        }
        return new Changes(upserts, deletes, added, updated);
    }

    /** Keys with a value: the entries of the ipcache this index describes. */
    public int size() {
        return claims.size();
    }

    /** Every key's value. */
    public Map<IpcacheKey, IpcacheValue> desired() {
        Map<IpcacheKey, IpcacheValue> out = new HashMap<>(claims.size() * 2);
        claims.forEach((k, c) -> value(c).ifPresent(v -> out.put(k, v)));
        return out;
    }

    public Optional<IpcacheValue> desired(IpcacheKey key) {
        Claims c = claims.get(key);
        return c == null ? Optional.empty() : value(c);
    }

    private Optional<IpcacheValue> value(Claims c) {
        if (c.nodes != null && !c.nodes.isEmpty()) {
            return Optional.of(
                    IpcacheValue.of(c.nodes.contains(localNode) ? IpcacheDesired.HOST : IpcacheDesired.REMOTE_NODE));
        }
        if (c.endpoints != null && !c.endpoints.isEmpty()) {
            return Optional.of(IpcacheValue.of(c.endpoints.firstEntry().getValue()));
        }
        if (c.cidrIdentities != null && !c.cidrIdentities.isEmpty()) {
            return Optional.of(IpcacheValue.of(c.cidrIdentities.first()));
        }
        return Optional.empty();
    }

    private void identity(Identity identity, boolean add, Map<IpcacheKey, Optional<IpcacheValue>> was) {
        if (identity == null) {
            return;
        }
        IpcacheKey prefix = IpcacheDesired.cidrPrefix(identity);
        if (prefix == null) {
            return;
        }
        long id = Integer.toUnsignedLong(identity.getId());
        Claims c = touch(prefix, add, was);
        if (c == null) {
            return;
        }
        if (add) {
            if (c.cidrIdentities == null) {
                c.cidrIdentities = new TreeSet<>();
            }
            c.cidrIdentities.add(id);
        } else if (c.cidrIdentities != null) {
            c.cidrIdentities.remove(id);
            dropIfEmpty(prefix, c);
        }
    }

    private void endpoint(String key, Endpoint endpoint, boolean add, Map<IpcacheKey, Optional<IpcacheValue>> was) {
        if (endpoint == null || endpoint.getIdentity() == 0) {
            return;
        }
        long id = Integer.toUnsignedLong(endpoint.getIdentity());
        for (String ip : new String[] {endpoint.getIpv4(), endpoint.getIpv6()}) {
            IpcacheKey k = address(ip);
            if (k == null) {
                continue;
            }
            Claims c = touch(k, add, was);
            if (c == null) {
                continue;
            }
            if (add) {
                if (c.endpoints == null) {
                    c.endpoints = new TreeMap<>();
                }
                c.endpoints.put(key, id);
            } else if (c.endpoints != null) {
                c.endpoints.remove(key);
                dropIfEmpty(k, c);
            }
        }
    }

    private void node(Node node, boolean add, Map<IpcacheKey, Optional<IpcacheValue>> was) {
        if (node == null) {
            return;
        }
        for (String ip : node.getIpsList()) {
            IpcacheKey k = address(ip);
            if (k == null) {
                continue;
            }
            Claims c = touch(k, add, was);
            if (c == null) {
                continue;
            }
            if (add) {
                if (c.nodes == null) {
                    c.nodes = new HashSet<>(2);
                }
                c.nodes.add(node.getName());
            } else if (c.nodes != null) {
                c.nodes.remove(node.getName());
                dropIfEmpty(k, c);
            }
        }
    }

    /** The key's claims, created when adding; records the key's value before its first change. */
    private Claims touch(IpcacheKey key, boolean add, Map<IpcacheKey, Optional<IpcacheValue>> was) {
        Claims c = claims.get(key);
        if (was != null && !was.containsKey(key)) {
            was.put(key, c == null ? Optional.empty() : value(c));
        }
        if (c == null && add) {
            c = new Claims();
            claims.put(key, c);
        }
        return c;
    }

    private void dropIfEmpty(IpcacheKey key, Claims c) {
        if (c.isEmpty()) {
            claims.remove(key);
        }
    }

    private static IpcacheKey address(String ip) {
        if (ip == null || ip.isBlank()) {
            return null;
        }
        try {
            return IpcacheKey.ofAddress(ip);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
