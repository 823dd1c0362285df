package dev.tendril.identity.app;

import dev.tendril.eventstore.CommandHandler;
import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointCommand;
import dev.tendril.identity.domain.EndpointCommand.DeregisterEndpoint;
import dev.tendril.identity.domain.EndpointCommand.MarkEndpointTerminating;
import dev.tendril.identity.domain.EndpointCommand.RegisterEndpoint;
import dev.tendril.identity.domain.EndpointDecider;
import dev.tendril.identity.domain.EndpointEvent;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.LabelFilter;
import dev.tendril.identity.domain.Namespace;
import dev.tendril.identity.domain.NamespaceCommand.DeleteNamespace;
import dev.tendril.identity.domain.NamespaceCommand.UpsertNamespace;
import dev.tendril.identity.domain.NamespaceDecider;
import dev.tendril.identity.domain.NamespaceEvent;
import dev.tendril.identity.domain.PodIdentityLabels;
import dev.tendril.k8s.labels.Labels;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Namespaces and endpoints. Registering an endpoint resolves its identity labels to an identity,
 * claims its IPs and appends the endpoint's event in ONE transaction; a namespace relabel re-resolves
 * every endpoint of the namespace in the transaction that records it.
 *
 * <p>Removals (marking an endpoint terminating, deregistering it) are the commands on a single stream whose
 * read-model changes follow from their events alone, so they run through libs/eventstore's {@link CommandHandler}. The others cannot: a
 * registration also allocates or counts an identity and claims IPs, a relabel re-registers every
 * endpoint of the namespace, and a deletion decides on the endpoint count read under the namespace's
 * row lock in its own transaction.
 */
public final class EndpointRegistry {

    private final IdentityStorage storage;
    private final CommandHandler<EndpointCommand, Optional<Endpoint>, EndpointEvent> removals;
    private final IdentityAllocator allocator;
    private final LabelFilter filter;
    private final String clusterName;
    private final EndpointDecider endpoints = new EndpointDecider();
    private final NamespaceDecider namespaces = new NamespaceDecider();

    /**
     * @param removals runs {@link MarkEndpointTerminating} and {@link DeregisterEndpoint} on an endpoint's
     *     stream in one attempt (its read-model projector marks the row, or frees the endpoint's IPs, row and
     *     identity use); this registry retries them as it retries its own transactions
     */
    public EndpointRegistry(
            IdentityStorage storage,
            CommandHandler<EndpointCommand, Optional<Endpoint>, EndpointEvent> removals,
            IdentityAllocator allocator,
            LabelFilter filter,
            String clusterName) {
        this.storage = storage;
        this.removals = removals;
        this.allocator = allocator;
        this.filter = filter;
        this.clusterName = clusterName;
    }

    public static String namespaceStream(String name) {
        return "namespace/" + name;
    }

    public static String endpointStream(String namespace, String pod) {
        return "endpoint/" + namespace + "/" + pod;
    }

    /** The identity labels of an endpoint in a namespace (pod, namespace, service account and cluster labels, filtered). */
    public Labels identityLabels(EndpointSpec spec, Namespace namespace) {
        return PodIdentityLabels.of(
                namespace.name(), namespace.labels(), spec.labels(), spec.serviceAccount(), clusterName, filter);
    }

    // ---- namespaces

    /** Upserts a namespace; when its labels change, its endpoints move to the identities of their new labels. */
    public Namespace upsertNamespace(Namespace namespace) {
        return Retrying.inTransaction(storage, tx -> {
            Streams.Decided<Optional<Namespace>, NamespaceEvent> decided = Streams.decide(
                    tx.events(),
                    namespaceStream(namespace.name()),
                    namespaces,
                    NamespaceEvent.class,
                    new UpsertNamespace(namespace));
            if (decided.events().isEmpty()) {
                return namespace;
            }
            tx.endpoints().putNamespace(namespace);
            if (decided.before().isPresent()) {
                for (EndpointSpec spec : tx.endpoints().lockEndpointsOf(namespace.name())) {
                    register(tx, spec, namespace);
                }
            }
            return namespace;
        });
    }

    public void deleteNamespace(String name) {
        Retrying.inTransaction(storage, tx -> {
            // Lock the row first: a registration in this namespace (which share-locks it) either
            // committed before and is counted, or waits and then finds the namespace gone (422).
            tx.endpoints().lockNamespace(name);
            long count = tx.endpoints().countEndpoints(name);
            Streams.decide(
                    tx.events(),
                    namespaceStream(name),
                    namespaces,
                    NamespaceEvent.class,
                    new DeleteNamespace(name, count));
            tx.endpoints().deleteNamespace(name);
            return null;
        });
    }

