package dev.tendril.policy.lb;

import dev.tendril.policy.lb.LbEvent.BackendId;
import dev.tendril.policy.lb.LbEvent.BackendsAllocated;
import dev.tendril.policy.lb.LbEvent.BackendsReleased;
import dev.tendril.policy.lb.LbEvent.EndpointSliceApplied;
import dev.tendril.policy.lb.LbEvent.EndpointSliceDeleted;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbEvent.ServiceDeleted;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the load-balancing events say: the live Services (as last applied, with their allocations), the
 * applied EndpointSlices and the backend ids. Evolved by {@link #evolve}; {@link #copy} lets a request decide
 * several documents in turn without touching the live state.
 */
public final class LbState {

    private final TreeMap<String, ServiceApplied> services = new TreeMap<>();
    private final TreeMap<String, EndpointSliceApplied> slices = new TreeMap<>();
    private final TreeMap<BackendKey, Long> backendIds = new TreeMap<>();
    /** Service key to the keys of the slices naming it. */
    private final TreeMap<String, TreeSet<String>> slicesByService = new TreeMap<>();
    /** Ids below {@link #highestId} that no backend holds. */
    private final TreeSet<Long> freeIds = new TreeSet<>();

    private long highestId;
    private long revision;

    public LbState copy() {
        LbState c = new LbState();
        c.services.putAll(services);
        c.slices.putAll(slices);
        c.backendIds.putAll(backendIds);
        slicesByService.forEach((k, v) -> c.slicesByService.put(k, new TreeSet<>(v)));
        c.freeIds.addAll(freeIds);
        c.highestId = highestId;
        c.revision = revision;
        return c;
    }

    public void evolve(LbEvent event) {
        revision = Math.max(revision, event.revision());
        switch (event) {
            case ServiceApplied a -> services.put(a.service().key(), a);
            case ServiceDeleted d -> services.remove(d.namespace() + "/" + d.name());
            case EndpointSliceApplied a -> {
                unlink(slices.put(a.slice().key(), a));
                slicesByService
                        .computeIfAbsent(serviceOf(a), k -> new TreeSet<>())
                        .add(a.slice().key());
            }
            case EndpointSliceDeleted d -> unlink(slices.remove(d.namespace() + "/" + d.name()));
            case BackendsAllocated a ->
                a.backends().forEach(b -> {
                    Long before = backendIds.put(b.key(), b.id());
                    if (before != null && before != b.id()) {
                        free(before);
                    }
                    take(b.id());
                });
            case BackendsReleased r ->
                r.backends().forEach(b -> {
                    if (backendIds.remove(b.key(), b.id())) {
                        free(b.id());
                    }
                });
        }
    }

    private static String serviceOf(EndpointSliceApplied slice) {
        return slice.slice().namespace() + "/" + slice.slice().service();
    }

    private void unlink(EndpointSliceApplied before) {
        if (before == null) {
            return;
        }
        TreeSet<String> keys = slicesByService.get(serviceOf(before));
        keys.remove(before.slice().key());
        if (keys.isEmpty()) {
            slicesByService.remove(serviceOf(before));
        }
    }

    /** Ids are allocated lowest free first, so a new id is at most one above the highest. */
    private void take(long id) {
        if (id > highestId) {
            for (long gap = highestId + 1; gap < id; gap++) {
                freeIds.add(gap);
            }
            highestId = id;
        } else {
            freeIds.remove(id);
        }
    }

    private void free(long id) {
        if (id != highestId) {
            freeIds.add(id);
            return;
        }
        highestId--;
        while (highestId > 0 && freeIds.remove(highestId)) {
            highestId--;
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

    /** The slices naming the Service {@code namespace/name}, by slice key. */
    public List<SliceSpec> slicesOf(String serviceKey) {
        List<SliceSpec> out = new ArrayList<>();
        slicesByService
                .getOrDefault(serviceKey, new TreeSet<>())
                .forEach(k -> out.add(slices.get(k).slice()));
        return out;
    }

    /** Ids below {@link #highestId} that no backend holds, ascending. */
    public NavigableSet<Long> freeIds() {
        return Collections.unmodifiableNavigableSet(freeIds);
    }

    /** The highest id a backend holds, 0 when none. */
    public long highestId() {
        return highestId;
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
