package dev.tendril.policy.lb;

import dev.tendril.policy.lb.LbEvent.BackendId;
import dev.tendril.policy.lb.LbEvent.BackendsAllocated;
import dev.tendril.policy.lb.LbEvent.BackendsReleased;
import dev.tendril.policy.lb.LbEvent.EndpointSliceApplied;
import dev.tendril.policy.lb.LbEvent.EndpointSliceDeleted;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbEvent.ServiceDeleted;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the load-balancing events say: the live Services (as last applied, with their allocations), the
 * applied EndpointSlices and the backend ids. Evolved by {@link #evolve}; {@link #copy} lets a request decide
 * several documents in turn without touching the live state.
 */
public final class LbState {

    private final TreeMap<String, ServiceApplied> services = new TreeMap<>();
    private final TreeMap<String, EndpointSliceApplied> slices = new TreeMap<>();
    private final TreeMap<BackendKey, Long> backendIds = new TreeMap<>();
    private long revision;

    public LbState copy() {
        LbState c = new LbState();
        c.services.putAll(services);
        c.slices.putAll(slices);
        c.backendIds.putAll(backendIds);
        c.revision = revision;
        return c;
    }

    public void evolve(LbEvent event) {
        revision = Math.max(revision, event.revision());
        switch (event) {
            case ServiceApplied a -> services.put(a.service().key(), a);
            case ServiceDeleted d -> services.remove(d.namespace() + "/" + d.name());
            case EndpointSliceApplied a -> slices.put(a.slice().key(), a);
            case EndpointSliceDeleted d -> slices.remove(d.namespace() + "/" + d.name());
            case BackendsAllocated a -> a.backends().forEach(b -> backendIds.put(b.key(), b.id()));
            case BackendsReleased r -> r.backends().forEach(b -> backendIds.remove(b.key(), b.id()));
        }
    }

    public Optional<ServiceApplied> service(String key) {
        return Optional.ofNullable(services.get(key));
    }

    public SortedMap<String, ServiceApplied> services() {
        return Collections.unmodifiableSortedMap(services);
    }

    public Optional<EndpointSliceApplied> slice(String key) {
        return Optional.ofNullable(slices.get(key));
    }

    public SortedMap<String, EndpointSliceApplied> slices() {
        return Collections.unmodifiableSortedMap(slices);
    }

    public Map<BackendKey, Long> backendIds() {
        return Collections.unmodifiableMap(backendIds);
    }

    /** The highest revision of any event applied. */
    public long revision() {
        return revision;
    }

    static BackendId id(BackendKey key, long id) {
        return new BackendId(key.address(), key.port(), key.protocol(), id);
    }
}
