package dev.tendril.agent.state;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Node;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who claims each ipcache key (CIDR identities, endpoints, nodes, and the nodes and endpoints of
 * ClusterMesh peers) and so what the key should hold, with {@link IpcacheDesired}'s precedence: this
 * node's addresses, then other nodes', then endpoints', then remote clusters' nodes and endpoints, then
 * CIDR identities'. Local entries always win over a remote cluster's (Cilium's {@code clustermesh}
 * source ranks below the local ones); such a conflict is reported in {@link Changes#conflicts()}. Kept up
 * to date record by record ({@link #update}, {@link #updatePeer}), which tells exactly which keys changed:
 * a batch of records costs what it touches, not the size of the cluster or the mesh. Two claims of the
 * same rank are decided deterministically (the lowest endpoint key, the lowest identity, the lowest
 * cluster name), so a full computation and an incremental one agree. Mutable, single-threaded.
 *
 * <p>A remote endpoint maps to its identity with its node's first address (from the peer's nodes topic) as
 * tunnel endpoint, a remote node address to reserved:remote-node; both carry the remote-cluster flag.
 *
 * <p>Longer than 400 lines: local and remote claims share one per-key record and one change bookkeeping,
 * which a split would have to expose.
 */
public final class IpcacheIndex {

    /**
     * What a batch changed in the desired ipcache; a key in both maps cannot happen.
     *
     * @param conflicts keys the batch touched that a remote cluster claims while a local node or endpoint
     *     holds them (the local entry is the one written)
     */
    public record Changes(
            Map<IpcacheKey, IpcacheValue> upserts,
            Set<IpcacheKey> deletes,
            int added,
            int updated,
            Set<IpcacheKey> conflicts) {

        public Changes(Map<IpcacheKey, IpcacheValue> upserts, Set<IpcacheKey> deletes, int added, int updated) {
            this(upserts, deletes, added, updated, Set.of());
        }

        public boolean isEmpty() {
            return upserts.isEmpty() && deletes.isEmpty();
        }
    }

    /** A remote cluster's claim of a key: its nodes rank before its endpoints, then by cluster and name. */
    private record RemoteClaim(boolean node, String cluster, String name) implements Comparable<RemoteClaim> {
        private static final Comparator<RemoteClaim> ORDER = Comparator.comparing((RemoteClaim r) -> !r.node())
                .thenComparing(RemoteClaim::cluster)
                .thenComparing(RemoteClaim::name);

        @Override
        public int compareTo(RemoteClaim o) {
            return ORDER.compare(this, o);
        }
    }

    private static final class Claims {
        Set<String> nodes;
        TreeMap<String, Long> endpoints;
        /** The one remote claim of a key that only one remote pod or node claims (the usual case), else null. */
        RemoteClaim soleRemote;

        IpcacheValue soleRemoteValue;
        /** Every remote claim once a second one arrives (then {@link #soleRemote} is null), else null. */
        TreeMap<RemoteClaim, IpcacheValue> remote;

        TreeSet<Long> cidrIdentities;

        boolean hasLocal() {
            return (nodes != null && !nodes.isEmpty()) || (endpoints != null && !endpoints.isEmpty());
        }

        boolean hasRemote() {
            return soleRemote != null || (remote != null && !remote.isEmpty());
        }

        /** The remote claim that ranks first; only when {@link #hasRemote()}. */
        RemoteClaim firstRemote() {
            return soleRemote != null ? soleRemote : remote.firstKey();
        }

        IpcacheValue firstRemoteValue() {
            return soleRemote != null ? soleRemoteValue : remote.firstEntry().getValue();
        }

        void putRemote(RemoteClaim claim, IpcacheValue value) {
            if (remote == null && (soleRemote == null || soleRemote.equals(claim))) {
                soleRemote = claim;
                soleRemoteValue = value;
                return;
            }
            if (remote == null) {
                remote = new TreeMap<>();
                remote.put(soleRemote, soleRemoteValue);
                soleRemote = null;
                soleRemoteValue = null;
            }
            remote.put(claim, value);
        }

        void removeRemote(RemoteClaim claim) {
            if (remote != null) {
                remote.remove(claim);
            } else if (claim.equals(soleRemote)) {
                soleRemote = null;
                soleRemoteValue = null;
            }
        }

        boolean isEmpty() {
            return !hasLocal() && !hasRemote() && (cidrIdentities == null || cidrIdentities.isEmpty());
        }
    }

    private final String localNode;
    private final Map<IpcacheKey, Claims> claims = new HashMap<>();

    private IpcacheIndex(String localNode) {
        this.localNode = localNode;
    }

    /** The index of every record of an image. */
    public static IpcacheIndex of(NodeImage image, String localNode) {
        return of(image, Map.of(), localNode);
    }

    /**
     * The index of every record of an image and of every peer's image.
     *
     * @param peers a remote cluster's name to the image of its replicated identities, endpoints and nodes
     */
    public static IpcacheIndex of(NodeImage image, Map<String, NodeImage> peers, String localNode) {
        if (image == null || peers == null || localNode == null) {
            throw new IllegalArgumentException("image, peers and localNode must not be null");
        }
        IpcacheIndex index = new IpcacheIndex(localNode);
        image.identities().values().forEach(i -> index.identity(i, true, null));
        image.endpoints().forEach((k, e) -> index.endpoint(k, e, true, null));
        image.nodes().values().forEach(n -> index.node(n, true, null));
        peers.forEach((cluster, peer) -> index.peer(cluster, peer, true, null));
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
        return changes(was);
    }

    /**
     * Moves the index from a peer's image {@code delta.base()} to {@code after} ({@code delta.apply()}): its
     * endpoints and nodes replayed, and the endpoints of a node whose address changed get the new tunnel
     * endpoint. A peer new to the index is a delta from {@link NodeImage#EMPTY}.
     */
    public Changes updatePeer(String cluster, NodeDelta delta, NodeImage after) {
        NodeImage before = delta.base();
        Map<IpcacheKey, Optional<IpcacheValue>> was = new LinkedHashMap<>();
        delta.nodeChanges().forEach((name, now) -> {
            remoteNode(cluster, before.nodes().get(name), false, was);
            remoteNode(cluster, now, true, was);
        });
        delta.endpointChanges().forEach((key, now) -> {
            remoteEndpoint(cluster, key, before.endpoints().get(key), after, false, was);
            remoteEndpoint(cluster, key, now, after, true, was);
        });
        for (String name : delta.nodeChanges().keySet()) {
            if (Objects.equals(
                    tunnel(before.nodes().get(name)), tunnel(after.nodes().get(name)))) {
                continue;
            }
            after.endpointsOn(name).forEach((key, endpoint) -> {
                if (!delta.endpointChanges().containsKey(key)) {
                    remoteEndpoint(cluster, key, endpoint, after, true, was);
                }
            });
        }
        return changes(was);
    }

    /** Drops every claim of a peer whose image was {@code before}: the peer was disconnected. */
    public Changes removePeer(String cluster, NodeImage before) {
        Map<IpcacheKey, Optional<IpcacheValue>> was = new LinkedHashMap<>();
        peer(cluster, before, false, was);
        return changes(was);
    }

    /**
     * The remote cluster whose claim a key holds, empty for a local entry or a key without a value: what the
     * REST view shows beside a remote entry.
     */
    public Optional<String> clusterOf(IpcacheKey key) {
        Claims c = claims.get(key);
        return c == null || c.hasLocal() || !c.hasRemote()
                ? Optional.empty()
                : Optional.of(c.firstRemote().cluster());
    }

    private Changes changes(Map<IpcacheKey, Optional<IpcacheValue>> was) {
        Set<IpcacheKey> conflicts = new HashSet<>();
        Map<IpcacheKey, IpcacheValue> upserts = new LinkedHashMap<>();
        Set<IpcacheKey> deletes = new HashSet<>();
        int added = 0;
        int updated = 0;
        for (Map.Entry<IpcacheKey, Optional<IpcacheValue>> e : was.entrySet()) {
            Claims c = claims.get(e.getKey());
            if (c != null && c.hasLocal() && c.hasRemote()) {
                conflicts.add(e.getKey());
            }
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
        return new Changes(upserts, deletes, added, updated, Set.copyOf(conflicts));
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
        if (c.hasRemote()) {
            return Optional.of(c.firstRemoteValue());
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

    private void peer(String cluster, NodeImage image, boolean add, Map<IpcacheKey, Optional<IpcacheValue>> was) {
        image.nodes().values().forEach(n -> remoteNode(cluster, n, add, was));
        image.endpoints().forEach((k, e) -> remoteEndpoint(cluster, k, e, image, add, was));
    }

    /** @param peer the peer's image the endpoint's node (its tunnel endpoint) is looked up in */
    private void remoteEndpoint(
            String cluster,
            String key,
            Endpoint endpoint,
            NodeImage peer,
            boolean add,
            Map<IpcacheKey, Optional<IpcacheValue>> was) {
        if (endpoint == null || endpoint.getIdentity() == 0) {
            return;
        }
        IpcacheValue value = add
                ? new IpcacheValue(
                        Integer.toUnsignedLong(endpoint.getIdentity()),
                        tunnel(peer.nodes().get(endpoint.getNode())),
                        0,
                        false,
                        true)
                : null;
        RemoteClaim claim = new RemoteClaim(false, cluster, key);
        for (String ip : new String[] {endpoint.getIpv4(), endpoint.getIpv6()}) {
            remoteClaim(address(ip), claim, value, was);
        }
    }

    private void remoteNode(String cluster, Node node, boolean add, Map<IpcacheKey, Optional<IpcacheValue>> was) {
        if (node == null) {
            return;
        }
        IpcacheValue value = add ? new IpcacheValue(IpcacheDesired.REMOTE_NODE, null, 0, false, true) : null;
        RemoteClaim claim = new RemoteClaim(true, cluster, node.getName());
        for (String ip : node.getIpsList()) {
            remoteClaim(address(ip), claim, value, was);
        }
    }

    /** Adds ({@code value} not null) or drops one remote claim of a key. */
    private void remoteClaim(
            IpcacheKey k, RemoteClaim claim, IpcacheValue value, Map<IpcacheKey, Optional<IpcacheValue>> was) {
        if (k == null) {
            return;
        }
        Claims c = touch(k, value != null, was);
        if (c == null) {
            return;
        }
        if (value != null) {
            c.putRemote(claim, value);
        } else {
            c.removeRemote(claim);
            dropIfEmpty(k, c);
        }
    }

    /** A node's tunnel endpoint: its first address that parses, or null. */
    private static InetAddress tunnel(Node node) {
        if (node == null) {
            return null;
        }
        for (String ip : node.getIpsList()) {
            IpcacheKey k = address(ip);
            if (k != null) {
                return k.prefix();
            }
        }
        return null;
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
