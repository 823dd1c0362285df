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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
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
import java.util.concurrent.atomic.AtomicInteger;
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
 */
@ApplicationScoped
public class PolicyRuntime {

    private static final Logger LOG = Logger.getLogger(PolicyRuntime.class);

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

    /** Stores and applies the documents of one request atomically, or (dry run) only says what would happen. */
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
            newRevision = changes.isEmpty() || dryRun ? revision : store.commit(changes);
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
            if (!dryRun && !changed.isEmpty()) {
                revision = newRevision;
                mutate(() -> engine.apply(changed));
            }
        } finally {
            lock.unlock();
        }
        if (!dryRun) {
            cidrIdentities.ensure(cidrs(changed));
        }
        return new ApplyOutcome(newRevision, outcome, warnings);
    }

    /** Deletes a stored policy; returns the new revision. */
    public long delete(PolicyRef ref) {
        lock.lock();
        try {
            if (!stored.containsKey(ref)) {
                throw new PolicyNotFoundException(ref);
            }
            revision = store.commit(List.of(Change.delete(ref)));
            stored.remove(ref);
            mutate(() -> engine.delete(ref));
            return revision;
        } finally {
            lock.unlock();
        }
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
     * The inputs are bootstrapped: from now on changes are published. Reconciles the topic with the whole
     * engine once and reports the subjects that overflow.
     */
    public void ready(PolicyPublisher readyPublisher) {
        locked(() -> {
            publisher = readyPublisher;
            List<Overflow> overflows = engine.overflows();
            int sent = publisher.reconcile(engine.subjects(), overflows.stream().map(Overflow::subject).toList(), revision);
            report(overflows);
            ready = true;
            LOG.infof("inputs bootstrapped: %d subjects, %d sent to %s (the rest already published)",
                    engine.subjects().size(), sent, publisher.topic());
        });
    }

    /** Sends again what failed to publish. */
    public void retryFailedPublishes() {
        locked(() -> {
            if (publisher != null && publisher.hasFailures()) {
                publisher.reconcile(engine.subjects(), engine.overflows().stream().map(Overflow::subject).toList(), revision);
            }
        });
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
        Changes changes = compileTimer.record(mutation);
        overflowingGauge.set(engine.overflows().size());
        if (!ready || changes.isEmpty()) {
            return;
        }
        publisher.publish(changes.changed().values(), changes.removed(), revision);
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
