package dev.tendril.policy.app;

import dev.tendril.net.IpAddress;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.domain.NamedPort;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The endpoints followed from tendril.endpoints and, per identity, its endpoints: endpoints of one identity
 * share one map, whose named ports are the union of theirs; ipBlock peers match their addresses. Per
 * namespace, its endpoints (what selector Services resolve from). Used under the runtime's lock.
 */
final class EndpointIndex {

    private final Map<String, EndpointInfo> endpoints = new HashMap<>();
    private final Map<Long, Set<String>> byIdentity = new HashMap<>();
    private final Map<String, Map<String, EndpointInfo>> byNamespace = new HashMap<>();

    /** Records an endpoint; returns the identities whose named ports to recompute, in order. */
    List<Long> upsert(EndpointInfo endpoint) {
        List<Long> touched = new ArrayList<>();
        EndpointInfo previous = endpoints.put(endpoint.key(), endpoint);
        if (previous != null && !previous.namespace().equals(endpoint.namespace())) {
            unindexNamespace(previous);
        }
        byNamespace.computeIfAbsent(endpoint.namespace(), n -> new HashMap<>()).put(endpoint.key(), endpoint);
        if (previous != null && previous.identity() != endpoint.identity()) {
            unindex(previous);
            touched.add(previous.identity());
        }
        byIdentity
                .computeIfAbsent(endpoint.identity(), k -> new LinkedHashSet<>())
                .add(endpoint.key());
        touched.add(endpoint.identity());
        return touched;
    }

    /** Forgets an endpoint; returns the identities whose named ports to recompute. */
    List<Long> remove(String key) {
        EndpointInfo previous = endpoints.remove(key);
        if (previous == null) {
            return List.of();
        }
        unindex(previous);
        unindexNamespace(previous);
        return List.of(previous.identity());
    }

    /** The union of the named ports of an identity's endpoints, in a stable order. */
    List<NamedPort> namedPorts(long identity) {
        SortedSet<NamedPort> union = new TreeSet<>(Comparator.comparing(NamedPort::name)
                .thenComparingInt(NamedPort::port)
                .thenComparing(NamedPort::protocol));
        for (String key : byIdentity.getOrDefault(identity, Set.of())) {
            union.addAll(endpoints.get(key).namedPorts());
        }
        return List.copyOf(union);
    }

    /** The addresses of an identity's endpoints, one set per endpoint; empty when it has none. */
    List<Set<IpAddress>> addresses(long identity) {
        List<Set<IpAddress>> out = new ArrayList<>();
        for (String key : byIdentity.getOrDefault(identity, Set.of())) {
            out.add(endpoints.get(key).addresses());
        }
        return out;
    }

    /** The endpoints of a namespace. */
    Collection<EndpointInfo> inNamespace(String namespace) {
        return Collections.unmodifiableCollection(
                byNamespace.getOrDefault(namespace, Map.of()).values());
    }

    Map<String, EndpointInfo> view() {
        return Collections.unmodifiableMap(endpoints);
    }

    private void unindex(EndpointInfo endpoint) {
        Set<String> keys = byIdentity.get(endpoint.identity());
        if (keys != null) {
            keys.remove(endpoint.key());
            if (keys.isEmpty()) {
                byIdentity.remove(endpoint.identity());
            }
        }
    }

    private void unindexNamespace(EndpointInfo endpoint) {
        Map<String, EndpointInfo> inNamespace = byNamespace.get(endpoint.namespace());
        if (inNamespace != null) {
            inNamespace.remove(endpoint.key());
            if (inNamespace.isEmpty()) {
                byNamespace.remove(endpoint.namespace());
            }
        }
    }
}
