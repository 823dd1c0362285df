package dev.tendril.policy.domain;

import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.net.Cidr;
import dev.tendril.net.IpAddress;
import dev.tendril.policy.manifest.ManifestParser;
import dev.tendril.testing.netpol.NetpolScenarios;
import dev.tendril.testing.netpol.NetpolScenarios.Pod;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The upstream Kubernetes network-policy e2e model of {@link NetpolScenarios}: namespaces x, y, z with
 * pods a, b, c, their labels and named ports as that fixture gives them, plus the reserved host and world identities and a few CIDR
 * identities. Policies are compiled, each subject's entries loaded into an in-memory LPM policy map, and
 * a connection is allowed when the source's map forwards it on egress and the destination's on ingress.
 */
final class NetpolCluster {

    static final String CLUSTER = "default";
    static final List<String> NAMESPACES = NetpolScenarios.NAMESPACES;
    static final List<String> PODS = NetpolScenarios.POD_NAMES;

    final Map<Pod, Identity> pods = new LinkedHashMap<>();
    final List<Identity> identities = new ArrayList<>();
    final Map<Long, List<NamedPort>> namedPorts = new HashMap<>();

    NetpolCluster() {
        long id = 1000;
        for (String ns : NAMESPACES) {
            for (String pod : PODS) {
                Identity identity = Identity.pod(
                        ++id, ns, NetpolScenarios.namespaceLabels(ns), NetpolScenarios.podLabels(pod), CLUSTER);
                pods.put(new Pod(ns, pod), identity);
                identities.add(identity);
                namedPorts.put(identity.id(), namedPorts(pod));
            }
        }
        identities.add(Identity.reserved(Identity.HOST, "host"));
        identities.add(Identity.reserved(Identity.WORLD, "world"));
    }

    /** The fixture's named ports of a pod named {@code name}, as the engine takes them. */
    static List<NamedPort> namedPorts(String name) {
        return NetpolScenarios.namedPorts(name).stream()
                .map(p -> new NamedPort(p.name(), p.port(), Protocol.valueOf(p.protocol())))
                .toList();
    }

    NetpolCluster withCidrIdentity(long id, String cidr) {
        identities.add(Identity.cidr(id, Cidr.parse(cidr)));
        return this;
    }

    Identity pod(String nsSlashPod) {
        String[] p = nsSlashPod.split("/");
        return pods.get(new Pod(p[0], p[1]));
    }

    /**
     * The addresses of a pod's endpoint, both families of {@link NetpolScenarios#modelAddresses}; none for a
     * pod outside the model.
     */
    static List<Set<IpAddress>> endpointAddresses(Pod pod) {
        InetAddress v4 = NetpolScenarios.modelAddresses(true).get(pod);
        InetAddress v6 = NetpolScenarios.modelAddresses(false).get(pod);
        return v4 == null ? List.of() : List.of(Set.of(IpAddress.of(v4), IpAddress.of(v6)));
    }

    /** The compiled maps of every identity, loaded into in-memory policy maps. */
    Maps load(String manifests) {
        List<Policy> policies = manifests.isBlank() ? List.of() : ManifestParser.parse(manifests);
        Map<Long, List<Set<IpAddress>>> addresses = new HashMap<>();
        pods.forEach((pod, identity) -> addresses.put(identity.id(), endpointAddresses(pod)));
        Map<Long, SubjectPolicy> compiled =
                new PolicyCompiler(CLUSTER).compile(policies, identities, namedPorts, identities, addresses);
        Map<Long, PolicyMap> maps = new HashMap<>();
        compiled.forEach((subject, sp) -> {
            PolicyMap map = PolicyMap.inMemory("cilium_policy_v2_" + subject, PolicyMap.DEFAULT_MAX_ENTRIES);
            sp.entries().values().forEach(e -> map.put(e.key(), e.value()));
            maps.put(subject, map);
        });
        return new Maps(compiled, maps);
    }

    /** Compiled entries and the policy maps they were loaded into. */
    record Maps(Map<Long, SubjectPolicy> compiled, Map<Long, PolicyMap> maps) {

        Verdict egress(Identity from, long to, Protocol protocol, int port) {
            return Datapath.decide(maps.get(from.id()), to, Direction.EGRESS, protocol.number(), port);
        }

        Verdict ingress(Identity to, long from, Protocol protocol, int port) {
            return Datapath.decide(maps.get(to.id()), from, Direction.INGRESS, protocol.number(), port);
        }

        boolean reach(Identity from, Identity to, Protocol protocol, int port) {
            return egress(from, to.id(), protocol, port).forwarded()
                    && ingress(to, from.id(), protocol, port).forwarded();
        }
    }

