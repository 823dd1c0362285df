package dev.tendril.agent.adapters;

import dev.tendril.agent.endpoint.EndpointRejectedException;
import dev.tendril.agent.state.EndpointsMap;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.v1.LbFrontend;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import dev.tendril.datapath.lb.LbBackendKey;
import dev.tendril.datapath.lb.LbBackendValue;
import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.datapath.lb.LbMaps;
import dev.tendril.datapath.lb.LbServiceKey;
import dev.tendril.datapath.lb.LbServiceValue;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Dumps of the node's maps decoded from their bytes, as {@code cilium bpf ... list} prints them:
 * {@code ipcache}, {@code endpoints} (cilium_lxc), {@code policy/<endpoint id>} or
 * {@code policy/<namespace>/<pod>}, {@code lb} (the services, backends of both families, as
 * {@code cilium bpf lb list}); {@code GET /v1/maps} lists the maps with their sizes.
 */
@Path("/v1/maps")
@Produces(MediaType.APPLICATION_JSON)
public class MapsResource {

    public record MapInfo(String name, String type, int entries, int maxEntries) {}

    /** A dump: the map's kernel name and its decoded rows. */
    public record Dump(String map, int entries, List<?> rows) {}

    /**
     * One ipcache entry; {@code tunnelEndpoint} is null when there is none, {@code cluster} the ClusterMesh peer
     * the entry comes from (null for a local one).
     */
    public record IpcacheRow(String prefix, long identity, String tunnelEndpoint, String cluster) {}

    public record EndpointRow(String ip, int endpointId, long identity) {}

    /**
     * @param identity remote identity, 0 = any
     * @param protocol name (TCP, UDP, ...) or ANY; port 0 with prefix below 24 bits is a range or any
     */
    public record PolicyRow(
            String direction,
            long identity,
            String protocol,
            int port,
            int portPrefixBits,
            boolean deny,
            int proxyPort) {}

    /**
     * One frontend of {@code GET /v1/maps/lb}, read back from the services and backends maps.
     *
     * @param frontend {@code 10.96.0.10:80/TCP}; a NodePort surrogate is {@code 0.0.0.0:30080/TCP}
     * @param service {@code namespace/name} from the image by reverse-NAT index, "" when no Service names it
     * @param type the Service type the master's flags say
     * @param flags Cilium's flag names ({@code cilium bpf lb list})
     */
    public record LbRow(
            String frontend,
            String service,
            String type,
            int revNat,
            List<String> flags,
            List<LbBackendRow> backends) {}

    /**
     * One slot.
     *
     * @param address the backend, {@code 10.0.1.5:8080/TCP}; "" when the backends map has no entry for the id
     * @param state active, terminating, quarantined, maintenance; "missing" without a backend entry
     * @param clusterId the backend entry's cluster id: 0 for this cluster's backend, a ClusterMesh peer's id
     * @param cluster the peer's name for a peer's backend (from the Services that list it), "" for this cluster's
     */
    public record LbBackendRow(int slot, long id, String address, String state, int clusterId, String cluster) {}

    @Inject
    DatapathMaps maps;

    @GET
    public List<MapInfo> list() {
        return maps.backend().names().stream()
                .map(n -> maps.backend().open(n))
                .flatMap(java.util.Optional::stream)
                .map(m -> new MapInfo(m.spec().name(), m.spec().type().name().toLowerCase(), m.size(), m.maxEntries()))
                .toList();
    }

    @GET
    @Path("/ipcache")
    public Dump ipcache() {
        BpfMap m = maps.ipcache();
        List<IpcacheRow> rows = m.entries().stream()
                .map(e -> {
                    IpcacheKey k = IpcacheKey.decode(e.key());
                    IpcacheValue v = IpcacheValue.decode(e.value());
                    return new IpcacheRow(
                            k.toString(),
                            v.identity(),
                            v.tunnelEndpoint() == null ? null : IpcacheKey.format(v.tunnelEndpoint()),
                            v.remoteCluster() ? maps.clusterOf(k).orElse(null) : null);
                })
                .sorted(Comparator.comparing(IpcacheRow::prefix))
                .toList();
        return new Dump(NodeMapsReconciler.IPCACHE_MAP, rows.size(), rows);
    }

    @GET
    @Path("/endpoints")
    public Dump endpoints() {
        List<EndpointRow> rows = maps.backend().open(EndpointsMap.NAME).map(BpfMap::entries).orElse(List.of()).stream()
                .map(e -> {
                    EndpointsMap.Key k = EndpointsMap.Key.decode(e.key());
                    EndpointsMap.Value v = EndpointsMap.Value.decode(e.value());
                    return new EndpointRow(k.ip(), v.endpointId(), v.identity());
                })
                .sorted(Comparator.comparingInt(EndpointRow::endpointId).thenComparing(EndpointRow::ip))
                .toList();
        return new Dump(EndpointsMap.NAME, rows.size(), rows);
    }

