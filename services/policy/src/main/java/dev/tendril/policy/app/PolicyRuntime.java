package dev.tendril.policy.app;

import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.domain.Identity;
import dev.tendril.policy.domain.Policies;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyDocument;
import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.StoredPolicy;
import dev.tendril.policy.domain.SubjectPolicy;
import dev.tendril.policy.lb.LbDecider;
import dev.tendril.policy.lb.LbSettings;
import dev.tendril.policy.lb.MeshServices;
import dev.tendril.policy.lb.RemoteService;
import dev.tendril.policy.lb.ServiceLb;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The policy service's state behind one lock: the {@link PolicyEngine}, the stored policies and the endpoints
 * followed from Kafka. Every mutation (a REST write, an identity or endpoint record, a policy event another
 * replica wrote) runs under the lock, in order; so do reads that need a consistent view (trace, policy map).
 *
 * <p>Its parts: {@link PolicyWrites} decides and commits requests, {@link LogFollower} applies what other
 * replicas committed, {@link Publishing} publishes the maps while this replica leads. Before the inputs are
 * bootstrapped nothing is published (the maps would be transient); at {@link #ready} the replica stands for
 * leader. Several runtimes may share one database: any accepts writes, only the leader publishes.
 */
public final class PolicyRuntime {

    private static final System.Logger LOG = System.getLogger(PolicyRuntime.class.getName());

    /** A consistent view for readers, valid only inside {@link #read}. */
    public interface View {
        PolicyEngine engine();

        Map<PolicyRef, StoredPolicy> stored();

        Map<String, EndpointInfo> endpoints();

        long revision();

        /** The revision last published for a subject, 0 when never. */
        long publishedRevision(long subject);
    }

    private final RuntimeSettings settings;
    private final PolicyRepository store;
    private final ManifestReader manifests;
    private final CidrIdentityAllocator cidrs;
    private final Leadership leadership;
    private final RuntimeState state;
    private final EndpointIndex endpoints = new EndpointIndex();
    private final LogFollower follower;
    private final PolicyWrites writes;
    private final Publishing publishing;
    private final LbRuntime services;
    private final MeshServices meshServices = new MeshServices();

    public PolicyRuntime(
            RuntimeSettings settings,
            PolicyRepository store,
            ManifestReader manifests,
            CidrIdentityAllocator cidrs,
            Leadership leadership,
            PolicyMetrics metrics,
            LbRepository lbStore,
            LbSettings lbSettings) {
        this.settings = settings;
        this.store = store;
        this.manifests = manifests;
        this.cidrs = cidrs;
        this.leadership = leadership;
        this.state = new RuntimeState(new PolicyEngine(settings.clusterName(), settings.mapMaxEntries()), metrics);
        this.follower = new LogFollower(state, store, manifests, cidrs);
        this.writes = new PolicyWrites(state, store, follower, cidrs);
        this.publishing = new Publishing(state, store, leadership, settings.policyTopic());
        state.onChange(publishing::changed);
        this.services = new LbRuntime(
                state, lbStore, new LbDecider(lbSettings), leadership, endpoints::inNamespace, meshServices);
    }

    /** Rebuilds the state from the policy events and starts following the log. */
    public void start() {
        List<Policy> policies = new ArrayList<>();
        state.locked(() -> {
            PolicyRepository.Snapshot snapshot = store.rebuild();
            for (StoredPolicy p : snapshot.policies().values()) {
                try {
                    policies.add(manifests.policy(p.manifest()));
                    state.stored.put(p.ref(), p);
                } catch (RuntimeException e) {
                    LOG.log(
                            Level.ERROR,
                            "stored policy %s no longer parses and is not enforced: %s"
                                    .formatted(p.ref(), e.getMessage()));
                }
            }
            state.revision = snapshot.revision();
            state.position = snapshot.position();
            state.mutate(() -> state.engine.apply(policies));
            LOG.log(
                    Level.INFO,
                    "rebuilt %d policies at revision %d from the event store"
                            .formatted(state.stored.size(), state.revision));
        });
        cidrs.ensure(Policies.cidrPrefixes(policies));
        follower.start();
        services.start();
    }

    /** Stops publishing, gives the leadership up at once and stops following. */
    public void stop() {
        state.stopping = true;
        publishing.stopThread();
        // At once, so that a standby takes over without waiting for this session to time out.
        leadership.close();
        follower.stop();
        services.stop();
        publishing.closePublisher();
    }

    /**
     * The inputs are bootstrapped: the engine is warm, and this replica stands for leader. Once it leads, the
     * publishing thread makes a publisher with {@code publishers} (which reads the topic back), reports the
     * subjects that overflow and reconciles the topic with the whole engine once; then each mutation
     * publishes the subjects it changed.
     */
    public void ready(Supplier<? extends TopicPublisher<Long, SubjectPolicy>> publishers) {
        ready(publishers, null);
    }

    /** As {@link #ready(Supplier)}, and publishes tendril.services with {@code servicePublishers} (null: not). */
    public void ready(
            Supplier<? extends TopicPublisher<Long, SubjectPolicy>> publishers,
            Supplier<? extends TopicPublisher<String, ServiceLb>> servicePublishers) {
        state.locked(() -> {
            state.ready = true;
            publishing.begin(publishers);
            services.activate(servicePublishers);
            LOG.log(
                    Level.INFO,
                    "inputs bootstrapped: %d subjects; standing for leader of %s"
                            .formatted(state.engine.subjects().size(), settings.policyTopic()));
        });
        leadership.start(now -> {
            publishing.leading(now);
            services.leading(now);
        });
    }

    public boolean isReady() {
        return state.ready;
    }

    /** Whether this replica leads: holds the election lock and publishes. */
    public boolean isLeader() {
        return publishing.leading();
    }

    /** For tests and drills: gives the leadership up as a dying leader would and never takes it again. */
    public void resign() {
        leadership.resign();
    }

    /**
     * Stores and applies the documents of one request atomically, or (dry run) only says what would happen.
     * See {@link PolicyWrites}.
     */
    public ApplyOutcome apply(List<PolicyDocument> documents, boolean dryRun) {
        return writes.apply(documents, dryRun);
    }

    /**
     * Deletes a stored policy; returns the new revision.
     *
     * @throws dev.tendril.eventstore.CommandRejectedException (not found) when the policy does not exist
     */
    public long delete(PolicyRef ref) {
        return writes.delete(ref);
    }

    public void upsertIdentity(Identity identity) {
        state.locked(() -> state.mutate(() -> state.engine.upsertIdentity(identity)));
    }

    /** An identity of a ClusterMesh peer: selected by selectors, never a subject here. */
    public void upsertRemoteIdentity(Identity identity) {
        state.locked(() -> state.mutate(() -> state.engine.upsertRemoteIdentity(identity)));
    }

    public void removeIdentity(long id) {
        state.locked(() -> state.mutate(() -> state.engine.removeIdentity(id)));
    }

    public void upsertEndpoint(EndpointInfo endpoint) {
        state.locked(() -> {
            EndpointInfo previous = endpoints.view().get(endpoint.key());
            namedPortsChanged(endpoints.upsert(endpoint));
            if (!endpoint.equals(previous)) {
                services.endpointChanged(previous, endpoint);
            }
        });
    }

    public void removeEndpoint(String key) {
        state.locked(() -> {
            EndpointInfo previous = endpoints.view().get(key);
            namedPortsChanged(endpoints.remove(key));
            if (previous != null) {
                services.endpointChanged(previous, null);
            }
        });
    }

    /** A ClusterMesh peer's Service was published (or changed): the local global Service of its key merges it. */
    public void upsertRemoteService(String peer, String key, RemoteService service) {
        state.locked(() -> {
            if (meshServices.put(peer, key, service)) {
                services.remoteChanged(Set.of(key));
            }
        });
    }

    /** A ClusterMesh peer's Service is gone (its tombstone). */
    public void removeRemoteService(String peer, String key) {
        state.locked(() -> {
            if (meshServices.remove(peer, key)) {
                services.remoteChanged(Set.of(key));
            }
        });
    }

    /** A ClusterMesh peer was disconnected: its backends leave every local global Service. */
    public void removePeerServices(String peer) {
        state.locked(() -> services.remoteChanged(meshServices.removePeer(peer)));
    }

    /** How many Services of the ClusterMesh peer are known. */
    public int remoteServices(String peer) {
        return state.locked(() -> meshServices.services(peer));
    }

    /** The Services and EndpointSlices. */
    public LbRuntime services() {
        return services;
    }

    /** Whether this replica leads and every Service change so far has reached tendril.services. */
    public boolean servicesPublishedAll() {
        return services.publishedAll();
    }

    private void namedPortsChanged(List<Long> identities) {
        for (long identity : identities) {
            state.mutate(() -> state.engine.setNamedPorts(identity, endpoints.namedPorts(identity)));
            state.mutate(() -> state.engine.setEndpointAddresses(identity, endpoints.addresses(identity)));
        }
    }

    /** Has the publishing thread send again what failed to publish. */
    public void retryFailedPublishes() {
        publishing.retryFailed();
    }

    /** Subjects whose last send failed: what the topic holds for them is unknown until a reconcile succeeds. */
    public Set<Long> unpublished() {
        return publishing.unpublished();
    }

    /** Whether this replica leads and every change so far has reached the topic (nothing marked, nothing failed). */
    public boolean publishedAll() {
        return publishing.publishedAll();
    }

    /** Runs {@code reader} under the lock. */
    public <T> T read(Function<View, T> reader) {
        return state.locked(() -> reader.apply(new View() {
            @Override
            public PolicyEngine engine() {
                return state.engine;
            }

            @Override
            public Map<PolicyRef, StoredPolicy> stored() {
                return Collections.unmodifiableMap(state.stored);
            }

            @Override
            public Map<String, EndpointInfo> endpoints() {
                return endpoints.view();
            }

            @Override
            public long revision() {
                return state.revision;
            }

            @Override
            public long publishedRevision(long subject) {
                return publishing.publishedRevision(subject);
            }
        }));
    }

    /** The endpoint a {@code namespace/pod} key names. */
    public Optional<EndpointInfo> endpoint(String key) {
        return read(v -> Optional.ofNullable(v.endpoints().get(key)));
    }

    static void join(Thread thread) {
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
