package dev.tendril.policy.app;

import dev.tendril.policy.app.RevisionLog.Committed;
import dev.tendril.policy.app.RevisionLog.Logged;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.lb.BackendKey;
import dev.tendril.policy.lb.LbCommand;
import dev.tendril.policy.lb.LbController;
import dev.tendril.policy.lb.LbController.Resolved;
import dev.tendril.policy.lb.LbDecider;
import dev.tendril.policy.lb.LbEvent;
import dev.tendril.policy.lb.LbEvent.BackendsAllocated;
import dev.tendril.policy.lb.LbEvent.BackendsReleased;
import dev.tendril.policy.lb.LbEvent.EndpointSliceApplied;
import dev.tendril.policy.lb.LbEvent.EndpointSliceDeleted;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbEvent.ServiceDeleted;
import dev.tendril.policy.lb.LbState;
import dev.tendril.policy.lb.ServiceLb;
import dev.tendril.policy.lb.SliceSpec;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Services and EndpointSlices in the policy service, under the runtime's lock: the {@link LbState} as the
 * events say, each Service's backends as the controller resolves them from the endpoints, and its map
 * content ({@link ServiceLb}) for publishing. A write decides every command on a copy, allocates the backend
 * ids the new backends need and commits it all in one transaction; a refusal or a failure changes nothing.
 * An endpoint change re-resolves the Services of its namespace, records ids for new backends (and releases
 * unused ones) and hands on only the Services whose content changed.
 */
public final class LbRuntime {

    private static final System.Logger LOG = System.getLogger(LbRuntime.class.getName());
    private static final int PAGE = 1_000;

    /** A consistent view for readers, valid only inside {@link #read}. */
    public interface View {
        LbState state();

        /** Every Service's content by key, as last computed. */
        Map<String, ServiceLb> maps();

        /** Every Service's resolved backends by key. */
        Map<String, Resolved> resolved();

        long publishedRevision(String key);
    }

    /** What a write did (or, dry run, would do): the revision after it and the events decided. */
    public record Outcome(long revision, List<LbEvent> events) {}

    private final RuntimeState shared;
    private final LbRepository store;
    private final LbDecider decider;
    private final Supplier<Collection<EndpointInfo>> endpoints;
    private final KeyedTopicPublishing<String, ServiceLb> publishing;
    private final LbState state = new LbState();
    private final Map<String, Resolved> resolved = new TreeMap<>();
    private final Map<String, ServiceLb> maps = new TreeMap<>();
    /** Services whose content could not be computed (their backend ids failed to commit): retried by the follower. */
    private final Set<String> pending = new TreeSet<>();

    private long position;
    private boolean active;
    private Thread thread;

    LbRuntime(
            RuntimeState shared,
            LbRepository store,
            LbDecider decider,
            Leadership leadership,
            Supplier<Collection<EndpointInfo>> endpoints) {
        this.shared = shared;
        this.store = store;
        this.decider = decider;
        this.endpoints = endpoints;
        this.publishing = new KeyedTopicPublishing<>(
                shared,
                leadership,
                "tendril.services",
                new KeyedTopicPublishing.Source<>(
                        "tendril-policy-services-publishing", () -> maps, List::of, state::revision, () -> {}));
    }

    /** Replays the load-balancing events and starts following the other replicas' writes. */
    void start() {
        shared.locked(() -> {
            while (true) {
                List<Logged<LbEvent>> page = store.after(position, PAGE);
                evolve(page);
                if (page.size() < PAGE) {
                    break;
                }
            }
            LOG.log(
                    Level.INFO,
                    "rebuilt %d Services, %d EndpointSlices and %d backend ids from the event store"
                            .formatted(
                                    state.services().size(),
                                    state.slices().size(),
                                    state.backendIds().size()));
        });
        thread = Thread.ofPlatform().name("tendril-policy-lb-log").daemon().start(this::run);
    }

    void stop() {
        if (thread != null) {
            thread.interrupt();
            PolicyRuntime.join(thread);
        }
        publishing.stopThread();
        publishing.closePublisher();
    }

    /** Under the lock: the endpoints are bootstrapped; every Service is resolved and publishing may begin. */
    void activate(Supplier<? extends TopicPublisher<String, ServiceLb>> publishers) {
        active = true;
        publishing.begin(publishers);
        refresh(new TreeSet<>(state.services().keySet()));
    }