    @GET
    @Path("/policy/{endpointId}")
    public Dump policy(@PathParam("endpointId") String endpointId) {
        int id;
        try {
            id = Integer.parseInt(endpointId);
        } catch (NumberFormatException e) {
            throw EndpointRejectedException.invalid(
                    "endpointId", "'" + endpointId + "' is not a number; use policy/<id> or policy/<namespace>/<pod>");
        }
        return policyDump(NodeMapsReconciler.POLICY_MAP_PREFIX + id);
    }

    @GET
    @Path("/policy/{namespace}/{pod}")
    public Dump policy(@PathParam("namespace") String namespace, @PathParam("pod") String pod) {
        LocalEndpoint ep = maps.localEndpoints().stream()
                .filter(e -> e.namespace().equals(namespace) && e.pod().equals(pod))
                .findFirst()
                .orElseThrow(() -> new EndpointRejectedException(
                        404, "pod", "pod: " + namespace + "/" + pod + " is not an endpoint of this node"));
        return policyDump(ep.policyMapName());
    }

    private Dump policyDump(String name) {
        BpfMap m = maps.backend()
                .open(name)
                .orElseThrow(
                        () -> new EndpointRejectedException(404, "name", "name: no map " + name + " on this node"));
        List<PolicyRow> rows = m.entries().stream()
                .map(e -> {
                    PolicyMapKey k = PolicyMapKey.decode(e.key());
                    PolicyMapValue v = PolicyMapValue.decode(e.value());
                    return new PolicyRow(
                            k.direction().name().toLowerCase(),
                            k.identity(),
                            k.protocol() == 0 ? "ANY" : IpProtocol.name(k.protocol()),
                            k.port(),
                            k.portPrefixBits(),
                            v.deny(),
                            v.proxyPort());
                })
                .sorted(Comparator.comparing(PolicyRow::direction)
                        .thenComparingLong(PolicyRow::identity)
                        .thenComparing(PolicyRow::protocol)
                        .thenComparingInt(PolicyRow::port))
                .toList();
        return new Dump(name, rows.size(), rows);
    }

    @GET
    @Path("/lb")
    public List<LbRow> lb() {
        Map<Integer, String> services = new HashMap<>();
        Map<Long, String> clusters = new HashMap<>();
        maps.image().map(NodeImage::services).orElse(Map.of()).forEach((key, s) -> {
            for (LbFrontend f : s.getFrontendsList()) {
                services.put(f.getRevNatIndex(), serviceName(key, s));
            }
            s.getBackendsList().forEach(b -> clusters.putIfAbsent(Integer.toUnsignedLong(b.getId()), b.getCluster()));
        });
        List<LbRow> rows = new ArrayList<>();
        for (boolean v6 : new boolean[] {false, true}) {
            Optional<BpfMap> servicesMap =
                    maps.backend().open(LbMaps.services(v6).name());
            if (servicesMap.isEmpty()) {
                continue;
            }
            Map<LbServiceKey, LbServiceValue> entries = new HashMap<>();
            servicesMap
                    .get()
                    .entries()
                    .forEach(e -> entries.put(LbServiceKey.decode(e.key()), LbServiceValue.decode(e.value())));
            Map<Long, LbBackendValue> backends = new HashMap<>();
            maps.backend()
                    .open(LbMaps.backends(v6).name())
                    .map(BpfMap::entries)
                    .orElse(List.of())
                    .forEach(e ->
                            backends.put(LbBackendKey.decode(e.key()).backendId(), LbBackendValue.decode(e.value())));
            entries.forEach((key, master) -> {
                if (key.backendSlot() != 0) {
                    return;
                }
                List<LbBackendRow> slots = new ArrayList<>();
                for (int slot = 1; slot <= master.count() + master.qcount(); slot++) {
                    LbServiceValue v = entries.get(key.withSlot(slot));
                    if (v == null) {
                        continue;
                    }
                    LbBackendValue b = backends.get(v.backendId());
                    slots.add(new LbBackendRow(
                            slot,
                            v.backendId(),
                            b == null ? "" : b.endpoint(),
                            b == null ? "missing" : LbFlags.backendState(b.flags()),
                            b == null ? 0 : b.clusterId(),
                            clusters.getOrDefault(v.backendId(), "")));
                }
                rows.add(new LbRow(
                        key.frontend(),
                        services.getOrDefault(master.revNatIndex(), ""),
                        LbFlags.type(master.flags(), master.flags2()),
                        master.revNatIndex(),
                        LbFlags.names(master.flags(), master.flags2()),
                        slots));
            });
        }
        rows.sort(Comparator.comparing(LbRow::service).thenComparing(LbRow::frontend));
        return rows;
    }

    private static String serviceName(String key, ServiceMaps s) {
        return s.getNamespace().isEmpty() ? key : s.getNamespace() + "/" + s.getName();
    }
}
