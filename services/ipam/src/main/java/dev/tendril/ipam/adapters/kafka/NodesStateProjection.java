package dev.tendril.ipam.adapters.kafka;

import dev.tendril.eventstore.StateProjection;
import dev.tendril.eventstore.StateRecord;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.ipam.adapters.persistence.IpamReadModel;
import dev.tendril.ipam.adapters.wiring.IpamConfig;
import dev.tendril.ipam.app.IpamQueries;
import dev.tendril.ipam.app.IpamService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * Feeds {@code tendril.nodes} (key node name, value {@code tendril.v1.Node}) from node registration
 * events: the node's current row from the read model, or a tombstone once it is gone. Pod address
 * events do not change a node's value, so they publish nothing.
 */
@ApplicationScoped
public class NodesStateProjection implements StateProjection {

    @Inject
    IpamConfig config;

    private final IpamReadModel readModel = new IpamReadModel();

    @Override
    public Set<String> topics() {
        return Set.of(config.nodesTopic());
    }

    @Override
    public List<StateRecord> project(StoredEvent event, Connection tx) throws SQLException {
        if (!event.streamId().startsWith(IpamService.NODE_STREAM_PREFIX)) {
            return List.of();
        }
        String node = event.streamId().substring(IpamService.NODE_STREAM_PREFIX.length());
        return switch (event.type()) {
            case "NodeRegistered", "NodeDeregistered" ->
                List.of(readModel
                        .node(tx, node)
                        .map(row -> StateRecord.upsert(
                                config.nodesTopic(), node, toProto(row).toByteArray()))
                        .orElseGet(() -> StateRecord.tombstone(config.nodesTopic(), node)));
            default -> List.of();
        };
    }

    static dev.tendril.api.v1.Node toProto(IpamQueries.NodeRow row) {
        return dev.tendril.api.v1.Node.newBuilder()
                .setName(row.name())
                .addAllIps(row.ips())
                .addAllPodCidrs(row.podCidrs())
                .addAllRouterIps(row.routerIps())
                .setCluster(row.cluster())
                .build();
    }
}
