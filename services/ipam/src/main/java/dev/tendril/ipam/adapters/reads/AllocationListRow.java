package dev.tendril.ipam.adapters.reads;

import dev.tendril.ipam.app.IpamQueries.AllocationRow;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import org.hibernate.annotations.Immutable;

/**
 * One allocated pod address of the {@code ipam_allocations} table (V100). Read-only; never returned from REST as it
 * is.
 */
@Entity
@Table(name = "ipam_allocations")
@Immutable
public class AllocationListRow {

    @Id
    String ip;

    String node;

    String family;

    String owner;

    String uid;

    @Column(name = "allocated_at")
    Instant allocatedAt;

    boolean confirmed;

    /** The list's sort key, as a continue token holds it: node, allocation time (ISO-8601, microseconds), address. */
    List<String> key() {
        return List.of(node, allocatedAt.toString(), ip);
    }

    /** The row as the application's queries give it. */
    AllocationRow row() {
        return new AllocationRow(ip, node, family, owner, uid, allocatedAt, confirmed);
    }
}
