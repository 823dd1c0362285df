package dev.tendril.agent.adapters;

import dev.tendril.agent.endpoint.EndpointRejectedException;
import dev.tendril.agent.state.EndpointsMap;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
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
import java.util.Comparator;
import java.util.List;

/**
 * Dumps of the node's maps decoded from their bytes, as {@code cilium bpf ... list} prints them:
 * {@code ipcache}, {@code endpoints} (cilium_lxc), {@code policy/<endpoint id>} or
 * {@code policy/<namespace>/<pod>}; {@code GET /v1/maps} lists the maps with their sizes.
 */
@Path("/v1/maps")
@Produces(MediaType.APPLICATION_JSON)
public class MapsResource {

    public record MapInfo(String name, String type, int entries, int maxEntries) {}

    /** A dump: the map's kernel name and its decoded rows. */
    public record Dump(String map, int entries, List<?> rows) {}

    public record IpcacheRow(String prefix, long identity) {}

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
                .map(e -> new IpcacheRow(
                        IpcacheKey.decode(e.key()).toString(),
                        IpcacheValue.decode(e.value()).identity()))
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
}