    void leading(boolean now) {
        publishing.leading(now);
    }

    boolean publishedAll() {
        return publishing.publishedAll();
    }

    /** Under the lock: an endpoint of {@code namespace} appeared, changed or went. */
    void endpointsChanged(String namespace) {
        if (!active) {
            return;
        }
        Set<String> keys = new TreeSet<>();
        state.services().forEach((key, s) -> {
            if (s.service().namespace().equals(namespace) && s.service().hasSelector()) {
                keys.add(key);
            }
        });
        refresh(keys);
    }

    /**
     * Decides and commits one request's commands atomically (or, dry run, only decides them).
     *
     * @throws dev.tendril.policy.lb.LbRejected when any command is refused: nothing changed
     */
    public Outcome apply(List<LbCommand> commands, boolean dryRun) {
        return shared.locked(() -> {
            if (dryRun) {
                LbState work = state.copy();
                List<LbEvent> decided = new ArrayList<>();
                for (LbCommand c : commands) {
                    List<LbEvent> d = decider.decide(c, work, work.revision() + 1);
                    d.forEach(work::evolve);
                    decided.addAll(d);
                }
                return new Outcome(state.revision(), decided);
            }
            Set<String> affected = new TreeSet<>();
            Written written;
            try {
                written = write(commands, affected);
            } catch (RuntimeException | Error e) {
                // Nothing of this request was stored, but what other replicas wrote was read on the way.
                refresh(affected);
                throw e;
            }
            if (written.commit() != null) {
                written.events().forEach(state::evolve);
                position = Math.max(position, written.commit().position());
                affected.addAll(affected(written.events()));
            }
            refresh(affected);
            return new Outcome(state.revision(), written.events());
        });
    }

    private record Written(List<LbEvent> events, Committed commit) {}

    /** Under the lock: one transaction that catches up, decides every command and allocates backend ids. */
    private Written write(List<LbCommand> commands, Set<String> affected) {
        return store.write(locked -> {
            affected.addAll(evolve(locked.after(position)));
            LbState work = state.copy();
            long revision = locked.revision() + 1;
            List<LbEvent> events = new ArrayList<>();
            for (LbCommand c : commands) {
                List<LbEvent> d = decider.decide(c, work, revision);
                d.forEach(work::evolve);
                events.addAll(d);
            }
            if (events.isEmpty()) {
                return new Written(events, null);
            }
            Set<String> touched = affected(events);
            Map<String, Resolved> next = new TreeMap<>(resolved);
            touched.forEach(next::remove);
            if (active) {
                // Before the endpoints are bootstrapped no Service is resolved: ids stay as recorded.
                next.putAll(resolveAll(touched, work));
                events.addAll(decider.backends(inUse(next.values()), work, revision));
            }
            return new Written(events, locked.commit(events));
        });
    }

    /** Runs {@code reader} under the lock. */
    public <T> T read(Function<View, T> reader) {
        return shared.locked(() -> reader.apply(new View() {
            @Override
            public LbState state() {
                return state;
            }

            @Override
            public Map<String, ServiceLb> maps() {
                return Collections.unmodifiableMap(maps);
            }

            @Override
            public Map<String, Resolved> resolved() {
                return Collections.unmodifiableMap(resolved);
            }

            @Override
            public long publishedRevision(String key) {
                return publishing.publishedRevision(key);
            }
        }));
    }

