package dev.tendril.policy.lb;

import dev.tendril.policy.lb.LbController.Resolved;
import dev.tendril.policy.lb.LbEvent.BackendsAllocated;
import dev.tendril.policy.lb.LbEvent.BackendsReleased;
import dev.tendril.policy.lb.LbEvent.EndpointSliceApplied;
import dev.tendril.policy.lb.LbEvent.EndpointSliceDeleted;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbEvent.ServiceDeleted;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The bookkeeping that keeps Service resolution incremental, pure: which selector Services an endpoint's
 * labels select (per namespace, through one label of each selector), each Service's resolved backends,
 * which Services use each backend (its reference count), and the backends whose id may have to change
 * since the ids were last settled ({@link #unsettled}): those a Service began or stopped using, and those
 * whose id an event changed.
 */
public final class LbIndex {

    private record Label(String key, String value) {}

    /** Namespace, then one label of each selector Service's selector, to the Services. */
    private final Map<String, Map<Label, Set<String>>> selectors = new HashMap<>();

    private final Map<String, ServiceSpec> selectorServices = new HashMap<>();
    private final Map<String, Resolved> resolved = new TreeMap<>();
    private final Map<BackendKey, Set<String>> users = new HashMap<>();
    private final Set<BackendKey> unsettled = new TreeSet<>();

    /** Records a Service as applied ({@code spec}) or gone (null), for {@link #selecting}. */
    public void service(String key, ServiceSpec spec) {
        ServiceSpec before =
                spec != null && spec.hasSelector() ? selectorServices.put(key, spec) : selectorServices.remove(key);
        if (before != null) {
            Map<Label, Set<String>> labels = selectors.get(before.namespace());
            Label label = indexLabel(before);
            Set<String> keys = labels.get(label);
            keys.remove(key);
            if (keys.isEmpty()) {
                labels.remove(label);
                if (labels.isEmpty()) {
                    selectors.remove(before.namespace());
                }
            }
        }
        if (spec != null && spec.hasSelector()) {
            selectors
                    .computeIfAbsent(spec.namespace(), n -> new HashMap<>())
                    .computeIfAbsent(indexLabel(spec), l -> new HashSet<>())
                    .add(key);
        }
    }

    /** The selector Services of {@code namespace} whose selector matches {@code labels}. */
    public Set<String> selecting(String namespace, Map<String, String> labels) {
        Map<Label, Set<String>> inNamespace = selectors.getOrDefault(namespace, Map.of());
        Set<String> out = new TreeSet<>();
        labels.forEach((k, v) -> {
            for (String key : inNamespace.getOrDefault(new Label(k, v), Set.of())) {
                if (LbController.matches(selectorServices.get(key).selector(), labels)) {
                    out.add(key);
                }
            }
        });
        return out;
    }

    /** Records a Service's backends as resolved now, or (null) forgets them. */
    public void resolved(String key, Resolved now) {
        Resolved before = now == null ? resolved.remove(key) : resolved.put(key, now);
        Set<BackendKey> dropped = before == null ? Set.of() : before.keys();
        Set<BackendKey> kept = now == null ? Set.of() : now.keys();
        for (BackendKey k : dropped) {
            if (!kept.contains(k)) {
                Set<String> services = users.get(k);
                services.remove(key);
                if (services.isEmpty()) {
                    users.remove(k);
                }
                unsettled.add(k);
            }
        }
        for (BackendKey k : kept) {
            if (!dropped.contains(k)) {
                users.computeIfAbsent(k, b -> new HashSet<>()).add(key);
                unsettled.add(k);
            }
        }
    }

    public Map<String, Resolved> resolved() {
        return Collections.unmodifiableMap(resolved);
    }

    /** Whether some resolved Service has the backend. */
    public boolean inUse(BackendKey key) {
        return users.containsKey(key);
    }

    /** The Services that have the backend. */
    public Set<String> users(BackendKey key) {
        return Collections.unmodifiableSet(users.getOrDefault(key, Set.of()));
    }

    /** An event gave the backend an id or took it: whether it should have one is to be looked at again. */
    public void idChanged(BackendKey key) {
        unsettled.add(key);
    }

    /** The backends whose id may have to change, in order. */
    public Set<BackendKey> unsettled() {
        return Collections.unmodifiableSet(unsettled);
    }

    /** Every backend holds an id exactly when it is in use again. */
    public void settled() {
        unsettled.clear();
    }

    /**
     * Applies one event to {@code state} and to this index; adds to {@code affected} the Services whose
     * content it may change (those it names, those using a backend whose id it changes).
     */
    public void evolve(LbState state, LbEvent event, Set<String> affected) {
        named(event, state, affected);
        switch (event) {
            case BackendsAllocated a -> a.backends().forEach(b -> idChanged(b.key(), affected));
            case BackendsReleased r -> r.backends().forEach(b -> idChanged(b.key(), affected));
            default -> {
                // Services and slices: named above.
            }
        }
        state.evolve(event);
        switch (event) {
            case ServiceApplied a -> service(a.service().key(), a.service());
            case ServiceDeleted d -> service(d.namespace() + "/" + d.name(), null);
            default -> {
                // Only Services select endpoints.
            }
        }
    }

    private void idChanged(BackendKey key, Set<String> affected) {
        affected.addAll(users.getOrDefault(key, Set.of()));
        idChanged(key);
    }

    /** Adds the Services an event about Services or slices names, on the state {@code before} it. */
    public static void named(LbEvent event, LbState before, Set<String> out) {
        switch (event) {
            case ServiceApplied a -> out.add(a.service().key());
            case ServiceDeleted d -> out.add(d.namespace() + "/" + d.name());
            case EndpointSliceApplied a -> {
                out.add(serviceOf(a));
                before.slice(a.slice().key()).ifPresent(s -> out.add(serviceOf(s)));
            }
            case EndpointSliceDeleted d ->
                before.slice(d.namespace() + "/" + d.name()).ifPresent(s -> out.add(serviceOf(s)));
            default -> {
                // Backend ids: the Services using them are in the index.
            }
        }
    }

    private static String serviceOf(EndpointSliceApplied slice) {
        return slice.slice().namespace() + "/" + slice.slice().service();
    }

    /**
     * The backend id events a write needs once the {@code touched} Services resolve as {@code now} (on the
     * write's {@code work} state): only their backends before and after, and those not settled yet, are
     * looked at; a backend is in use when {@code now} has it or a Service not touched does.
     */
    public List<LbEvent> idsAfter(
            Set<String> touched, Map<String, Resolved> now, LbDecider decider, LbState work, long revision) {
        Set<BackendKey> used = new HashSet<>();
        now.values().forEach(r -> used.addAll(r.keys()));
        Set<BackendKey> considered = new HashSet<>(used);
        considered.addAll(unsettled);
        for (String key : touched) {
            Resolved before = resolved.get(key);
            if (before != null) {
                considered.addAll(before.keys());
            }
        }
        return decider.backends(
                k -> used.contains(k)
                        || users.getOrDefault(k, Set.of()).stream().anyMatch(s -> !touched.contains(s)),
                considered,
                work,
                revision);
    }

    private static Label indexLabel(ServiceSpec spec) {
        Map.Entry<String, String> first = new TreeMap<>(spec.selector()).firstEntry();
        return new Label(first.getKey(), first.getValue());
    }
}
