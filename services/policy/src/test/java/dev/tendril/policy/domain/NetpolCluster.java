package dev.tendril.policy.domain;

import dev.tendril.datapath.Datapath;
import dev.tendril.datapath.Verdict;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.PolicyMap;
import dev.tendril.policy.domain.parse.ManifestParser;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The upstream Kubernetes network-policy e2e model: namespaces x, y, z (label {@code ns=<name>}) with
 * pods a, b, c (label {@code pod=<name>}), plus the reserved host and world identities and a few CIDR
 * identities. Policies are compiled, each subject's entries loaded into an in-memory LPM policy map, and
 * a connection is allowed when the source's map forwards it on egress and the destination's on ingress.
 *
 * <p>Named ports: every pod names 80/TCP {@code serve-80-tcp}, 81/TCP {@code serve-81-tcp} and 80/UDP
 * {@code serve-80-udp}; {@code web} is 80/TCP on pods a and 81/TCP on pods b and c, so its resolution per
 * destination shows.
 */
final class NetpolCluster {

    static final String CLUSTER = "default";
    static final List<String> NAMESPACES = List.of("x", "y", "z");
    static final List<String> PODS = List.of("a", "b", "c");

    /** A pod of the model, {@code x/a}. */
    record Pod(String namespace, String name) {
        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    final Map<Pod, Identity> pods = new LinkedHashMap<>();
    final List<Identity> identities = new ArrayList<>();
    final Map<Long, List<NamedPort>> namedPorts = new HashMap<>();

    NetpolCluster() {
        long id = 1000;
        for (String ns : NAMESPACES) {
            for (String pod : PODS) {
                Identity identity = Identity.pod(++id, ns,
                        Map.of("ns", ns, "kubernetes.io/metadata.name", ns), Map.of("pod", pod), CLUSTER);
                pods.put(new Pod(ns, pod), identity);
                identities.add(identity);
                namedPorts.put(identity.id(), List.of(
                        new NamedPort("serve-80-tcp", 80, Protocol.TCP),
                        new NamedPort("serve-81-tcp", 81, Protocol.TCP),
                        new NamedPort("serve-80-udp", 80, Protocol.UDP),
                        new NamedPort("web", pod.equals("a") ? 80 : 81, Protocol.TCP)));
            }
        }
        identities.add(Identity.reserved(Identity.HOST, "host"));
        identities.add(Identity.reserved(Identity.WORLD, "world"));
    }

    NetpolCluster withCidrIdentity(long id, String cidr) {
        identities.add(Identity.cidr(id, Cidr.parse(cidr)));
        return this;
    }

    Identity pod(String nsSlashPod) {
        String[] p = nsSlashPod.split("/");
        return pods.get(new Pod(p[0], p[1]));
    }

    /** The compiled maps of every identity, loaded into in-memory policy maps. */
    Maps load(String manifests) {
        List<Policy> policies = manifests.isBlank() ? List.of() : ManifestParser.parse(manifests);
        Map<Long, SubjectPolicy> compiled = new PolicyCompiler(CLUSTER).compile(policies, identities, namedPorts);
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
            return egress(from, to.id(), protocol, port).forwarded() && ingress(to, from.id(), protocol, port).forwarded();
        }
    }
}
