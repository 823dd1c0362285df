package dev.tendril.policy.app;

import dev.tendril.policy.app.RevisionLog.Committed;
import dev.tendril.policy.app.RevisionLog.Logged;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.lb.LbCommand;
import dev.tendril.policy.lb.LbController;
import dev.tendril.policy.lb.LbController.Resolved;
import dev.tendril.policy.lb.LbDecider;
import dev.tendril.policy.lb.LbEvent;
import dev.tendril.policy.lb.LbIndex;
import dev.tendril.policy.lb.LbState;
import dev.tendril.policy.lb.MeshServices;
import dev.tendril.policy.lb.ServiceLb;
import dev.tendril.policy.lb.ServiceSpec;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
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
 * content ({@link ServiceLb}) for publishing. A write decides every command against the live state
 * {@link LbState#tentatively tentatively} (no copy), allocates the backend ids the new backends need and
 * commits it all in one transaction; the events apply once stored, and a refusal or a failure changes
 * nothing.
 *
 * <p>Incremental ({@link LbIndex}): an endpoint change re-resolves only the selector Services of its
 * namespace whose selector matched its old or matches its new labels, from that namespace's endpoints; a
 * write or an event re-resolves the Services it names (and those using a backend whose id it changed).
 * Backend ids are decided only for the backends those Services began or stopped using; only the Services
 * whose content changed are handed on.
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
    /** A namespace's endpoints. */
    private final Function<String, Collection<EndpointInfo>> endpointsIn;
    /** The ClusterMesh peers' Services, for global Services (changed under the lock, {@link #remoteChanged}). */
    private final MeshServices remote;

    private final KeyedTopicPublishing<String, ServiceLb> publishing;
    private final LbState state = new LbState();
    private final LbIndex index = new LbIndex();
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
            Function<String, Collection<EndpointInfo>> endpointsIn,
            MeshServices remote) {
        this.shared = shared;
        this.remote = remote;
        this.store = store;
        this.decider = decider;
        this.endpointsIn = endpointsIn;
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
        thread = LogFollower.followEvery("tendril-policy-lb-log", shared, this::follow, "the load-balancing event log");
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
        // Ids recorded before are looked at once: those no Service uses are released.
        state.backendIds().keySet().forEach(index::idChanged);
        publishing.begin(publishers);
        refresh(new TreeSet<>(state.services().keySet()));
    }

    void leading(boolean now) {
        publishing.leading(now);
    }

    boolean publishedAll() {
        return publishing.publishedAll();
    }

    /**
     * Under the lock: an endpoint appeared ({@code before} null), changed, or went ({@code after} null):
     * the selector Services that selected it or select it now are resolved again.
     */
    void endpointChanged(EndpointInfo before, EndpointInfo after) {
        if (!active) {
            return;
        }
        Set<String> keys = new TreeSet<>();
        if (before != null) {
            keys.addAll(index.selecting(before.namespace(), before.labels()));
        }
        if (after != null) {
            keys.addAll(index.selecting(after.namespace(), after.labels()));
        }
        refresh(keys);
    }

    /** Under the lock: the peers' Services changed for these keys: the local Services of those keys resolve again. */
    void remoteChanged(Set<String> keys) {
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
                long revision = state.revision();
                List<LbEvent> decided = state.tentatively(() -> {
                    List<LbEvent> out = new ArrayList<>();
                    for (LbCommand c : commands) {
                        List<LbEvent> d = decider.decide(c, state, state.revision() + 1);
                        d.forEach(state::evolve);
                        out.addAll(d);
                    }
                    return out;
                });
                return new Outcome(revision, decided);
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
                written.events().forEach(e -> evolve(e, affected));
                position = Math.max(position, written.commit().position());
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
            long revision = locked.revision() + 1;
            // Decided against the live state, which is as before once decided: the events apply when stored.
            List<LbEvent> events = state.tentatively(() -> {
                List<LbEvent> out = new ArrayList<>();
                Set<String> touched = new TreeSet<>();
                for (LbCommand c : commands) {
                    List<LbEvent> d = decider.decide(c, state, revision);
                    d.forEach(e -> {
                        LbIndex.named(e, state, touched);
                        state.evolve(e);
                    });
                    out.addAll(d);
                }
                if (!out.isEmpty() && active) {
                    // Before the endpoints are bootstrapped no Service is resolved: ids stay as recorded.
                    out.addAll(index.idsAfter(touched, resolveAll(touched, state), decider, state, revision));
                }
                return out;
            });
            if (events.isEmpty()) {
                return new Written(events, null);
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
                return index.resolved();
            }

            @Override
            public long publishedRevision(String key) {
                return publishing.publishedRevision(key);
            }
        }));
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
        Set<String> affected = new TreeSet<>();
        for (Logged<LbEvent> l : page) {
            if (l.position() > position) {
                position = l.position();
                evolve(l.event(), affected);
            }
        }
        return affected;
    }

    /** Under the lock: applies one event to the state and the index; adds the Services whose content it may change. */
    private void evolve(LbEvent event, Set<String> affected) {
        index.evolve(state, event, affected);
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
        resolveAgain(keys);
        Set<String> all = new TreeSet<>(keys);
        try {
            all.addAll(ensureIds());
            pending.clear();
        } catch (RuntimeException e) {
            pending.addAll(keys);
            LOG.log(Level.WARNING, "cannot record backend ids (retrying): " + e.getMessage());
        }
        for (String key : all) {
            Resolved r = index.resolved().get(key);
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

    /** Under the lock: records the Services' backends as they resolve now (forgets those gone). */
    private void resolveAgain(Set<String> keys) {
        Map<String, Resolved> now = resolveAll(keys, state);
        for (String key : keys) {
            index.resolved(key, now.get(key));
        }
    }

    private Map<String, Resolved> resolveAll(Set<String> keys, LbState on) {
        Map<String, Resolved> out = new TreeMap<>();
        for (String key : keys) {
            on.service(key).ifPresent(s -> {
                ServiceSpec spec = s.service();
                var remoteBackends = remote.candidates(spec);
                out.put(
                        key,
                        spec.hasSelector()
                                ? LbController.resolve(
                                        s, List.of(), endpointsIn.apply(spec.namespace()), remoteBackends)
                                : LbController.resolve(s, on.slicesOf(key), List.of(), remoteBackends));
            });
        }
        return out;
    }

    /**
     * Under the lock: commits the backend id changes the resolved Services need, looking only at the
     * backends not settled; returns the Services other replicas' writes (read on the way) affect.
     */
    private Set<String> ensureIds() {
        Set<String> caught = new TreeSet<>();
        if (decider.backends(index::inUse, index.unsettled(), state, state.revision() + 1)
                .isEmpty()) {
            index.settled();
            return caught;
        }
        Written written = store.write(locked -> {
            caught.addAll(evolve(locked.after(position)));
            resolveAgain(caught);
            List<LbEvent> events = decider.backends(index::inUse, index.unsettled(), state, locked.revision() + 1);
            return events.isEmpty() ? new Written(events, null) : new Written(events, locked.commit(events));
        });
        if (written.commit() != null) {
            written.events().forEach(e -> evolve(e, new TreeSet<>()));
            position = Math.max(position, written.commit().position());
        }
        index.settled();
        return caught;
    }
}
