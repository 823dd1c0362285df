package dev.tendril.identity.adapters.reads;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.Immutable;

/**
 * One allocated identity of the {@code identities} table (V100), the columns {@code GET /v1/identities} shows.
 * Read-only; never returned from REST as it is.
 */
@Entity
@Table(name = "identities")
@Immutable
public class IdentityRow {

    @Id
    long id;

    /** {@code source:key=value} texts, sorted as the allocator stored them. */
    String[] labels;

    @Column(name = "endpoint_count")
    int endpointCount;
}
