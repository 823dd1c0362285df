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
 * {@link #ready} the replica stands for leader, and once it leads the publisher reconciles the topic with
 * the whole engine once, then each mutation publishes the subjects it changed.
 *
 * <p>Publishing runs on a thread of its own, never under a request: a mutation marks the subjects it
 * changed and returns; the publishing thread takes the marked subjects' current maps under the lock and
 * sends them without it. A REST write therefore answers once PostgreSQL committed it, whether Kafka is
 * reachable or not; while it is not, the publishing thread reconciles again every
 * {@link #PUBLISH_RETRY} until the topic holds every map.
 *
 * <p>A REST write computes its maps first and commits after: whatever fails (the engine, the commit)
 * leaves nothing stored and the engine as it was, so a refused or failed request changes nothing.
 *
 * <p>Replicas: several runtimes may share one database. Each follows the policy event log by position
 * ({@code tendril-policy-log} thread, and at the start of every write under the revision row lock), so
 * every replica's engine holds every replica's writes, and any replica accepts writes. Only the leader
 * ({@link PolicyLeadership}) publishes; on taking over it reads the topic back and reconciles the whole
 * (already warm) engine, which sends only what the previous leader had not published.
 */
@ApplicationScoped
public class PolicyRuntime {

    private static final Logger LOG = Logger.getLogger(PolicyRuntime.class);
    /** Wait before reconciling again after a failed send. */
    static final Duration PUBLISH_RETRY = Duration.ofSeconds(1);
    /** How often a replica looks for policy events that other replicas committed. */
    static final Duration FOLLOW_EVERY = Duration.ofMillis(100);
    private static final int FOLLOW_PAGE = 1_000;

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
    /** Makes the publisher of a new leadership: creates the topic if missing and reads it back. */
    private Supplier<PolicyPublisher> publishers;
    private PolicyLeadership leadership;
    /** This replica leads (under the lock; volatile for health checks). */
    private volatile boolean leading;
    /** Position of the last policy event applied to the engine (under the lock). */
    private long position;
    /** Leaderships this replica began (under the lock): a publisher made for an earlier one is stale. */
    private long leaderships;
    private Thread following;
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
        Gauge.builder("tendril.policy.leader", () -> leading ? 1 : 0)
                .description("1 while this replica leads and publishes tendril.policy, 0 on a standby").register(registry);
        leadership = new PolicyLeadership(eventStore.transactions().dataSource(), config.topics().policy(), this::leading);
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
            position = snapshot.position();
            mutate(() -> engine.apply(policies));
            LOG.infof("rebuilt %d policies at revision %d from the event store", stored.size(), revision);
        } finally {
            lock.unlock();
        }
        cidrIdentities.ensure(cidrs(stored.values().stream().map(s -> Manifests.policy(s.manifest())).toList()));
        following = Thread.ofPlatform().name("tendril-policy-log").daemon().start(this::followLog);
    }

    /**
     * A runtime outside CDI, as a second replica on the same database would run (tests, benchmarks). Call
     * {@link #startReplica} to rebuild it and {@link #stopReplica} to end it.
     */
    public static PolicyRuntime replica(PolicyServiceConfig config, EventStore eventStore, MeterRegistry registry,
            CidrIdentities cidrIdentities) {
        PolicyRuntime runtime = new PolicyRuntime();
        runtime.config = config;
        runtime.eventStore = eventStore;
        runtime.registry = registry;
        runtime.cidrIdentities = cidrIdentities;
        return runtime;
    }

    public void startReplica() {
        start(null);
    }

    public void stopReplica() {
        stop(null);
    }

    /** Whether this replica leads: holds the election lock and publishes. */
    public boolean isLeader() {
        return leading;
    }

    /** For tests and drills: gives the leadership up as a dying leader would and never takes it again. */
    public void resign() {
        leadership.resign();
    }

    /** Follows the policies other replicas write, every {@link #FOLLOW_EVERY}. */
    private void followLog() {
        while (!stopping) {
            try {
                follow();
            } catch (RuntimeException e) {
                LOG.warnf("cannot read the policy event log (retrying): %s", e.getMessage());
            }
            try {
                Thread.sleep(FOLLOW_EVERY);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Applies the policy events committed since the last one applied (by another replica). */
    void follow() {
        while (!stopping) {
            long from;
            lock.lock();
            try {
                from = position;
            } finally {
                lock.unlock();
            }
            List<PolicyStore.Logged> page = store.after(from, FOLLOW_PAGE);
            if (!page.isEmpty()) {
                locked(() -> catchUp(page));
            }
            if (page.size() < FOLLOW_PAGE) {
                return;
            }
        }
    }

    /**
     * Under the lock: applies logged policy events this engine has not seen (positions up to
     * {@link #position} are already applied, whoever read them). A manifest that no longer parses is
     * logged and not enforced, as at a rebuild.
     */
    private void catchUp(List<PolicyStore.Logged> events) {
        List<Policy> changedPolicies = new ArrayList<>();
        for (PolicyStore.Logged logged : events) {
            if (logged.position() <= position) {
                continue;
            }
            position = logged.position();
            PolicyRef ref = logged.event().ref();
            revision = Math.max(revision, logged.event().revision());
            switch (logged.event()) {
                case dev.tendril.policy.adapters.persistence.PolicyEvent.PolicyApplied a -> {
                    try {
                        Policy policy = Manifests.policy(a.manifest());
                        mutate(() -> engine.apply(List.of(policy)));
                        stored.put(ref, new StoredPolicy(ref, a.manifest(), a.revision()));
                        changedPolicies.add(policy);
                    } catch (RuntimeException e) {
                        LOG.errorf("policy %s written by another replica does not parse and is not enforced: %s",
                                ref, e.getMessage());
                    }
                }
                case dev.tendril.policy.adapters.persistence.PolicyEvent.PolicyDeleted d -> {
                    if (stored.remove(ref) != null) {
                        mutate(() -> engine.delete(ref));
                    }
                }
            }
        }
        if (!changedPolicies.isEmpty()) {
            cidrIdentities.ensure(cidrs(changedPolicies));
        }
    }

    public PolicyStore store() {
        return store;
    }

    public boolean isReady() {
        return ready;
    }

    /**
     * Stores and applies the documents of one request atomically, or (dry run) only says what would happen.
     * The write holds the revision row lock ({@link PolicyStore#write}): it first applies what other
     * replicas committed, then decides against that state. The engine computes the new maps first and the
     * store commits after; if either fails the engine is put back, nothing is stored and nothing published.
     */
    public ApplyOutcome apply(List<Document> documents, boolean dryRun) {
        if (dryRun) {
            follow();
        }
        Decision decision;
        long newRevision;
        lock.lock();
        try {
            if (dryRun) {
                decision = decide(documents);
                newRevision = revision;
            } else {
                Undo undo = new Undo();
                Written written = write(undo, locked -> {
                    catchUp(locked.after(position));
                    Decision d = decide(documents);
                    if (d.changes().isEmpty()) {
                        return new Written(d, null, null);
                    }
                    d.changed().forEach(p -> undo.previous.put(p.ref(), engine.policy(p.ref())));
                    Changes computed = compileTimer.record(() -> engine.apply(d.changed()));
                    return new Written(d, computed, locked.commit(d.changes()));
                });
                decision = written.decision();
                newRevision = committed(written);
            }
            for (int i = 0; !dryRun && i < documents.size(); i++) {
                Applied a = decision.outcome().get(i);
                if (a.result() != Result.UNCHANGED) {
                    stored.put(a.ref(), new StoredPolicy(a.ref(), documents.get(i).manifest(), newRevision));
                }
            }
        } finally {
            lock.unlock();
        }
        List<Applied> outcome = new ArrayList<>();
        for (Applied a : decision.outcome()) {
            long policyRevision = a.result() == Result.UNCHANGED ? a.revision() : dryRun ? 0 : newRevision;
            outcome.add(new Applied(a.ref(), policyRevision, a.result()));
        }
        if (!dryRun) {
            cidrIdentities.ensure(cidrs(decision.changed()));
        }
        return new ApplyOutcome(newRevision, outcome, decision.warnings());
    }

    /** Deletes a stored policy; returns the new revision. Computes first, commits after, as {@link #apply}. */
    public long delete(PolicyRef ref) {
        lock.lock();
        try {
            Undo undo = new Undo();
            Written written = write(undo, locked -> {
                catchUp(locked.after(position));
                if (!stored.containsKey(ref)) {
                    throw new PolicyNotFoundException(ref);
                }
                undo.previous.put(ref, engine.policy(ref));
                Changes computed = compileTimer.record(() -> engine.delete(ref));
                return new Written(null, computed, locked.commit(List.of(Change.delete(ref))));
            });
            committed(written);
            stored.remove(ref);
            return revision;
        } finally {
            lock.unlock();
        }
    }

    /** What a request would do on the current state; per document its result and the revision it has now. */
    private record Decision(List<Applied> outcome, List<Change> changes, List<Policy> changed, List<String> warnings) {
    }

    /** A write as the transaction left it: the computed maps and the commit (both null when nothing changed). */
    private record Written(Decision decision, Changes computed, PolicyStore.Committed commit) {
    }

    /** The engine's policies before a write changed them, to put back when the write fails. */
    private static final class Undo {
        final Map<PolicyRef, Optional<Policy>> previous = new HashMap<>();
    }

    /** Under the lock: decides each document against the stored policies. */
    private Decision decide(List<Document> documents) {
        List<Applied> outcome = new ArrayList<>();
        List<Change> changes = new ArrayList<>();
        List<Policy> changed = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Document d : documents) {
            StoredPolicy existing = stored.get(d.policy().ref());
            Result result = existing == null ? Result.CREATED
                    : existing.manifest().equals(d.manifest()) ? Result.UNCHANGED : Result.CONFIGURED;
            outcome.add(new Applied(d.policy().ref(), existing == null ? 0 : existing.revision(), result));
            warnings.addAll(Manifests.warnings(d.policy()));
            if (result != Result.UNCHANGED) {
                changes.add(Change.apply(d.policy().ref(), d.manifest()));
                changed.add(d.policy());
            }
        }
        return new Decision(outcome, changes, changed, warnings);
    }

    /**
     * Under the lock: runs {@code work} in one write transaction holding the revision lock. When the work or
     * the commit throws, {@code undo} puts the engine back and the failure goes to the caller: nothing was
     * stored.
     */
    private Written write(Undo undo, PolicyStore.Write<Written> work) {
        try {
            return store.write(work);
        } catch (RuntimeException | Error e) {
            if (!undo.previous.isEmpty()) {
                try {
                    restore(undo.previous);
                } catch (RuntimeException undoFailure) {
                    e.addSuppressed(undoFailure);
                    LOG.errorf(undoFailure, "cannot put the engine back after a failed write; its maps may differ "
                            + "from the stored policies until the service restarts");
                }
            }
            throw e;
        }
    }

    /**
     * Under the lock, once the write committed: its revision is now the service's, its events are applied,
     * and the maps it computed are published.
     *
     * @return the service's revision
     */
    private long committed(Written written) {
        if (written.commit() != null) {
            revision = written.commit().revision();
            position = Math.max(position, written.commit().position());
            published(written.computed());
        }
        return revision;
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
     * The inputs are bootstrapped: the engine is warm, and this replica stands for leader. Once it leads, the
     * publishing thread makes a publisher with {@code publishers} (which reads the topic back), reports the
     * subjects that overflow and reconciles the topic with the whole engine once; then each mutation
     * publishes the subjects it changed.
     */
    public void ready(Supplier<PolicyPublisher> publishers) {
        locked(() -> {
            this.publishers = publishers;
            ready = true;
            if (publishing == null) {
                publishing = Thread.ofPlatform().name("tendril-policy-publishing").daemon().start(this::publishLoop);
            }
            LOG.infof("inputs bootstrapped: %d subjects; standing for leader of %s", engine.subjects().size(),
                    config.topics().policy());
        });
        leadership.start();
    }

    /** The election's word: this replica leads now, or no longer. Never called under the lock. */
    private void leading(boolean now) {
        PolicyPublisher retired = null;
        lock.lock();
        try {
            leading = now;
            if (now) {
                leaderships++;
            } else {
                retired = publisher;
                publisher = null;
                toPublish.clear();
                reconcileDue = false;
                LOG.infof("this replica stands by: it no longer publishes %s", config.topics().policy());
            }
            publishWork.signalAll();
        } finally {
            lock.unlock();
        }
        if (retired != null) {
            // Not on the caller's thread: the election waits for nothing while the producer drains.
            PolicyPublisher closing = retired;
            Thread.ofVirtual().name("tendril-policy-publisher-close").start(closing::close);
        }
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

    /** Whether this replica leads and every change so far has reached the topic (nothing marked, nothing failed). */
    public boolean publishedAll() {
        lock.lock();
        try {
            return ready && leading && publisher != null && toPublish.isEmpty() && !reconcileDue && !sending
                    && !publisher.hasFailures();
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
        join(thread);
        // At once, so that a standby takes over without waiting for this session to time out.
        leadership.close();
        if (following != null) {
            following.interrupt();
            join(following);
        }
        PolicyPublisher last;
        lock.lock();
        try {
            last = publisher;
            publisher = null;
        } finally {
            lock.unlock();
        }
        if (last != null) {
            last.close();
        }
    }

    private static void join(Thread thread) {
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The publishing thread: while this replica leads, takes what is marked (or the whole engine) under the
     * lock and sends it without, after confirming the leadership (fencing).
     */
    private void publishLoop() {
        while (true) {
            Runnable send;
            PolicyPublisher target;
            long leadership;
            lock.lock();
            try {
                while (!stopping && !(leading && (publisher == null || !toPublish.isEmpty() || reconcileDue))) {
                    publishWork.awaitUninterruptibly();
                }
                if (stopping) {
                    return;
                }
                target = publisher;
                leadership = leaderships;
                send = target == null ? null : takeWork();
                sending = target != null;
            } finally {
                lock.unlock();
            }
            if (target == null) {
                takeOver(leadership);
                continue;
            }
            boolean failed;
            try {
                if (!this.leadership.confirm()) {
                    // Lost between taking the work and sending it: the new leader reconciles instead.
                    locked(() -> sending = false);
                    continue;
                }
                send.run();
                failed = target.hasFailures();
            } catch (RuntimeException e) {
                LOG.errorf(e, "publishing to %s failed; reconciling again in %s", target.topic(), PUBLISH_RETRY);
                failed = true;
            }
            lock.lock();
            try {
                sending = false;
                if (failed && target == publisher) {
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

    /**
     * Begins publishing as the new leader: reads the topic back (what the previous leader published) with a
     * fresh publisher, reports overflowing subjects, and has the whole engine reconciled. Retried every
     * {@link #PUBLISH_RETRY} while Kafka is unreachable.
     */
    private void takeOver(long leadership) {
        PolicyPublisher fresh;
        try {
            fresh = publishers.get();
        } catch (RuntimeException e) {
            LOG.warnf("cannot read %s back to begin publishing (retrying in %s): %s", config.topics().policy(),
                    PUBLISH_RETRY, e.getMessage());
            lock.lock();
            try {
                if (!stopping) {
                    publishWork.await(PUBLISH_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
            return;
        }
        lock.lock();
        try {
            if (leading && !stopping && publisher == null && leaderships == leadership) {
                publisher = fresh;
                fresh = null;
                reconcileDue = true;
                firstReconcile = true;
                report(engine.overflows());
                LOG.infof("leading with %d subjects; reconciling %s", engine.subjects().size(), publisher.topic());
            }
        } finally {
            lock.unlock();
        }
        if (fresh != null) {
            fresh.close();
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
        if (!ready || !leading || publisher == null || changes.isEmpty()) {
            // A standby (or a leader still reading the topic back) reconciles everything when it begins.
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