    public List<Namespace> namespaces() {
        return storage.inTransaction(tx -> tx.endpoints().namespaces());
    }

    public Optional<Namespace> namespace(String name) {
        return storage.inTransaction(tx -> tx.endpoints().namespace(name));
    }

    // ---- endpoints

    /** Registers or updates an endpoint and returns it with its identity. */
    public Endpoint register(EndpointSpec spec) {
        return Retrying.inTransaction(storage, tx -> {
            Namespace namespace = tx.endpoints()
                    .shareNamespace(spec.namespace())
                    .orElseThrow(() -> new UnknownReferenceException(
                            "namespace",
                            "namespace '" + spec.namespace() + "' does not exist; create it first (PUT /v1/namespaces/"
                                    + spec.namespace() + ")"));
            return register(tx, spec, namespace);
        });
    }

    private Endpoint register(StorageTransaction tx, EndpointSpec spec, Namespace namespace) {
        String stream = endpointStream(spec.namespace(), spec.pod());
        Streams.Loaded<Optional<Endpoint>> loaded = Streams.load(tx.events(), stream, endpoints, EndpointEvent.class);
        Optional<Endpoint> previous = loaded.state();
        Labels labels = identityLabels(spec, namespace);
        long identity;
        boolean acquired;
        if (previous.isPresent() && tx.identities().hasLabels(previous.get().identity(), labels)) {
            // The identity still has exactly these labels: the endpoint keeps it without a new count.
            identity = previous.get().identity();
            acquired = false;
        } else {
            identity = allocator.acquire(tx, labels, true).id();
            acquired = true;
        }
        claimIps(tx.endpoints(), spec, previous);
        Streams.Decided<Optional<Endpoint>, EndpointEvent> decided = Streams.decideFrom(
                tx.events(),
                stream,
                endpoints,
                EndpointEvent.class,
                new RegisterEndpoint(spec, identity),
                previous,
                loaded.version());
        if (acquired && previous.isPresent()) {
            tx.identities().releaseUse(previous.get().identity());
        }
        Endpoint endpoint = decided.after().orElseThrow();
        if (!decided.events().isEmpty()) {
            tx.endpoints().putEndpoint(endpoint);
        }
        return endpoint;
    }

    /** One IP, one live endpoint: the read model refuses a second holder, named in the 409. */
    private static void claimIps(EndpointRows rows, EndpointSpec spec, Optional<Endpoint> previous) {
        Set<String> wanted = new HashSet<>(spec.ips().all());
        Set<String> held = new HashSet<>(previous.map(p -> p.spec().ips().all()).orElse(List.of()));
        for (String ip : spec.ips().all()) {
            if (held.contains(ip) || rows.claimIp(ip, spec.namespace(), spec.pod())) {
                continue;
            }
            String owner = rows.ipHolder(ip).orElse("another endpoint");
            if (!owner.equals(spec.key())) {
                throw CommandRejectedException.conflict("ips", "IP " + ip + " is held by endpoint " + owner);
            }
        }
        for (String ip : held) {
            if (!wanted.contains(ip)) {
                rows.releaseIp(ip, spec.namespace(), spec.pod());
            }
        }
    }

    public void deregister(String namespace, String pod) {
        deregister(namespace, pod, "");
    }

    /** @param uid when not empty, only the incarnation with this pod uid is deregistered (else not found) */
    public void deregister(String namespace, String pod, String uid) {
        Retrying.run(
                storage,
                () -> removals.handle(endpointStream(namespace, pod), new DeregisterEndpoint(namespace, pod, uid)));
    }

    /**
     * Marks the endpoint terminating: a deletion with a grace period has begun; it keeps its identity and IPs
     * until {@link #deregister}. Idempotent.
     *
     * @param uid when not empty, only the incarnation with this pod uid is marked (else not found)
     * @return the endpoint, terminating
     */
    public Endpoint markTerminating(String namespace, String pod, String uid) {
        return Retrying.run(
                        storage,
                        () -> removals.handle(
                                endpointStream(namespace, pod), new MarkEndpointTerminating(namespace, pod, uid)))
                .state()
                .orElseThrow();
    }

    public Optional<Endpoint> endpoint(String namespace, String pod) {
        return storage.inTransaction(tx -> tx.endpoints().endpoint(namespace, pod));
    }

    /** Endpoints matching every filter given (null = any), by namespace and pod. */
    public List<Endpoint> endpoints(String namespace, String node, Long identity) {
        return storage.inTransaction(tx -> tx.endpoints().endpoints(namespace, node, identity));
    }
}
