package dev.tendril.policy.lb;

import dev.tendril.datapath.lb.LbFlags;
import dev.tendril.net.IpAddress;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.domain.NamedPort;
import dev.tendril.policy.lb.LbEvent.RevNat;
import dev.tendril.policy.lb.LbEvent.ServiceApplied;
import dev.tendril.policy.lb.LbFrontends.Frontend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The endpoint-slice controller, pure: a Service with a selector has as backends the endpoints of its
 * namespace whose labels match (every registered endpoint is ready; a terminating one, deleted with a grace
 * period, stays a backend in state terminating, in no frontend's slots, as Cilium keeps it for the connections
 * it has), with the targetPort resolved per pod (a
 * named port from the pod's named ports); a Service without selector has the union of the EndpointSlices
 * naming it (ready endpoints, the slice port whose name is the Service port's). A frontend gets the backends
 * of its own family. {@link #resolve} finds the backends, {@link #maps} adds the ids once they are allocated.
 */
public final class LbController {

    private LbController() {}

    /**
     * A backend before it has an id.
     *
     * @param terminating its pod is terminating: it keeps its id and backend entry but takes no new connections
     * @param cluster "" for a backend of this cluster, the ClusterMesh peer's name for a peer's ({@link MeshServices})
     * @param clusterId the peer's cluster id, 0 for a local backend
     */
    public record Candidate(
            BackendKey key,
            String pod,
            String node,
            String portName,
            boolean terminating,
            String cluster,
            int clusterId) {
        public Candidate(BackendKey key, String pod, String node, String portName, boolean terminating) {
            this(key, pod, node, portName, terminating, "", 0);
        }

        public Candidate(BackendKey key, String pod, String node, String portName) {
            this(key, pod, node, portName, false);
        }

        public boolean remote() {
            return !cluster.isEmpty();
        }
    }

    /** A Service's backends per frontend ({@code address|port|protocol}), and what could not be resolved. */
    public record Resolved(ServiceApplied service, Map<String, List<Candidate>> byFrontend, List<String> conditions) {
        public Set<BackendKey> keys() {
            Set<BackendKey> out = new TreeSet<>();
            byFrontend.values().forEach(list -> list.forEach(c -> out.add(c.key())));
            return out;
        }
    }

    public static Resolved resolve(
            ServiceApplied applied, Collection<SliceSpec> slices, Collection<EndpointInfo> endpoints) {
        return resolve(applied, slices, endpoints, Map.of());
    }

    /**
     * As {@link #resolve(ServiceApplied, Collection, Collection)}, with the ClusterMesh peers' backends of a global
     * Service per port ({@link MeshServices#candidates}) after the local ones; a local backend of the same address
     * wins.
     */
    public static Resolved resolve(
            ServiceApplied applied,
            Collection<SliceSpec> slices,
            Collection<EndpointInfo> endpoints,
            Map<ServicePort, List<Candidate>> remote) {
        ServiceSpec spec = applied.service();
        List<String> conditions = new ArrayList<>();
        Map<ServicePort, List<Candidate>> perPort = new LinkedHashMap<>();
        if (spec.hasSelector()) {
            List<EndpointInfo> selected = endpoints.stream()
                    .filter(e -> e.namespace().equals(spec.namespace()) && matches(spec.selector(), e.labels()))
                    .sorted(Comparator.comparing(EndpointInfo::key))
                    .toList();
            if (selected.isEmpty()) {
                conditions.add("no endpoint matches the selector");
            } else if (selected.stream().allMatch(EndpointInfo::terminating)) {
                conditions.add("every endpoint the selector matches is terminating");
            }
            for (int i = 0; i < spec.ports().size(); i++) {
                ServicePort p = spec.ports().get(i);
                List<Candidate> out = new ArrayList<>();
                for (EndpointInfo e : selected) {
                    targetPort(p, e)
                            .ifPresent(port -> e.addresses().stream()
                                    .sorted()
                                    .forEach(a -> out.add(new Candidate(
                                            new BackendKey(a.toString(), port, p.protocolNumber()),
                                            e.key(),
                                            e.node(),
                                            p.name(),
                                            e.terminating()))));
                }
                if (p.targetPort().byName() && !selected.isEmpty() && out.isEmpty()) {
                    conditions.add("port '%s' (spec.ports[%d]) is declared by no selected pod: no backends"
                            .formatted(p.targetPort().name(), i));
                }
                perPort.put(p, out);
            }
        } else {
            List<SliceSpec> own = slices.stream()
                    .filter(s -> s.namespace().equals(spec.namespace())
                            && s.service().equals(spec.name()))
                    .sorted(Comparator.comparing(SliceSpec::name))
                    .toList();
            for (ServicePort p : spec.ports()) {
                List<Candidate> out = new ArrayList<>();
                for (SliceSpec s : own) {
                    for (SliceSpec.Port sp : s.ports()) {
                        if (!sp.name().equals(p.name()) || !sp.protocol().equals(p.protocol())) {
                            continue;
                        }
                        for (SliceSpec.Endpoint e : s.endpoints()) {
                            if (!e.ready()) {
                                continue;
                            }
                            for (String a : e.addresses()) {
                                out.add(new Candidate(
                                        new BackendKey(IpAddress.parse(a).toString(), sp.port(), p.protocolNumber()),
                                        e.targetRef(),
                                        e.nodeName(),
                                        p.name()));
                            }
                        }
                    }
                }
                perPort.put(p, out);
            }
        }
        remote.forEach((port, candidates) -> {
            List<Candidate> merged = new ArrayList<>(perPort.getOrDefault(port, List.of()));
            merged.addAll(candidates);
            perPort.put(port, merged);
        });
        Map<String, List<Candidate>> byFrontend = new LinkedHashMap<>();
        for (Frontend f : LbFrontends.frontends(spec)) {
            var family = IpAddress.parse(f.address()).family();
            Map<BackendKey, Candidate> unique = new TreeMap<>();
            for (Candidate c : perPort.getOrDefault(f.servicePort(), List.of())) {
                if (IpAddress.parse(c.key().address()).family() == family) {
                    // A live candidate wins over a terminating one of the same address (a new incarnation); a local
                    // one over a remote one.
                    unique.merge(c.key(), c, (first, second) -> first.terminating() ? second : first);
                }
            }
            byFrontend.put(LbFrontends.frontendKey(f.address(), f.port(), f.protocol()), List.copyOf(unique.values()));
        }
        return new Resolved(applied, byFrontend, conditions);
    }

    /** The map content of a resolved Service; every candidate must have an id in {@code ids}. */
    public static ServiceLb maps(Resolved resolved, Map<BackendKey, Long> ids) {
        ServiceSpec spec = resolved.service().service();
        Map<String, Integer> revNats = new LinkedHashMap<>();
        for (RevNat r : resolved.service().revNats()) {
            revNats.put(LbFrontends.frontendKey(r.address(), r.port(), r.protocol()), r.index());
        }
        List<ServiceLb.Frontend> frontends = new ArrayList<>();
        Map<Long, Candidate> backends = new TreeMap<>();
        Map<Long, Set<String>> portNames = new TreeMap<>();
        for (Frontend f : LbFrontends.frontends(spec)) {
            String key = LbFrontends.frontendKey(f.address(), f.port(), f.protocol());
            List<Candidate> active = new ArrayList<>();
            for (Candidate c : resolved.byFrontend().getOrDefault(key, List.of())) {
                Long id = ids.get(c.key());
                if (id == null) {
                    throw new IllegalStateException("backend " + c.key() + " has no id");
                }
                if (!c.terminating()) {
                    active.add(c);
                }
                backends.putIfAbsent(id, c);
                portNames.computeIfAbsent(id, i -> new TreeSet<>()).add(c.portName());
            }
            List<Long> slots = spec.mesh().affinity().slots(active, Candidate::remote).stream()
                    .map(c -> ids.get(c.key()))
                    .toList();
            boolean local = f.nodePort()
                    ? ServiceSpec.LOCAL.equals(spec.externalTrafficPolicy())
                    : ServiceSpec.LOCAL.equals(spec.internalTrafficPolicy());
            int flags = (spec.affinity() ? SvcFlags.AFFINITY : 0)
                    | (f.nodePort() ? SvcFlags.NODEPORT | (local ? SvcFlags.EXT_LOCAL_SCOPE : 0) : 0);
            int flags2 = !f.nodePort() && local ? SvcFlags.INT_LOCAL_SCOPE : 0;
            frontends.add(new ServiceLb.Frontend(
                    f.address(),
                    f.port(),
                    f.protocol(),
                    f.servicePort().name(),
                    revNats.getOrDefault(key, 0),
                    flags,
                    flags2,
                    spec.affinity() ? spec.affinityTimeoutSeconds() : 0,
                    local,
                    slots));
        }
        List<ServiceLb.Backend> listed = new ArrayList<>();
        backends.forEach((id, c) -> listed.add(new ServiceLb.Backend(
                id,
                c.key().address(),
                c.key().port(),
                c.key().protocol(),
                c.terminating() ? LbFlags.BACKEND_TERMINATING : LbFlags.BACKEND_ACTIVE,
                c.node(),
                c.pod(),
                c.portName(),
                c.cluster(),
                c.clusterId(),
                List.copyOf(portNames.get(id)))));
        return new ServiceLb(
                spec.namespace(), spec.name(), spec.type(), spec.mesh(), frontends, listed, resolved.conditions());
    }

    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static Optional<Integer> targetPort(ServicePort p, EndpointInfo e) {
        if (!p.targetPort().byName()) {
            return Optional.of(
                    p.targetPort().number() == 0 ? p.port() : p.targetPort().number());
        }
        for (NamedPort n : e.namedPorts()) {
            if (n.name().equals(p.targetPort().name()) && n.protocol().name().equals(p.protocol())) {
                return Optional.of(n.port());
            }
        }
        return Optional.empty();
    }
}
