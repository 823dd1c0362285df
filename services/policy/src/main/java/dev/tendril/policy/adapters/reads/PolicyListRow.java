package dev.tendril.policy.adapters.reads;

import dev.tendril.policy.domain.PolicyRef;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.hibernate.annotations.Immutable;

/**
 * One stored policy of the {@code policies} table (V100) as the list shows it: its name and revision, not its
 * manifest. Read-only; never returned from REST as it is.
 */
@Entity
@Table(name = "policies")
@IdClass(PolicyListRow.Key.class)
@Immutable
public class PolicyListRow {

    @Id
    String kind;

    @Id
    String namespace;

    @Id
    String name;

    long revision;

    public PolicyRef ref() {
        return new PolicyRef(kind, namespace, name);
    }

    public long revision() {
        return revision;
    }

    /** The list's sort key, as a continue token holds it. */
    List<String> key() {
        return List.of(namespace, kind, name);
    }

    /** The primary key of the table. */
    public static class Key implements Serializable {

        String kind;
        String namespace;
        String name;

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key
                    && kind.equals(key.kind)
                    && namespace.equals(key.namespace)
                    && name.equals(key.name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, namespace, name);
        }
    }
}
