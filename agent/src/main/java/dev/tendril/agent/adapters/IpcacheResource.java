package dev.tendril.agent.adapters;

import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.ipcache.IpcacheValue;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Comparator;
import java.util.List;

/** Read-only dump of this node's ipcache map, as the datapath sees it (decoded from the map's bytes). */
@Path("/v1/ipcache")
@Produces(MediaType.APPLICATION_JSON)
public class IpcacheResource {

    /**
     * One ipcache entry; {@code tunnelEndpoint} is null when there is none, {@code cluster} the ClusterMesh peer
     * the entry comes from (null for a local one).
     */
    public record IpcacheEntry(String cidr, long identity, String tunnelEndpoint, String cluster) {}

    @Inject
    DatapathMaps maps;

    @GET
    public List<IpcacheEntry> list() {
        return maps.ipcache().entries().stream()
                .map(e -> {
                    IpcacheKey k = IpcacheKey.decode(e.key());
                    IpcacheValue v = IpcacheValue.decode(e.value());
                    return new IpcacheEntry(
                            k.toString(),
                            v.identity(),
                            v.tunnelEndpoint() == null ? null : IpcacheKey.format(v.tunnelEndpoint()),
                            v.remoteCluster() ? maps.clusterOf(k).orElse(null) : null);
                })
                .sorted(Comparator.comparing(IpcacheEntry::cidr))
                .toList();
    }
}
