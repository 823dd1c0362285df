package dev.tendril.agent.endpoint;

import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.LocalEndpointTable;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.NamedPort;
import dev.tendril.api.v1.RegisterEndpointRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Creates and deletes this node's endpoints (CNI ADD / DEL). A creation takes addresses from IPAM,
 * registers the endpoint with the identity service, records it in the endpoint table (with its
 * endpoint id), writes its maps and wires its pod ({@link PodNetwork}); a failure undoes the steps done,
 * in reverse, so no address, no map and no namespace leaks. A deletion marks the endpoint first (its
 * maps go at once and a retry resumes), then removes pod, maps, registration and addresses in reverse
 * order; every step is idempotent. A deletion with a grace period (Kubernetes' Terminating) first only marks
 * the endpoint terminating, here and at the identity service (it keeps pod, maps, identity and addresses but takes
 * no new Service connections), and {@link #finishTerminations} deletes it when the period is over.
 *
 * <p>Calls are serialised: endpoint churn on one node is a few per second at most, and one lock keeps
 * the table, the maps and the rollback simple.
 */
public final class EndpointManager {

    private static final Logger LOG = Logger.getLogger(EndpointManager.class.getName());

    /**
     * @param created false when the request repeated or relabelled an existing endpoint
     */
    public record Result(LocalEndpoint endpoint, boolean created) {}

    /** @param removeAt when the terminating endpoint will be deleted; null when it is deleted already */
    public record Deletion(LocalEndpoint endpoint, Instant removeAt) {}

    private final String node;
    private final LocalEndpointTable table;
    private final IpamClient ipam;
    private final IdentityClient identity;
    private final LocalMaps maps;
    private final PodNetwork pods;
    private final Runnable persist;
    private final InstantSource clock;

    /** The same on the model datapath: no pod is wired. */
    public EndpointManager(
            String node,
            LocalEndpointTable table,
            IpamClient ipam,
            IdentityClient identity,
            LocalMaps maps,
            Runnable persist) {
        this(node, table, ipam, identity, maps, PodNetwork.model("no pod network given"), persist);
    }

    /** @param persist saves the table; called after each change of it */
    public EndpointManager(
            String node,
            LocalEndpointTable table,
            IpamClient ipam,
            IdentityClient identity,
            LocalMaps maps,
            PodNetwork pods,
            Runnable persist) {
        this(node, table, ipam, identity, maps, pods, persist, InstantSource.system());
    }

    /** @param clock what grace periods are measured by */
    public EndpointManager(
            String node,
            LocalEndpointTable table,
            IpamClient ipam,
            IdentityClient identity,
            LocalMaps maps,
            PodNetwork pods,
            Runnable persist,
            InstantSource clock) {
        this.clock = clock;
        this.node = node;
        this.table = table;
        this.ipam = ipam;
        this.identity = identity;
        this.maps = maps;
        this.pods = pods;
        this.persist = persist;
    }

    public synchronized Result create(EndpointSpec spec) {
        String key = spec.key();
        Optional<LocalEndpoint> existing = table.registered(key);
        Optional<Instant> terminating = table.terminatingUntil(key);
        if (terminating.isPresent()) {
            throw new EndpointRejectedException(
                    409,
                    "pod",
                    "pod: " + key + " is terminating until " + terminating.get()
                            + "; wait, or delete it with gracePeriodSeconds=0 first");
        }
        if (existing.isPresent()) {
            LocalEndpoint ep = existing.get();
            if (!ep.uid().equals(spec.uid())) {
                throw new EndpointRejectedException(
                        409,
                        "uid",
                        "uid: " + key + " exists with uid " + ep.uid() + "; delete it before adding uid " + spec.uid());
            }
            if (table.isDeleting(key)) {
                throw new EndpointRejectedException(
                        409, "uid", "uid: " + key + " is being deleted; retry the delete first");
            }
            if (spec.digest().equals(table.digest(key))) {
                return new Result(ep, false);
            }
            return relabel(ep, spec);
        }
        if (table.isDeleting(key)) {
            throw new EndpointRejectedException(
                    409, "pod", "pod: " + key + " is being deleted; retry the delete first");
        }
        int endpointId;
        try {
            endpointId = table.reserveId(spec.uid());
        } catch (IllegalStateException e) {
            throw new UpstreamException(503, null, e.getMessage(), e);
        }
        persist.run();
        Deque<Step> undo = new ArrayDeque<>();
        // Set when the identity service refused the registration outright: then no endpoint ever had the
        // addresses (nothing reached an ipcache) and IPAM may free them at once instead of quarantining them.
        boolean[] refusedByIdentity = {false};
        try {
            List<String> ips = ipam.allocatePodIps(node, key, spec.uid());
            undo.push(new Step(
                    "release addresses " + ips, () -> ipam.releasePod(node, spec.uid(), refusedByIdentity[0])));
            Endpoint registered;
            try {
                registered = identity.registerEndpoint(request(spec, ips));
            } catch (UpstreamException e) {
                // 4xx: refused, nothing recorded. 5xx (unavailable, timeout): it may have been recorded.
                refusedByIdentity[0] = e.status() >= 400 && e.status() < 500;
                throw e;
            }
            undo.push(new Step(
                    "deregister " + key, () -> identity.deregisterEndpoint(spec.namespace(), spec.pod(), spec.uid())));
            LocalEndpoint ep = new LocalEndpoint(
                    spec.namespace(),
                    spec.pod(),
                    spec.uid(),
                    endpointId,
                    family(ips, false),
                    family(ips, true),
                    Integer.toUnsignedLong(registered.getIdentity()));
            table.register(ep, spec.digest());
            persist.run();
            undo.push(new Step("remove maps of " + key, () -> {
                table.remove(key);
                persist.run();
                maps.uninstall(ep);
            }));
            maps.install(ep);
            undo.push(new Step("unwire pod " + key, () -> pods.detach(ep)));
            attach(ep);
            return new Result(ep, true);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "creating endpoint " + key + " failed, rolling back: " + e.getMessage());
            while (!undo.isEmpty()) {
                Step step = undo.pop();
                try {
                    step.action().run();
                } catch (RuntimeException r) {
                    LOG.log(Level.SEVERE, "rollback of " + key + ": " + step.what() + " failed: " + r.getMessage(), r);
                }
            }
            table.release(spec.uid());
            persist.run();
            if (e instanceof IllegalStateException) {
                throw new UpstreamException(503, null, "maps: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private Result relabel(LocalEndpoint ep, EndpointSpec spec) {
        List<String> ips =
                List.of(ep.ipv4(), ep.ipv6()).stream().filter(s -> !s.isEmpty()).toList();
        Endpoint registered = identity.registerEndpoint(request(spec, ips));
        LocalEndpoint updated = ep.withIdentity(Integer.toUnsignedLong(registered.getIdentity()));
        table.register(updated, spec.digest());
        persist.run();
        try {
            maps.install(updated);
        } catch (IllegalStateException e) {
            // The registration stands; the periodic reconcile writes the maps again.
            LOG.log(Level.WARNING, "maps of relabelled " + ep.key() + ": " + e.getMessage());
        }
        return new Result(updated, false);
    }

    /**
     * Deletes with a grace period: zero deletes at once ({@link #delete(String, String, String)}), also an endpoint
     * terminating already (kubectl's {@code --force --grace-period=0}); more marks the endpoint terminating until
     * now + grace (a later request may shorten that, never lengthen it, as in Kubernetes). An endpoint this agent
     * did not create through its API, or one whose deletion already began, is deleted at once.
     *
     * @throws EndpointRejectedException 404 when the agent has no such endpoint, 409 on a uid mismatch
     */
    public synchronized Deletion delete(String namespace, String pod, String uid, Duration grace) {
        String key = namespace + "/" + pod;
        Optional<LocalEndpoint> registered = table.registered(key);
        if (grace.isZero() || registered.isEmpty() || table.isDeleting(key)) {
            return new Deletion(delete(namespace, pod, uid), null);
        }
        LocalEndpoint ep = registered.get();
        if (uid != null && !uid.isEmpty() && !uid.equals(ep.uid())) {
            throw new EndpointRejectedException(409, "uid", "uid: " + key + " has uid " + ep.uid() + ", not " + uid);
        }
        Instant removeAt = clock.instant().plus(grace);
        Optional<Instant> current = table.terminatingUntil(key);
        if (current.isPresent() && !removeAt.isBefore(current.get())) {
            return new Deletion(ep, current.get());
        }
        // Recorded before the identity service hears of it: an agent stopped in between still deletes it when due.
        table.markTerminating(key, removeAt);
        persist.run();
        if (current.isEmpty()) {
            try {
                identity.markEndpointTerminating(namespace, pod, ep.uid());
            } catch (RuntimeException e) {
                table.unmarkTerminating(key);
                persist.run();
                throw e;
            }
        }
        LOG.info("endpoint " + key + " (uid " + ep.uid() + ") is terminating until " + removeAt);
        return new Deletion(ep, removeAt);
    }

    /**
     * Deletes the terminating endpoints whose grace period is over (also those an agent restart interrupted); one
     * whose deletion fails stays and is retried on the next call.
     *
     * @return how many were deleted
     */
    public synchronized int finishTerminations() {
        int finished = 0;
        for (LocalEndpoint ep : table.dueTerminations(clock.instant())) {
            try {
                delete(ep.namespace(), ep.pod(), ep.uid());
                finished++;
            } catch (RuntimeException e) {
                LOG.log(
                        Level.WARNING,
                        "deleting terminating " + ep.key() + " failed, retried later: " + e.getMessage());
            }
        }
        return finished;
    }

    /**
     * @param uid when given, must be the endpoint's uid (a stale CNI DEL must not remove a new incarnation)
     * @throws EndpointRejectedException 404 when the agent has no such endpoint, 409 on a uid mismatch
     */
    public synchronized LocalEndpoint delete(String namespace, String pod, String uid) {
        String key = namespace + "/" + pod;
        Optional<LocalEndpoint> registered = table.registered(key);
        if (registered.isEmpty()) {
            return deleteUnrecorded(namespace, pod, uid);
        }
        LocalEndpoint ep = registered.get();
        if (uid != null && !uid.isEmpty() && !uid.equals(ep.uid())) {
            throw new EndpointRejectedException(409, "uid", "uid: " + key + " has uid " + ep.uid() + ", not " + uid);
        }
        table.markDeleting(key);
        persist.run();
        detach(ep);
        try {
            maps.uninstall(ep);
        } catch (IllegalStateException e) {
            throw new UpstreamException(503, null, "maps: " + e.getMessage(), e);
        }
        // Deleted upstream already: the identity service may hold another incarnation of the pod by now.
        if (!table.isGoneUpstream(key)) {
            identity.deregisterEndpoint(namespace, pod, ep.uid());
        }
        ipam.releasePod(node, ep.uid());
        table.remove(key);
        persist.run();
        return ep;
    }

    /**
     * A CNI DEL for a pod incarnation this agent has no record of: either the topic shows it on this node with
     * that uid, or its creation did not finish (the agent was killed between the identity registration and
     * saving its table, and the kubelet, which never got an answer, deletes the pod). Either way the identity
     * service and IPAM may hold it: both are cleaned up, for that uid only. Without a uid, or for a pod
     * neither source knows, the answer stays 404.
     */
    private LocalEndpoint deleteUnrecorded(String namespace, String pod, String uid) {
        String key = namespace + "/" + pod;
        boolean uidGiven = uid != null && !uid.isEmpty();
        Optional<LocalEndpoint> shown =
                table.servedFromTopic(key).filter(e -> uidGiven && e.uid().equals(uid));
        if (shown.isEmpty() && !(uidGiven && table.unfinishedCreation(uid))) {
            throw new EndpointRejectedException(404, "pod", "pod: no endpoint " + key + " was created on node " + node);
        }
        try {
            shown.ifPresent(maps::uninstall);
        } catch (IllegalStateException e) {
            throw new UpstreamException(503, null, "maps: " + e.getMessage(), e);
        }
        identity.deregisterEndpoint(namespace, pod, uid);
        List<String> released = ipam.releasePod(node, uid);
        table.forgetIncarnation(key, uid);
        persist.run();
        LOG.info("deleted " + key + " (uid " + uid + "), which this agent had no record of"
                + (shown.isPresent() ? " (shown by tendril.endpoints)" : " (its creation did not finish)")
                + "; released " + released);
        return shown.orElseGet(() -> new LocalEndpoint(namespace, pod, uid, 0, "", "", 0));
    }

    /**
     * Finishes the deletion of the endpoints created through this API that were deleted upstream (their
     * record left tendril.endpoints, see {@link LocalEndpointTable#resolveLatest}): their maps go, their
     * addresses are released (quarantined: they were in ipcaches) and their endpoint ids freed. Every step
     * is idempotent; an endpoint whose step fails stays "deleting" and is retried on the next call.
     *
     * @return how many deletions were finished
     */
    public synchronized int finishUpstreamDeletions() {
        int finished = 0;
        for (LocalEndpoint ep : table.goneUpstream()) {
            try {
                detach(ep);
                maps.uninstall(ep);
                List<String> released = ipam.releasePod(node, ep.uid());
                table.remove(ep.key());
                persist.run();
                finished++;
                LOG.info("endpoint " + ep.key() + " (uid " + ep.uid() + ") was deleted upstream: removed its maps and"
                        + " endpoint id " + ep.endpointId() + ", released " + released);
            } catch (RuntimeException e) {
                LOG.log(
                        Level.WARNING,
                        "finishing the upstream deletion of " + ep.key() + " failed, retried later: " + e.getMessage());
            }
        }
        return finished;
    }

    /** A pod that cannot be wired is a node-side failure the caller may retry: 503. */
    private void attach(LocalEndpoint ep) {
        try {
            pods.attach(ep);
        } catch (RuntimeException e) {
            throw new UpstreamException(503, null, "pod network: " + e.getMessage(), e);
        }
    }

    private void detach(LocalEndpoint ep) {
        try {
            pods.detach(ep);
        } catch (RuntimeException e) {
            throw new UpstreamException(503, null, "pod network: " + e.getMessage(), e);
        }
    }

    private RegisterEndpointRequest request(EndpointSpec spec, List<String> ips) {
        RegisterEndpointRequest.Builder b = RegisterEndpointRequest.newBuilder()
                .setNamespace(spec.namespace())
                .setPod(spec.pod())
                .setUid(spec.uid())
                .setNode(node)
                .addAllIps(ips)
                .putAllLabels(spec.labels())
                .setServiceAccount(spec.serviceAccount());
        spec.namedPorts()
                .forEach(p -> b.addNamedPorts(NamedPort.newBuilder()
                        .setName(p.name())
                        .setPort(p.port())
                        .setProtocol(p.protocol())));
        return b.build();
    }

    private static String family(List<String> ips, boolean v6) {
        return ips.stream().filter(ip -> ip.contains(":") == v6).findFirst().orElse("");
    }

    private record Step(String what, Runnable action) {}
}