    /**
     * The model driven through a {@link PolicyEngine}: the pods are identities the engine learns one by one,
     * and each subject's in-memory policy map is written only from the {@link PolicyEngine.Changes} that
     * mutations return (as an agent would), starting from the engine's initial subjects. Pods can be added,
     * removed and relabelled; a relabelled pod gets a new identity, as the identity service allocates one
     * per label set.
     */
    static final class Live {
        final PolicyEngine engine = new PolicyEngine(CLUSTER, PolicyMap.DEFAULT_MAX_ENTRIES);
        final Map<Pod, Identity> pods = new LinkedHashMap<>();
        final Map<String, Map<String, String>> namespaceLabels = new LinkedHashMap<>();
        final Map<Pod, Map<String, String>> podLabels = new LinkedHashMap<>();
        final Map<Long, PolicyMap> maps = new HashMap<>();
        private long nextId = 2000;

        Live() {
            engine.subjects().forEach(this::write);
            NetpolCluster model = new NetpolCluster();
            for (String ns : NAMESPACES) {
                namespaceLabels.put(ns, NetpolScenarios.namespaceLabels(ns));
            }
            model.pods.forEach((pod, identity) -> {
                addPod(pod.namespace(), pod.name(), NetpolScenarios.podLabels(pod.name()));
            });
        }

        Identity pod(String nsSlashPod) {
            String[] p = nsSlashPod.split("/");
            return pods.get(new Pod(p[0], p[1]));
        }

        Live apply(String manifests) {
            return record(engine.apply(ManifestParser.parse(manifests)));
        }

        Live delete(String kind, String namespace, String name) {
            return record(engine.delete(new PolicyRef(kind, namespace, name)));
        }

        /** A new pod: a new identity, then the named ports of {@link NetpolCluster}. */
        Live addPod(String namespace, String name, Map<String, String> labels) {
            Pod pod = new Pod(namespace, name);
            podLabels.put(pod, labels);
            Identity identity = Identity.pod(++nextId, namespace, namespaceLabels.get(namespace), labels, CLUSTER);
            pods.put(pod, identity);
            record(engine.upsertIdentity(identity));
            record(engine.setEndpointAddresses(identity.id(), endpointAddresses(pod)));
            return record(engine.setNamedPorts(identity.id(), NetpolCluster.namedPorts(name)));
        }

        Live removePod(String nsSlashPod) {
            Identity identity = pod(nsSlashPod);
            pods.values().remove(identity);
            record(engine.setEndpointAddresses(identity.id(), List.of()));
            return record(engine.removeIdentity(identity.id()));
        }

        /** The pod's labels change: its old identity goes once no endpoint uses it, a new one appears. */
        Live relabelPod(String nsSlashPod, Map<String, String> labels) {
            Pod pod = pods.keySet().stream()
                    .filter(p -> p.toString().equals(nsSlashPod))
                    .findFirst()
                    .orElseThrow();
            long old = pods.get(pod).id();
            addPod(pod.namespace(), pod.name(), labels);
            record(engine.setEndpointAddresses(old, List.of()));
            return record(engine.removeIdentity(old));
        }

        /** The namespace's labels change: every pod in it gets a new identity. */
        Live relabelNamespace(String namespace, Map<String, String> labels) {
            namespaceLabels.put(namespace, labels);
            for (Pod pod : List.copyOf(pods.keySet())) {
                if (pod.namespace().equals(namespace)) {
                    relabelPod(pod.toString(), podLabels.get(pod));
                }
            }
            return this;
        }

        /** The addresses of the endpoints of the pod's identity, one set per endpoint. */
        Live addresses(String nsSlashPod, List<Set<IpAddress>> perEndpoint) {
            return record(engine.setEndpointAddresses(pod(nsSlashPod).id(), perEndpoint));
        }

        Live namedPorts(String nsSlashPod, List<NamedPort> ports) {
            return record(engine.setNamedPorts(pod(nsSlashPod).id(), ports));
        }

        private Live record(PolicyEngine.Changes changes) {
            changes.changed().forEach(this::write);
            changes.removed().forEach(maps::remove);
            return this;
        }

        private void write(long subject, SubjectPolicy sp) {
            PolicyMap map = PolicyMap.inMemory("cilium_policy_v2_" + subject, PolicyMap.DEFAULT_MAX_ENTRIES);
            sp.entries().values().forEach(e -> map.put(e.key(), e.value()));
            maps.put(subject, map);
        }

        boolean reach(Identity from, Identity to, Protocol protocol, int port) {
            return new Maps(engine.subjects(), maps).reach(from, to, protocol, port);
        }
    }
}