    private void run() {
        while (!shared.stopping) {
            try {
                follow();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot read the load-balancing event log (retrying): " + e.getMessage());
            }
            try {
                Thread.sleep(LogFollower.FOLLOW_EVERY);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Applies what other replicas committed, and retries Services whose backend ids failed to commit. */
    void follow() {
        while (!shared.stopping) {
            long from = shared.locked(() -> position);
            List<Logged<LbEvent>> page = store.after(from, PAGE);
            shared.locked(() -> {
                Set<String> keys = evolve(page);
                keys.addAll(pending);
                if (!keys.isEmpty()) {
                    refresh(keys);
                }
            });
            if (page.size() < PAGE) {
                return;
            }
        }
    }

    /** Under the lock: applies logged events not seen yet; returns the Services they affect. */
    private Set<String> evolve(List<Logged<LbEvent>> page) {
        List<LbEvent> fresh = new ArrayList<>();
        for (Logged<LbEvent> l : page) {
            if (l.position() > position) {
                position = l.position();
                state.evolve(l.event());
                fresh.add(l.event());
            }
        }
        return affected(fresh);
    }

    /** The Services whose content events may change. */
    private Set<String> affected(List<LbEvent> events) {
        Set<String> keys = new TreeSet<>();
        Set<BackendKey> backends = new HashSet<>();
        for (LbEvent e : events) {
            switch (e) {
                case ServiceApplied a -> keys.add(a.service().key());
                case ServiceDeleted d -> keys.add(d.namespace() + "/" + d.name());
                case EndpointSliceApplied a ->
                    keys.add(a.slice().namespace() + "/" + a.slice().service());
                case EndpointSliceDeleted d -> keys.addAll(serviceOfSlice(d.namespace(), d.name()));
                case BackendsAllocated a -> a.backends().forEach(b -> backends.add(b.key()));
                case BackendsReleased r -> r.backends().forEach(b -> backends.add(b.key()));
            }
        }
        if (!backends.isEmpty()) {
            resolved.forEach((key, r) -> {
                if (!Collections.disjoint(r.keys(), backends)) {
                    keys.add(key);
                }
            });
        }
        return keys;
    }

    /** A deleted slice no longer says its Service: every Service of its namespace is looked at again. */
    private Set<String> serviceOfSlice(String namespace, String name) {
        Set<String> out = new TreeSet<>();
        maps.keySet().stream().filter(k -> k.startsWith(namespace + "/")).forEach(out::add);
        return out;
    }

    /**
     * Under the lock: resolves the Services again, records backend ids that are missing (and releases unused
     * ones), and hands on those whose content changed. A Service whose ids cannot be committed keeps its
     * previous content and is retried.
     */
    private void refresh(Set<String> keys) {
        if (!active || keys.isEmpty()) {
            return;
        }
        resolved.keySet().removeIf(k -> keys.contains(k) && state.service(k).isEmpty());
        resolved.putAll(resolveAll(keys, state));
        Set<String> all = new TreeSet<>(keys);
        try {
            all.addAll(ensureIds());
            pending.clear();
        } catch (RuntimeException e) {
            pending.addAll(keys);
            LOG.log(Level.WARNING, "cannot record backend ids (retrying): " + e.getMessage());
        }
        for (String key : all) {
            Resolved r = resolved.get(key);
            if (r == null) {
                if (maps.remove(key) != null) {
                    publishing.changed(List.of(key));
                }
                continue;
            }
            if (!state.backendIds().keySet().containsAll(r.keys())) {
                continue;
            }
            ServiceLb next = LbController.maps(r, state.backendIds());
            if (!next.equals(maps.get(key))) {
                maps.put(key, next);
                publishing.changed(List.of(key));
            }
        }
    }

    private Map<String, Resolved> resolveAll(Set<String> keys, LbState on) {
        Collection<EndpointInfo> all = endpoints.get();
        List<SliceSpec> slices =
                on.slices().values().stream().map(EndpointSliceApplied::slice).toList();
        Map<String, Resolved> out = new TreeMap<>();
        for (String key : keys) {
            on.service(key).ifPresent(s -> out.put(key, LbController.resolve(s, slices, all)));
        }
        return out;
    }

    private static Set<BackendKey> inUse(Collection<Resolved> all) {
        Set<BackendKey> out = new HashSet<>();
        all.forEach(r -> out.addAll(r.keys()));
        return out;
    }

    /**
     * Under the lock: commits the backend id changes the resolved Services need, if any; returns the Services
     * other replicas' writes (read on the way) affect.
     */
    private Set<String> ensureIds() {
        Set<BackendKey> used = inUse(resolved.values());
        Set<String> caught = new TreeSet<>();
        if (decider.backends(used, state, state.revision() + 1).isEmpty()) {
            return caught;
        }
        Written written = store.write(locked -> {
            caught.addAll(evolve(locked.after(position)));
            resolved.keySet()
                    .removeIf(k -> caught.contains(k) && state.service(k).isEmpty());
            resolved.putAll(resolveAll(caught, state));
            List<LbEvent> events = decider.backends(inUse(resolved.values()), state, locked.revision() + 1);
            return events.isEmpty() ? new Written(events, null) : new Written(events, locked.commit(events));
        });
        if (written.commit() != null) {
            written.events().forEach(state::evolve);
            position = Math.max(position, written.commit().position());
        }
        return caught;
    }
}
