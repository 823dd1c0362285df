package dev.tendril.policy.adapters;

import dev.tendril.eventstore.EventStore;
import dev.tendril.policy.adapters.Manifests.Document;
import dev.tendril.policy.adapters.identity.CidrIdentities;
import dev.tendril.policy.adapters.kafka.EndpointInfo;
import dev.tendril.policy.adapters.kafka.PolicyPublisher;
import dev.tendril.policy.adapters.persistence.PolicyStore;
import dev.tendril.policy.adapters.persistence.PolicyStore.Change;
import dev.tendril.policy.adapters.persistence.PolicyStore.StoredPolicy;
import dev.tendril.policy.adapters.persistence.SubjectEvent.PolicyMapOverflowed;
import dev.tendril.policy.domain.Identity;
import dev.tendril.policy.domain.NamedPort;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.PolicyEngine.Changes;
import dev.tendril.policy.domain.PolicyEngine.Overflow;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.SubjectPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The service's state behind one lock: the {@link PolicyEngine}, the stored policies, the endpoints
 * followed from Kafka and the publisher. Every mutation (a REST write, an identity or endpoint record)
 * runs under the lock, in order; so do reads that need a consistent view (trace, policy map).
 *
 * <p>Before the inputs are bootstrapped nothing is published (the maps would be transient); at
 * {@link #ready} the publisher reconciles the topic with the whole engine once, then each mutation
 * publishes the subjects it changed.
 *
 * <p>Publishing runs on a thread of its own, never under a request: a mutation marks the subjects it
 * changed and returns; the publishing thread takes the marked subjects' current maps under the lock and
 * sends them without it. A REST write therefore answers once PostgreSQL committed it, whether Kafka is
 * reachable or not; while it is not, the publishing thread reconciles again every
 * {@link #PUBLISH_RETRY} until the topic holds every map.
 *
 * <p>A REST write computes its maps first and commits after: whatever fails (the engine, the commit)
 * leaves nothing stored and the engine as it was, so a refused or failed request changes nothing.
 */
@ApplicationScoped
public class PolicyRuntime {

    private static final Logger LOG = Logger.getLogger(PolicyRuntime.class);
    /** Wait before reconciling again after a failed send. */
    static final Duration PUBLISH_RETRY = Duration.ofSeconds(1);

    /** How a document of a request fared. */
    public enum Result { CREATED, CONFIGURED, UNCHANGED }

    public record Applied(PolicyRef ref, long revision, Result result) {
    }

    public record ApplyOutcome(long revision, List<Applied> policies, List<String> warnings) {
    }

    /** Thrown when a policy does not exist. */
    public static final class PolicyNotFoundException extends RuntimeException {
        public PolicyNotFoundException(PolicyRef ref) {
            super("policy " + ref + " does not exist");
        }
    }

    /** A consistent view for readers, valid only inside {@link #read}. */
    public interface View {
        PolicyEngine engine();

        Map<PolicyRef, StoredPolicy> stored();

        Map<String, EndpointInfo> endpoints();

        long revision();

        /** The revision last published for a subject, 0 when never. */
        long publishedRevision(long subject);
    }

    @Inject
    PolicyServiceConfig config;

    @Inject
    EventStore eventStore;

    @Inject
    MeterRegistry registry;

    @Inject
    CidrIdentities cidrIdentities;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when subjects are marked for publishing, a reconcile is due, or the service stops. */
    private final Condition publishWork = lock.newCondition();
    /** Subjects changed since the publishing thread last took them (under the lock). */
    private final Set<Long> toPublish = new TreeSet<>();
    /** The whole engine must be reconciled with the topic: at start and after a failed send (under the lock). */
    private boolean reconcileDue;
    private boolean firstReconcile = true;
    private Thread publishing;
    private volatile boolean stopping;
    private final AtomicInteger overflowingGauge = new AtomicInteger();
    private final Map<Long, Counter> overflowCounters = new HashMap<>();
    private PolicyStore store;
    private PolicyEngine engine;
    private final Map<PolicyRef, StoredPolicy> stored = new TreeMap<>();
    private long revision;
    private final Map<String, EndpointInfo> endpoints = new HashMap<>();
    private final Map<Long, Set<String>> endpointsByIdentity = new HashMap<>();
    private PolicyPublisher publisher;
    private volatile boolean ready;
    /** The publishing thread is sending what it took (under the lock). */
    private boolean sending;
    private Timer compileTimer;

    void start(@Observes @Priority(100) StartupEvent event) {
        int maxEntries = PolicyServiceConfig.validMapMaxEntries(config.mapMaxEntries());
        compileTimer = Timer.builder("tendril.policy.compile")
                .description("Time to recompute the policy maps after one mutation").register(registry);
        Gauge.builder("tendril.policy.map.overflowing", overflowingGauge, AtomicInteger::get)
                .description("Subjects whose policy map needs more entries than map-max-entries").register(registry);
        store = new PolicyStore(eventStore);
        lock.lock();
        try {
            engine = new PolicyEngine(config.clusterName(), maxEntries);
            PolicyStore.Snapshot snapshot = store.rebuild();
            List<Policy> policies = new ArrayList<>();
            for (StoredPolicy p : snapshot.policies().values()) {
                try {
                    policies.add(Manifests.policy(p.manifest()));
                    stored.put(p.ref(), p);
                } catch (RuntimeException e) {
                    LOG.errorf("stored policy %s no longer parses and is not enforced: %s", p.ref(), e.getMessage());
                }
            }
            revision = snapshot.revision();
            mutate(() -> engine.apply(policies));
            LOG.infof("rebuilt %d policies at revision %d from the event store", stored.size(), revision);
        } finally {
            lock.unlock();
        }
        cidrIdentities.ensure(cidrs(stored.values().stream().map(s -> Manifests.policy(s.manifest())).toList()));
    }

    public PolicyStore store() {
        return store;
    }

    public boolean isReady() {
        return ready;
    }

    /**
     * Stores and applies the documents of one request atomically, or (dry run) only says what would happen.
     * The engine computes the new maps first and the store commits after; if either fails the engine is put
     * back, nothing is stored and nothing published.
     */
    public ApplyOutcome apply(List<Document> documents, boolean dryRun) {
        List<Applied> outcome = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<Policy> changed = new ArrayList<>();
        long newRevision;
        lock.lock();
        try {
            List<Change> changes = new ArrayList<>();
            List<Result> results = new ArrayList<>();
            for (Document d : documents) {
                StoredPolicy existing = stored.get(d.policy().ref());
                Result result = existing == null ? Result.CREATED
                        : existing.manifest().equals(d.manifest()) ? Result.UNCHANGED : Result.CONFIGURED;
                results.add(result);
                warnings.addAll(Manifests.warnings(d.policy()));
                if (result != Result.UNCHANGED) {
                    changes.add(Change.apply(d.policy().ref(), d.manifest()));
                    changed.add(d.policy());
                }
            }
            newRevision = revision;
            if (!dryRun && !changes.isEmpty()) {
                Map<PolicyRef, Optional<Policy>> previous = new HashMap<>();
                changed.forEach(p -> previous.put(p.ref(), engine.policy(p.ref())));
                newRevision = computeThenCommit(() -> engine.apply(changed), () -> store.commit(changes),
                        () -> restore(previous));
            }
            for (int i = 0; i < documents.size(); i++) {
                Document d = documents.get(i);
                Result result = results.get(i);
                StoredPolicy existing = stored.get(d.policy().ref());
                long policyRevision = result == Result.UNCHANGED ? existing.revision() : dryRun ? 0 : newRevision;
                outcome.add(new Applied(d.policy().ref(), policyRevision, result));
                if (!dryRun && result != Result.UNCHANGED) {
                    stored.put(d.policy().ref(), new StoredPolicy(d.policy().ref(), d.manifest(), newRevision));
                }
            }
        } finally {
            lock.unlock();
        }
        if (!dryRun) {
            cidrIdentities.ensure(cidrs(changed));
        }
        return new ApplyOutcome(newRevision, outcome, warnings);
    }

    /** Deletes a stored policy; returns the new revision. Computes first, commits after, as {@link #apply}. */
    public long delete(PolicyRef ref) {
        lock.lock();
        try {
            if (!stored.containsKey(ref)) {
                throw new PolicyNotFoundException(ref);
            }
            Map<PolicyRef, Optional<Policy>> previous = Map.of(ref, engine.policy(ref));
            computeThenCommit(() -> engine.delete(ref), () -> store.commit(List.of(Change.delete(ref))),
                    () -> restore(previous));
            stored.remove(ref);
            return revision;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock: runs {@code compute} on the engine, then {@code commit}; publishes the computed changes
     * only once the commit returned. When either throws, {@code undo} puts the engine back and the failure
     * goes to the caller: nothing was stored.
     *
     * @return the committed revision, which is now the service's
     */
    private long computeThenCommit(Supplier<Changes> compute, Supplier<Long> commit, Runnable undo) {
        Changes changes;
        long committed;
        try {
            changes = compileTimer.record(compute);
            committed = commit.get();
        } catch (RuntimeException | Error e) {
            try {
                undo.run();
            } catch (RuntimeException undoFailure) {
                e.addSuppressed(undoFailure);
                LOG.errorf(undoFailure, "cannot put the engine back after a failed write; its maps may differ from "
                        + "the stored policies until the service restarts");
            }
            throw e;
        }
        revision = committed;
        published(changes);
        return committed;
    }

    /** Puts policies back as they were in the engine: the previous version, or none. */
    private void restore(Map<PolicyRef, Optional<Policy>> previous) {
        List<Policy> back = new ArrayList<>();
        previous.forEach((ref, policy) -> {
            if (policy.isPresent()) {
                back.add(policy.get());
            } else {
                engine.delete(ref);
            }
        });
        engine.apply(back);
        overflowingGauge.set(engine.overflows().size());
    }

    public void upsertIdentity(Identity identity) {
        locked(() -> mutate(() -> engine.upsertIdentity(identity)));
    }

    public void removeIdentity(long id) {
        locked(() -> mutate(() -> engine.removeIdentity(id)));
    }

    public void upsertEndpoint(EndpointInfo endpoint) {
        locked(() -> {
            EndpointInfo previous = endpoints.put(endpoint.key(), endpoint);
            if (previous != null && previous.identity() != endpoint.identity()) {
                unindex(previous);
                mutate(() -> engine.setNamedPorts(previous.identity(), namedPorts(previous.identity())));
            }
            endpointsByIdentity.computeIfAbsent(endpoint.identity(), k -> new LinkedHashSet<>()).add(endpoint.key());
            mutate(() -> engine.setNamedPorts(endpoint.identity(), namedPorts(endpoint.identity())));
        });
    }

    public void removeEndpoint(String key) {
        locked(() -> {
            EndpointInfo previous = endpoints.remove(key);
            if (previous != null) {
                unindex(previous);
                mutate(() -> engine.setNamedPorts(previous.identity(), namedPorts(previous.identity())));
            }
        });
    }

    /**
     * The inputs are bootstrapped: from now on changes are published. Reports the subjects that overflow and
     * has the publishing thread reconcile the topic with the whole engine once.
     */
    public void ready(PolicyPublisher readyPublisher) {
        locked(() -> {
            publisher = readyPublisher;
            report(engine.overflows());
            reconcileDue = true;
            ready = true;
            if (publishing == null) {
                publishing = Thread.ofPlatform().name("tendril-policy-publishing").daemon().start(this::publishLoop);
            }
            publishWork.signalAll();
            LOG.infof("inputs bootstrapped: %d subjects; reconciling %s", engine.subjects().size(), publisher.topic());
        });
    }

    /** Has the publishing thread send again what failed to publish. */
    public void retryFailedPublishes() {
        locked(() -> {
            if (publisher != null && publisher.hasFailures()) {
                reconcileDue = true;
                publishWork.signalAll();
            }
        });
    }

    /** Subjects whose last send failed: what the topic holds for them is unknown until a reconcile succeeds. */
    public Set<Long> unpublished() {
        lock.lock();
        try {
            return publisher == null ? Set.of() : publisher.unknown();
        } finally {
            lock.unlock();
        }
    }

    /** Whether every change so far has reached the topic (nothing marked, nothing failed): for tests. */
    public boolean publishedAll() {
        lock.lock();
        try {
            return ready && toPublish.isEmpty() && !reconcileDue && !sending && !publisher.hasFailures();
        } finally {
            lock.unlock();
        }
    }

    void stop(@Observes @Priority(10) ShutdownEvent event) {
        Thread thread;
        lock.lock();
        try {
            stopping = true;
            publishWork.signalAll();
            thread = publishing;
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The publishing thread: takes what is marked (or the whole engine) under the lock, sends it without. */
    private void publishLoop() {
        while (true) {
            Runnable send;
            lock.lock();
            try {
                while (!stopping && toPublish.isEmpty() && !reconcileDue) {
                    publishWork.awaitUninterruptibly();
                }
                if (stopping) {
                    return;
                }
                send = takeWork();
                sending = true;
            } finally {
                lock.unlock();
            }
            boolean failed;
            try {
                send.run();
                failed = publisher.hasFailures();
            } catch (RuntimeException e) {
                LOG.errorf(e, "publishing to %s failed; reconciling again in %s", publisher.topic(), PUBLISH_RETRY);
                failed = true;
            }
            lock.lock();
            try {
                sending = false;
                if (failed) {
                    reconcileDue = true;
                    if (!stopping) {
                        publishWork.await(PUBLISH_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Under the lock: what to send next, as a snapshot of the engine's current maps. */
    private Runnable takeWork() {
        long policyRevision = revision;
        PolicyPublisher target = publisher;
        if (reconcileDue) {
            reconcileDue = false;
            toPublish.clear();
            Map<Long, SubjectPolicy> all = new TreeMap<>(engine.subjects());
            List<Long> keep = engine.overflows().stream().map(Overflow::subject).toList();
            boolean first = firstReconcile;
            firstReconcile = false;
            return () -> {
                int sent = target.reconcile(all, keep, policyRevision);
                if (first) {
                    LOG.infof("%d subjects, %d sent to %s (the rest already published)", all.size(), sent, target.topic());
                }
            };
        }
        List<SubjectPolicy> changed = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        for (long subject : toPublish) {
            SubjectPolicy current = engine.subjects().get(subject);
            if (current != null) {
                changed.add(current);
            } else {
                removed.add(subject);
            }
        }
        toPublish.clear();
        return () -> target.publish(changed, removed, policyRevision);
    }

    /** Runs {@code reader} under the lock. */
    public <T> T read(Function<View, T> reader) {
        lock.lock();
        try {
            return reader.apply(new View() {
                @Override
                public PolicyEngine engine() {
                    return engine;
                }

                @Override
                public Map<PolicyRef, StoredPolicy> stored() {
                    return java.util.Collections.unmodifiableMap(stored);
                }

                @Override
                public Map<String, EndpointInfo> endpoints() {
                    return java.util.Collections.unmodifiableMap(endpoints);
                }

                @Override
                public long revision() {
                    return revision;
                }

                @Override
                public long publishedRevision(long subject) {
                    return publisher == null ? 0 : publisher.published(subject).map(PolicyPublisher.Published::revision).orElse(0L);
                }
            });
        } finally {
            lock.unlock();
        }
    }

    private void locked(Runnable work) {
        lock.lock();
        try {
            work.run();
        } finally {
            lock.unlock();
        }
    }

    private void mutate(Supplier<Changes> mutation) {
        published(compileTimer.record(mutation));
    }

    /** Marks what a mutation changed for the publishing thread and reports new overflows. */
    private void published(Changes changes) {
        overflowingGauge.set(engine.overflows().size());
        if (!ready || changes.isEmpty()) {
            return;
        }
        toPublish.addAll(changes.changed().keySet());
        toPublish.addAll(changes.removed());
        if (!toPublish.isEmpty()) {
            publishWork.signalAll();
        }
        report(changes.overflows());
    }

    private void report(List<Overflow> overflows) {
        for (Overflow o : overflows) {
            List<String> refs = o.policies().stream().map(PolicyRef::toString).toList();
            LOG.errorf("policy map of subject %d needs %d entries, more than map-max-entries %d; not published "
                    + "(agents keep its previous content). Policies: %s", o.subject(), o.entries(), o.maxEntries(), refs);
            overflowCounters.computeIfAbsent(o.subject(), s -> Counter.builder("tendril.policy.map.overflow")
                    .description("Times a subject's computed policy map exceeded map-max-entries")
                    .tag("subject", Long.toString(s)).register(registry)).increment();
            try {
                store.overflowed(new PolicyMapOverflowed(o.subject(), o.entries(), o.maxEntries(), refs));
            } catch (RuntimeException e) {
                LOG.errorf("cannot record the overflow of subject %d: %s", o.subject(), e.getMessage());
            }
        }
    }

    private void unindex(EndpointInfo endpoint) {
        Set<String> keys = endpointsByIdentity.get(endpoint.identity());
        if (keys != null) {
            keys.remove(endpoint.key());
            if (keys.isEmpty()) {
                endpointsByIdentity.remove(endpoint.identity());
            }
        }
    }

    /** The union of the named ports of an identity's endpoints, in a stable order. */
    private List<NamedPort> namedPorts(long identity) {
        SortedSet<NamedPort> union = new TreeSet<>(Comparator.comparing(NamedPort::name)
                .thenComparingInt(NamedPort::port).thenComparing(NamedPort::protocol));
        for (String key : endpointsByIdentity.getOrDefault(identity, Set.of())) {
            union.addAll(endpoints.get(key).namedPorts());
        }
        return List.copyOf(union);
    }

    private static Set<String> cidrs(Collection<Policy> policies) {
        Set<String> out = new TreeSet<>();
        policies.forEach(p -> out.addAll(Manifests.cidrPrefixes(p)));
        return out;
    }

    /** The endpoint a {@code namespace/pod} key names. */
    public Optional<EndpointInfo> endpoint(String key) {
        return read(v -> Optional.ofNullable(v.endpoints().get(key)));
    }
}
