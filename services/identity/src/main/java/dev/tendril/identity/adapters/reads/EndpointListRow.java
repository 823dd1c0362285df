package dev.tendril.identity.adapters.reads;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.hibernate.annotations.Immutable;

/**
 * One row of the {@code endpoint_list} view (V101): an endpoint as the event store's transaction last wrote it, its
 * {@code document} the JSON of the domain {@code Endpoint}. Read-only; never returned from REST as it is.
 */
@Entity
@Table(name = "endpoint_list")
@IdClass(EndpointListRow.Key.class)
@Immutable
public class EndpointListRow {

    @Id
    String namespace;

    @Id
    String pod;

    String node;

    long identity;

    String document;

    /** The list's sort key, as a continue token holds it. */
    List<String> key() {
        return List.of(namespace, pod);
    }

    /** The primary key of the underlying table. */
    public static class Key implements Serializable {

        String namespace;
        String pod;

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && namespace.equals(key.namespace) && pod.equals(key.pod);
        }

        @Override
        public int hashCode() {
            return Objects.hash(namespace, pod);
        }
    }
}
