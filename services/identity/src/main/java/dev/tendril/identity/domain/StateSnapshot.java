package dev.tendril.identity.domain;

import dev.tendril.k8s.labels.Labels;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole state of the identity service, by key: what the read model holds, or what replaying the
 * event log yields. Equal snapshots mean a restart rebuilds the same state.
 *
 * @param endpointCounts per identity, how many endpoints use it
 */
public record StateSnapshot(
        Map<Long, Labels> identities,
        Map<String, Namespace> namespaces,
        Map<String, Endpoint> endpoints,
        Map<Long, Integer> endpointCounts) {

    /** Folds the events of every stream, in log order, into the state they imply. Single-threaded. */
    public static final class Replay {

        private final Map<Long, Labels> identities = new TreeMap<>();
        private final Map<String, Namespace> namespaces = new TreeMap<>();
        private final Map<String, Endpoint> endpoints = new TreeMap<>();

        public void replay(IdentityEvent event) {
            switch (event) {
                case IdentityEvent.IdentityAllocated allocated -> identities.put(allocated.id(), allocated.labels());
                case IdentityEvent.IdentityReleased released -> identities.remove(released.id());
            }
        }

        public void replay(NamespaceEvent event) {
            switch (event) {
                case NamespaceEvent.NamespaceUpserted upserted ->
                    namespaces.put(upserted.namespace().name(), upserted.namespace());
                case NamespaceEvent.NamespaceDeleted deleted -> namespaces.remove(deleted.name());
            }
        }

        public void replay(EndpointEvent event) {
            if (event instanceof EndpointEvent.EndpointDeregistered) {
                endpoints.remove(event.endpoint().key());
            } else {
                endpoints.put(event.endpoint().key(), event.endpoint());
            }
        }

        /** The state so far; an identity's endpoint count is the number of endpoints holding it. */
        public StateSnapshot snapshot() {
            Map<Long, Integer> counts = new TreeMap<>();
            endpoints.values().forEach(e -> counts.merge(e.identity(), 1, Integer::sum));
            identities.keySet().forEach(id -> counts.putIfAbsent(id, 0));
            return new StateSnapshot(
                    new TreeMap<>(identities), new TreeMap<>(namespaces), new TreeMap<>(endpoints), counts);
        }
    }
}
