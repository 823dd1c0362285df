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
import java.util.function.Supplier;

/**
 * What the load-balancing events say: the live Services (as last applied, with their allocations), the
 * applied EndpointSlices and the backend ids, with what the Services hold indexed ({@link LbAllocations}).
 * Evolved by {@link #evolve}. A request decides its documents in turn against the live state
 * {@link #tentatively}: what it evolves meanwhile is undone at the end, so that a refusal or a failed append
 * changes nothing, and no write copies the state.
 */
public final class LbState {

    private final UndoLog undo = new UndoLog();
    private final TreeMap<String, ServiceApplied> services = new TreeMap<>();
    private final TreeMap<String, EndpointSliceApplied> slices = new TreeMap<>();
    private final TreeMap<BackendKey, Long> backendIds = new TreeMap<>();
    /** Service key to the keys of the slices naming it. */
    private final TreeMap<String, TreeSet<String>> slicesByService = new TreeMap<>();
    /** Ids below {@link #highestId} that no backend holds. */
    private final TreeSet<Long> freeIds = new TreeSet<>();

    private final LbAllocations allocations = new LbAllocations(undo);

    private long highestId;
    private long revision;

    /** A state of its own with the same content (the indexes rebuilt from it). */
    public LbState copy() {
        LbState c = new LbState();
        services.values().forEach(a -> {
            c.services.put(a.service().key(), a);
            c.allocations.hold(a);
        });
        c.slices.putAll(slices);
        c.backendIds.putAll(backendIds);
        slicesByService.forEach((k, v) -> c.slicesByService.put(k, new TreeSet<>(v)));
        c.freeIds.addAll(freeIds);
        c.highestId = highestId;
        c.revision = revision;
        return c;
    }

    /**
     * Runs {@code work}, which may {@link #evolve} this state, and then undoes whatever it evolved, whether
     * it returns or throws: a request decides against the live state and applies its events once stored.
     */
    public <T> T tentatively(Supplier<T> work) {
        undo.begin();
        try {
            return work.get();
        } finally {
            undo.rollback();
        }
    }

    public void evolve(LbEvent event) {
        long before = revision;
        undo.undoWith(() -> revision = before);
        revision = Math.max(revision, event.revision());
        switch (event) {
            case ServiceApplied a -> {
                ServiceApplied replaced = undo.put(services, a.service().key(), a);
                if (replaced != null) {
                    allocations.release(replaced);
                }
                allocations.hold(a);
            }
            case ServiceDeleted d -> {
                ServiceApplied gone = undo.remove(services, d.namespace() + "/" + d.name());
                if (gone != null) {
                    allocations.release(gone);
                }
            }
            case EndpointSliceApplied a -> {
                unlink(undo.put(slices, a.slice().key(), a));
                TreeSet<String> keys = slicesByService.get(serviceOf(a));
                if (keys == null) {
                    keys = new TreeSet<>();
                    undo.put(slicesByService, serviceOf(a), keys);
                }
                undo.add(keys, a.slice().key());
            }
            case EndpointSliceDeleted d -> unlink(undo.remove(slices, d.namespace() + "/" + d.name()));
            case BackendsAllocated a ->
                a.backends().forEach(b -> {
                    Long replaced = undo.put(backendIds, b.key(), b.id());
                    if (replaced != null && replaced != b.id()) {
                        free(replaced);
                    }
                    take(b.id());
                });
            case BackendsReleased r ->
                r.backends().forEach(b -> {
                    if (Long.valueOf(b.id()).equals(backendIds.get(b.key()))) {
                        undo.remove(backendIds, b.key());
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
        undo.remove(keys, before.slice().key());
        if (keys.isEmpty()) {
            undo.remove(slicesByService, serviceOf(before));
        }
    }

    /** Ids are allocated lowest free first, so a new id is at most one above the highest. */
    private void take(long id) {
        if (id > highestId) {
            for (long gap = highestId + 1; gap < id; gap++) {
                undo.add(freeIds, gap);
            }
            setHighestId(id);
        } else {
            undo.remove(freeIds, id);
        }
    }

    private void free(long id) {
        if (id != highestId) {
            undo.add(freeIds, id);
            return;
        }
        long highest = highestId - 1;
        while (highest > 0 && undo.remove(freeIds, highest)) {
            highest--;
        }
        setHighestId(highest);
    }

    private void setHighestId(long id) {
        long before = highestId;
        undo.undoWith(() -> highestId = before);
        highestId = id;
    }

    /** What the live Services hold, for {@link LbDecider}. */
    LbAllocations allocations() {
        return allocations;
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
