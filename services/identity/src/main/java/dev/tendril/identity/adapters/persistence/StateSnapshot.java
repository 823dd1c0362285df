package dev.tendril.identity.adapters.persistence;

import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.Labels;
import dev.tendril.identity.domain.Namespace;
import java.util.Map;

/**
 * The whole state of the identity service, by key: what the read model holds, or what replaying the
 * event log yields. Equal snapshots mean a restart rebuilds the same state.
 *
 * @param endpointCounts per identity, how many endpoints use it
 */
public record StateSnapshot(Map<Long, Labels> identities, Map<String, Namespace> namespaces,
        Map<String, Endpoint> endpoints, Map<Long, Integer> endpointCounts) {
}
