package dev.tendril.agent.state;

import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.maps.BpfMapException;
import dev.tendril.datapath.maps.MapSpec;
import dev.tendril.datapath.maps.UpdateFlag;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Writes a node's maps as {@link NodeMapsReconciler} describes them, and remembers what each map holds
 * since its last write: the ipcache as an {@link IpcacheIndex} of the image it reflects, the LB maps as an
 * {@link LbIndex} of its Services, every local endpoint's policy map and {@code cilium_lxc} as their entries. Two
 * ways of writing:
 *
 * <ul>
 *   <li>{@link #reconcile} (the bootstrap, the periodic pass, the endpoint API): reads every map back, diffs
 *       it against the desired content and corrects it, then remembers that content;</li>
 *   <li>{@link #publish} (a batch of records): writes and deletes only what the batch changed, diffed in
 *       memory against what it remembers; it reads no map back, so a batch costs bpf(2) calls in proportion
 *       to the entries it changes, not to the size of the maps.</li>
 * </ul>
 *
 * A map whose write failed is forgotten, and the next batch diffs it against the kernel again (the
 * ipcache, whose diff reads 150,000 entries at scale, is left to the next full pass instead). The counts
 * of {@link #entries()} come from what it remembers, never from iterating a map. Not thread-safe: the
 * agent's calls hold one lock.
 *
 * <p>Longer than 400 lines: the one place that remembers what every map holds; the ClusterMesh peers share
 * the ipcache's index and its full pass with the local topics.
 */
public final class NodeMapsWriter {

    /** The metric tag of the LB maps together. */
    public static final String LB_MAPS = "cilium_lb";

    /** The LB maps' order for writes: backends before the reverse-NAT entries and service slots that name them. */
    private static final List<MapSpec> LB_ADD_ORDER = List.of(
            LbMaps.BACKENDS_V4,
            LbMaps.BACKENDS_V6,
            LbMaps.REVERSE_NAT_V4,
            LbMaps.REVERSE_NAT_V6,
            LbMaps.SERVICES_V4,
            LbMaps.SERVICES_V6);

    /** Entries of the node's maps as last written, for gauges. */
    public record Entries(int ipcache, int endpoints, int policy, int policyMaps) {}

    /** A policy map's content, and the published map it was written from (null: left as it was found). */
    private record Held(SubjectPolicyMap from, Map<ByteBuffer, byte[]> entries) {}

    private final MapBackend backend;
    private final String localNode;
    private IpcacheIndex ipcache;
    private NodeImage ipcacheImage;
    // ClusterMesh peers' images as last published, by cluster name: the remote part of the ipcache.
    private final Map<String, NodeImage> peers = new TreeMap<>();
    // Peers listed but not published yet; null until the peer list was read once. While any is awaited, a
    // full pass keeps the ipcache's remote-cluster entries nobody claims (they are an awaited peer's).
    private Set<String> awaitedPeers;
    private int ipcacheEntries;
    // Drift checks begun and not finished: each is told the keys batches write meanwhile.
    private final List<IpcacheDriftCheck> checks = new ArrayList<>();
    private final Map<String, Held> policy = new HashMap<>();
    // Entries of every policy map in policy together; -1 when policy changed since they were counted.
    private int policyEntries = -1;
    // The local endpoints the last publish was given (every policy map of another endpoint gone by then), the
    // policies image it wrote their maps from, and whether each of their maps was written: a batch given the same
    // list and the same policies has no policy map to look at. Null after any other write of the policy maps.
    private List<LocalEndpoint> publishedLocals;
    private Map<Long, SubjectPolicyMap> publishedPolicies;
    private boolean publishedAll;
    private Map<ByteBuffer, byte[]> lxc;
    // The local endpoints lxc was written for: cilium_lxc is a function of them alone.
    private List<LocalEndpoint> lxcLocals = List.of();
    // What the LB maps hold, Service by Service, as last written for the Services lbServices; null: unknown
    // (never written, or a write failed), read back before the next write.
    private LbIndex lb;
    private Map<String, ServiceMaps> lbServices;
    private int lbEntries;
    private Set<IpcacheKey> lastConflicts = Set.of();

    public NodeMapsWriter(MapBackend backend, String localNode) {
        this.backend = backend;
        this.localNode = localNode;
    }

    /** A whole image: the ipcache's index built for it, then every map diffed against the kernel. */
    public NodeMapsReconciler.Outcome snapshot(NodeImage image, List<LocalEndpoint> locals) {
        ipcache = IpcacheIndex.of(image, peers, localNode);
        ipcacheImage = image;
        return reconcile(image, locals, true);
    }

    /**
     * Every map (or only the local ones) read back and corrected to the desired content of {@code image}.
     *
     * @param withIpcache false to leave the ipcache alone (an endpoint change through the API, which only
     *     touches local maps; the ipcache follows when the topic shows the endpoint)
     */
    public NodeMapsReconciler.Outcome reconcile(NodeImage image, List<LocalEndpoint> locals, boolean withIpcache) {
        Pass pass = new Pass();
        if (withIpcache) {
            checks.forEach(IpcacheDriftCheck::moot);
            checks.clear();
            pass.run(NodeMapsReconciler.IPCACHE_MAP, NodeMapsReconciler.IPCACHE_MAP, () -> {
                Map<IpcacheKey, IpcacheValue> desired = image == ipcacheImage
                        ? ipcache.desired()
                        : IpcacheIndex.of(image, peers, localNode).desired();
                BpfMap map = backend.openOrCreate(NodeMapsReconciler.ipcacheSpec());
                Map<ByteBuffer, byte[]> wanted = IpcacheReconciler.encode(desired);
                ipcacheEntries = desired.size();
                if (awaitedPeers != null && awaitedPeers.isEmpty()) {
                    return MapReconciler.reconcile(map, wanted);
                }
                // Fail-static across a restart: a peer not published yet keeps the entries it left in the map.
                Map<ByteBuffer, byte[]> held = MapReconciler.read(map);
                held.forEach((k, v) -> {
                    if (!wanted.containsKey(k) && IpcacheValue.decode(v).remoteCluster()) {
                        wanted.put(k, v);
                    }
                });
                return MapReconciler.write(map, held, wanted);
            });
        }
        return reconcileLocal(pass, image, locals);
    }

    /**
     * The first step of a drift check of the ipcache whose diff runs off the maps' lock: the desired entries of
     * {@code image}, and a journal of the keys written from now on. Null when the writer holds no index of
     * {@code image} (then a whole {@link #reconcile} is the check).
     */
    public IpcacheDriftCheck beginIpcacheCheck(NodeImage image) {
        if (ipcache == null || image != ipcacheImage) {
            return null;
        }
        IpcacheDriftCheck check = new IpcacheDriftCheck(
                backend.openOrCreate(NodeMapsReconciler.ipcacheSpec()),
                ipcache.desired(),
                !(awaitedPeers != null && awaitedPeers.isEmpty()));
        checks.add(check);
        return check;
    }

    /**
     * The periodic pass with the ipcache checked by {@code check} (begun, then diffed off the lock): its
     * differences applied except where a batch wrote meanwhile (or nothing, after a full pass meanwhile), then
     * every local map read back and corrected as {@link #reconcile} does.
     */
    public NodeMapsReconciler.Outcome reconcile(NodeImage image, List<LocalEndpoint> locals, IpcacheDriftCheck check) {
        Pass pass = new Pass();
        checks.remove(check);
        pass.run(NodeMapsReconciler.IPCACHE_MAP, NodeMapsReconciler.IPCACHE_MAP, check::apply);
        return reconcileLocal(pass, image, locals);
    }

    private NodeMapsReconciler.Outcome reconcileLocal(Pass pass, NodeImage image, List<LocalEndpoint> locals) {
        publishedLocals = null;
        Set<String> wanted = new HashSet<>();
        for (LocalEndpoint ep : locals) {
            wanted.add(ep.policyMapName());
            writePolicy(pass, ep, image.policies().get(ep.identity()), true);
        }
        pass.changes.putIfAbsent(NodeMapsReconciler.POLICY_MAPS, MapReconciler.Result.NONE);
        pass.run(EndpointsMap.NAME, EndpointsMap.NAME, () -> {
            Map<ByteBuffer, byte[]> desired = NodeMapsReconciler.endpointsEntries(locals);
            lxc = null;
            MapReconciler.Result r = MapReconciler.reconcile(backend.openOrCreate(EndpointsMap.spec()), desired);
            lxc = desired;
            lxcLocals = List.copyOf(locals);
            return r;
        });
        writeLb(pass, image);
        Set<String> stale = new HashSet<>();
        for (String name : backend.names()) {
            if (name.startsWith(NodeMapsReconciler.POLICY_MAP_PREFIX) && !wanted.contains(name)) {
                stale.add(name);
            }
        }
        if (policy.keySet().retainAll(wanted)) {
            policyEntries = -1;
        }
        removePolicyMaps(pass, stale);
        return pass.outcome();
    }

    /**
     * One batch: {@code image} is {@code delta.apply()}, {@code locals} the local endpoints of it. The
     * ipcache gets the keys whose claims changed; a local endpoint's policy map is written when the endpoint
     * is new or its identity's published map is another one, only with the entries that differ from what the
     * map holds; {@code cilium_lxc} gets the addresses that changed; maps of endpoints gone are removed.
     */
    public NodeMapsReconciler.Outcome publish(NodeDelta delta, NodeImage image, List<LocalEndpoint> locals) {
        Pass pass = new Pass();
        if (ipcache == null || ipcacheImage != delta.base()) {
            // No index for the image this batch applies to (no whole image was published first): build one.
            return snapshot(image, locals);
        }
        IpcacheIndex.Changes changes = ipcache.update(delta.base(), delta);
        ipcacheImage = image;
        ipcacheEntries = ipcache.size();
        lastConflicts = changes.conflicts();
        pass.run(NodeMapsReconciler.IPCACHE_MAP, NodeMapsReconciler.IPCACHE_MAP, () -> applyIpcache(changes));

        // The same local endpoints as the last batch (the table's very list: it had no change) and the same
        // policies: every policy map holds what it should, and no map of an endpoint gone is left.
        boolean sameLocals = locals == publishedLocals;
        if (!sameLocals || !publishedAll || image.policies() != publishedPolicies) {
            boolean all = true;
            for (LocalEndpoint ep : locals) {
                String name = ep.policyMapName();
                SubjectPolicyMap published = image.policies().get(ep.identity());
                Held held = policy.get(name);
                if (held != null && (published == null || published == held.from() || published.equals(held.from()))) {
                    continue;
                }
                writePolicy(pass, ep, published, false);
                all &= policy.containsKey(name);
            }
            publishedAll = all;
        }
        pass.changes.putIfAbsent(NodeMapsReconciler.POLICY_MAPS, MapReconciler.Result.NONE);
        pass.run(EndpointsMap.NAME, EndpointsMap.NAME, () -> {
            if (lxc != null && locals.equals(lxcLocals)) {
                return MapReconciler.Result.NONE;
            }
            Map<ByteBuffer, byte[]> desired = NodeMapsReconciler.endpointsEntries(locals);
            Map<ByteBuffer, byte[]> held = lxc;
            lxc = null;
            BpfMap map = backend.openOrCreate(EndpointsMap.spec());
            MapReconciler.Result r =
                    held == null ? MapReconciler.reconcile(map, desired) : MapReconciler.write(map, held, desired);
            lxc = desired;
            lxcLocals = List.copyOf(locals);
            return r;
        });
        if (lb == null || lbServices != delta.base().services()) {
            writeLb(pass, image);
        } else if (!delta.serviceChanges().isEmpty()) {
            writeLbChanges(pass, delta, image);
        }
        if (!sameLocals) {
            Set<String> wanted = new HashSet<>();
            locals.forEach(ep -> wanted.add(ep.policyMapName()));
            Set<String> gone = new HashSet<>(policy.keySet());
            gone.removeAll(wanted);
            gone.forEach(policy::remove);
            policyEntries = gone.isEmpty() ? policyEntries : -1;
            removePolicyMaps(pass, gone);
        }
        publishedLocals = locals;
        publishedPolicies = image.policies();
        return pass.outcome();
    }

    /**
     * A ClusterMesh peer's next image ({@code after} is {@code delta.apply()}, {@code delta.base()} the image
     * published for the peer last, or {@link NodeImage#EMPTY} for a new one): only the ipcache entries it
     * changes are written. Before the local bootstrap nothing is written: the bootstrap's snapshot includes
     * every peer's last image.
     */
    public NodeMapsReconciler.Outcome publishPeer(String cluster, NodeDelta delta, NodeImage after) {
        peers.put(cluster, after);
        if (awaitedPeers != null) {
            awaitedPeers.remove(cluster);
        }
        if (ipcache == null) {
            return new Pass().outcome();
        }
        return writeIpcache(ipcache.updatePeer(cluster, delta, after));
    }

    /** A disconnected peer: its every ipcache entry removed (or, overlaid, given back to the next claim). */
    public NodeMapsReconciler.Outcome removePeer(String cluster) {
        if (awaitedPeers != null) {
            awaitedPeers.remove(cluster);
        }
        NodeImage before = peers.remove(cluster);
        if (before == null || ipcache == null) {
            return new Pass().outcome();
        }
        return writeIpcache(ipcache.removePeer(cluster, before));
    }

    /**
     * The peer list was read: these peers are listed and not published yet. Until each is published (or
     * removed), full passes keep the ipcache's remote-cluster entries that no published image claims, so an
     * agent restarted over pinned maps keeps a peer's entries until that peer's bootstrap (fail-static).
     */
    public void awaitPeers(Set<String> listed) {
        awaitedPeers = new HashSet<>(listed);
        awaitedPeers.removeAll(peers.keySet());
    }

    /** The ClusterMesh peers' images as last published, by cluster name. */
    public Map<String, NodeImage> peers() {
        return Collections.unmodifiableMap(peers);
    }

    /** The remote cluster an ipcache key's entry comes from, empty for a local one or before the bootstrap. */
    public Optional<String> clusterOf(IpcacheKey key) {
        return ipcache == null ? Optional.empty() : ipcache.clusterOf(key);
    }

    private NodeMapsReconciler.Outcome writeIpcache(IpcacheIndex.Changes changes) {
        Pass pass = new Pass();
        ipcacheEntries = ipcache.size();
        lastConflicts = changes.conflicts();
        pass.run(NodeMapsReconciler.IPCACHE_MAP, NodeMapsReconciler.IPCACHE_MAP, () -> applyIpcache(changes));
        return pass.outcome();
    }

    private MapReconciler.Result applyIpcache(IpcacheIndex.Changes changes) {
        if (changes.isEmpty()) {
            return MapReconciler.Result.NONE;
        }
        for (IpcacheDriftCheck check : checks) {
            check.wrote(changes.upserts().keySet());
            check.wrote(changes.deletes());
        }
        return IpcacheReconciler.apply(backend.openOrCreate(NodeMapsReconciler.ipcacheSpec()), changes);
    }

    /**
     * The keys the batches since the last call touched that a remote cluster claims while a local node or
     * endpoint holds them (the local entry won); each reported once.
     */
    public Set<IpcacheKey> takeConflicts() {
        Set<IpcacheKey> out = lastConflicts;
        lastConflicts = Set.of();
        return out;
    }

    /**
     * One endpoint's policy map: created empty when missing (it drops everything until its policy is
     * published), else its content taken from memory, or read back when this writer does not know it (or
     * {@code readBack}); then the published entries written over it. Without a published map an existing
     * map is left as it is.
     */
    private void writePolicy(Pass pass, LocalEndpoint ep, SubjectPolicyMap published, boolean readBack) {
        String name = ep.policyMapName();
        Held held = policy.remove(name);
        policyEntries = -1;
        try {
            Optional<BpfMap> existing = backend.open(name);
            BpfMap map = existing.orElseGet(() -> backend.openOrCreate(NodeMapsReconciler.policySpec(ep.endpointId())));
            Map<ByteBuffer, byte[]> content;
            if (existing.isEmpty()) {
                pass.created.add(name);
                content = Map.of();
            } else {
                content = held == null || readBack ? MapReconciler.read(map) : held.entries();
            }
            if (published == null) {
                policy.put(name, new Held(null, content));
                return;
            }
            Map<ByteBuffer, byte[]> desired = NodeMapsReconciler.policyEntries(published, pass.problems);
            pass.add(NodeMapsReconciler.POLICY_MAPS, MapReconciler.write(map, content, desired));
            policy.put(name, new Held(published, desired));
        } catch (RuntimeException e) {
            pass.fail(name + " (" + ep.key() + "): ", e, NodeMapsReconciler.POLICY_MAPS);
        }
    }

    /**
     * The LB maps to the image's Services from scratch ({@link LbDesired}), every map read back and diffed. New and
     * changed entries go first, backends before the service slots that name them; then the entries gone, service
     * slots before their backends: the datapath never finds a slot whose backend is missing. Then the Services are
     * indexed for the batches to come.
     */
    private void writeLb(Pass pass, NodeImage image) {
        Map<String, Map<ByteBuffer, byte[]>> desired = LbDesired.of(image, localNode, pass.problems);
        lb = null;
        Map<String, Map<ByteBuffer, byte[]>> merged = new HashMap<>();
        Set<String> skipped = new HashSet<>();
        boolean written = true;
        for (MapSpec spec : LB_ADD_ORDER) {
            written &= pass.run(spec.name(), LB_MAPS, () -> {
                if (desired.get(spec.name()).isEmpty()
                        && backend.open(spec.name()).isEmpty()) {
                    // No Service of this family: no map (the kernel programs create theirs when loaded).
                    skipped.add(spec.name());
                    return MapReconciler.Result.NONE;
                }
                BpfMap map = backend.openOrCreate(spec);
                Map<ByteBuffer, byte[]> held = MapReconciler.read(map);
                Map<ByteBuffer, byte[]> both = new HashMap<>(held);
                both.putAll(desired.get(spec.name()));
                MapReconciler.Result r = MapReconciler.write(map, held, both);
                merged.put(spec.name(), both);
                return r;
            });
        }
        for (MapSpec spec : LB_ADD_ORDER.reversed()) {
            Map<ByteBuffer, byte[]> both = merged.get(spec.name());
            if (both != null) {
                written &= pass.run(
                        spec.name(),
                        LB_MAPS,
                        () -> MapReconciler.write(backend.openOrCreate(spec), both, desired.get(spec.name())));
            } else if (!skipped.contains(spec.name())) {
                written = false;
            }
        }
        if (written) {
            lb = LbIndex.of(image, localNode, new ArrayList<>());
            lbServices = image.services();
        }
        lbEntries = desired.values().stream().mapToInt(Map::size).sum();
    }

    /**
     * The LB maps moved by the batch's Services only ({@link LbIndex}): their entries added, changed and removed,
     * nothing read back, in the order {@link #writeLb} keeps.
     */
    private void writeLbChanges(Pass pass, NodeDelta delta, NodeImage image) {
        Map<String, ServiceMaps> changed = new HashMap<>();
        delta.serviceChanges()
                .keySet()
                .forEach(key -> changed.put(key, image.services().get(key)));
        Map<String, LbIndex.MapChanges> changes = lb.update(changed, pass.problems);
        lbServices = image.services();
        lbEntries = lb.size();
        boolean written = true;
        for (MapSpec spec : LB_ADD_ORDER) {
            LbIndex.MapChanges c = changes.get(spec.name());
            if (c != null && !c.writes().isEmpty()) {
                written &= pass.run(spec.name(), LB_MAPS, () -> {
                    List<BpfMap.Entry> writes = new ArrayList<>(c.writes().size());
                    c.writes().forEach((k, v) -> writes.add(new BpfMap.Entry(bytes(k), v)));
                    backend.openOrCreate(spec).updateAll(writes, UpdateFlag.ANY);
                    return new MapReconciler.Result(c.added(), c.writes().size() - c.added(), 0);
                });
            }
        }
        for (MapSpec spec : LB_ADD_ORDER.reversed()) {
            LbIndex.MapChanges c = changes.get(spec.name());
            if (c != null && !c.deletes().isEmpty()) {
                written &= pass.run(spec.name(), LB_MAPS, () -> {
                    List<byte[]> deletes = new ArrayList<>(c.deletes().size());
                    c.deletes().forEach(k -> deletes.add(bytes(k)));
                    return new MapReconciler.Result(
                            0, 0, backend.openOrCreate(spec).deleteAll(deletes));
                });
            }
        }
        if (!written) {
            lb = null;
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Entries of the LB maps as last written (services, backends and reverse NAT of both families). */
    public int lbEntries() {
        return lbEntries;
    }

    private void removePolicyMaps(Pass pass, Set<String> names) {
        for (String name : names) {
            try {
                if (backend.delete(name)) {
                    pass.deleted.add(name);
                }
            } catch (RuntimeException e) {
                pass.problems.add(name + ": " + e.getMessage());
            }
        }
    }

    /** What the maps hold as last written: no map is read for it. */
    public Entries entries() {
        if (policyEntries < 0) {
            int entries = 0;
            for (Held h : policy.values()) {
                entries += h.entries().size();
            }
            policyEntries = entries;
        }
        return new Entries(ipcacheEntries, lxc == null ? 0 : lxc.size(), policyEntries, policy.size());
    }

    /** The outcome of one pass, collected step by step: a failed step is reported and the others still run. */
    private static final class Pass {
        final Map<String, MapReconciler.Result> changes = new HashMap<>();
        final List<String> created = new ArrayList<>();
        final List<String> deleted = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        final List<String> full = new ArrayList<>();

        /** Runs one step: false when it failed (and was reported). */
        boolean run(String map, String kind, Supplier<MapReconciler.Result> step) {
            try {
                add(kind, step.get());
                return true;
            } catch (RuntimeException e) {
                fail(map + ": ", e, kind);
                return false;
            }
        }

        void add(String kind, MapReconciler.Result r) {
            changes.merge(
                    kind,
                    r,
                    (a, b) -> new MapReconciler.Result(
                            a.added() + b.added(), a.updated() + b.updated(), a.removed() + b.removed()));
        }

        void fail(String what, RuntimeException e, String kind) {
            problems.add(what + e.getMessage());
            if (e instanceof BpfMapException b && b.isMapFull()) {
                full.add(kind);
            }
        }

        NodeMapsReconciler.Outcome outcome() {
            return new NodeMapsReconciler.Outcome(changes, created, deleted, problems, full);
        }
    }
}
