package dev.tendril.ipam.adapters.reads;

import dev.tendril.ipam.app.IpamQueries.NodeRow;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.List;
import org.hibernate.annotations.Immutable;

/**
 * One registered node of the {@code ipam_nodes} table (V100), the columns {@code GET /v1/nodes} shows. Read-only;
 * never returned from REST as it is.
 */
@Entity
@Table(name = "ipam_nodes")
@Immutable
public class NodeListRow {

    @Id
    String name;

    String[] ips;

    @Column(name = "pod_cidrs")
    String[] podCidrs;

    @Column(name = "router_ips")
    String[] routerIps;

    String cluster;

    /** The row as the application's queries give it. */
    NodeRow row() {
        return new NodeRow(name, List.of(ips), List.of(podCidrs), List.of(routerIps), cluster);
    }
}
