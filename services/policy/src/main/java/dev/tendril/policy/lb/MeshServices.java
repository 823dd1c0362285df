package dev.tendril.policy.lb;

import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.net.IpAddress;
import dev.tendril.policy.lb.LbController.Candidate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ClusterMesh peers' Services, pure (docs/clustermesh.md, "Global Services"), and what a local global
 * Service takes from them (Cilium's semantics): from every peer whose Service of the same namespace and name is
 * global and shared, its own active backends (not those it merged from other clusters: a peer offers only its
 * cluster's), each into the local Service ports of the same name and protocol (an unnamed port matches an
 * unnamed one), as Cilium matches backends to frontends by port name. A peer that goes quiet keeps its
 * Services here; {@link #removePeer} (a disconnect) drops them.
 */
public final class MeshServices {

    /** Peer name, then Service key, to the peer's Service. */
    private final Map<String, Map<String, RemoteService>> byPeer = new TreeMap<>();

    /** Records a peer's Service; whether it changed. */
    public boolean put(String peer, String key, RemoteService service) {
        return !service.equals(
                byPeer.computeIfAbsent(peer, p -> new TreeMap<>()).put(key, service));
    }

    /** Forgets a peer's Service (its tombstone); whether it was known. */
    public boolean remove(String peer, String key) {
        Map<String, RemoteService> services = byPeer.get(peer);
        return services != null && services.remove(key) != null;
    }

    /** Forgets every Service of a disconnected peer; returns their keys. */
    public Set<String> removePeer(String peer) {
        Map<String, RemoteService> services = byPeer.remove(peer);
        return services == null ? Set.of() : new TreeSet<>(services.keySet());
    }

    /** How many Services of the peer are known. */
    public int services(String peer) {
        return byPeer.getOrDefault(peer, Map.of()).size();
    }

    /** The peers with at least one Service known, by name. */
    public Set<String> peers() {
        return Collections.unmodifiableSet(byPeer.keySet());
    }

    /**
     * The remote backends of a local Service per port, peers in name order, each peer's backends in its order;
     * empty for a Service that is not global.
     */
    public Map<ServicePort, List<Candidate>> candidates(ServiceSpec spec) {
        Map<ServicePort, List<Candidate>> out = new LinkedHashMap<>();
        if (!spec.mesh().global()) {
            return out;
        }
        byPeer.forEach((peer, services) -> {
            RemoteService remote = services.get(spec.key());
            if (remote == null || !remote.global() || !remote.shared()) {
                return;
            }
            for (ServicePort port : spec.ports()) {
                for (RemoteService.Backend b : remote.backends()) {
                    if (offers(b, port)) {
                        out.computeIfAbsent(port, p -> new ArrayList<>())
                                .add(new Candidate(
                                        new BackendKey(
                                                IpAddress.parse(b.address()).toString(), b.port(), b.protocol()),
                                        b.pod(),
                                        b.node(),
                                        port.name(),
                                        false,
                                        peer,
                                        remote.clusterId()));
                    }
                }
            }
        });
        return out;
    }

    /** A peer's own active backend, of a parsable address, serving the port (same name and protocol). */
    private static boolean offers(RemoteService.Backend b, ServicePort port) {
        return b.cluster().isEmpty()
                && b.state() == LbFlags.BACKEND_ACTIVE
                && b.protocol() == port.protocolNumber()
                && b.portNames().contains(port.name())
                && IpAddress.parseOrNull(b.address()) != null;
    }
}
