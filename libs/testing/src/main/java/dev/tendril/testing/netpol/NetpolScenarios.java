package dev.tendril.testing.netpol;

import java.util.ArrayList;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * The upstream Kubernetes network-policy e2e model and its conformance scenarios, shared by the in-process
 * conformance test of the policy service and the end-to-end test of the local stack, so both check the same
 * truth tables against the same cluster.
 *
 * <p>The model: namespaces x, y, z (labels {@code ns=<name>} and {@code kubernetes.io/metadata.name=<name>})
 * with pods a, b, c (label {@code pod=<name>}). Every pod names 80/TCP {@code serve-80-tcp}, 81/TCP
 * {@code serve-81-tcp} and 80/UDP {@code serve-80-udp}; {@code web} is 80/TCP on pods a and 81/TCP on pods b
 * and c, so its resolution per destination shows.
 *
 * <p>A scenario is a set of policy manifests and probes: a port, a protocol and which (from, to) pairs of
 * distinct pods connect. A pod to itself is not part of the expectation (loopback inside a pod never reaches
 * a policy map).
 */
public final class NetpolScenarios {

    public static final List<String> NAMESPACES = List.of("x", "y", "z");
    public static final List<String> POD_NAMES = List.of("a", "b", "c");
    public static final String METADATA_NAME_LABEL = "kubernetes.io/metadata.name";

    private NetpolScenarios() {
    }

    /** A pod of the model, {@code x/a}. */
    public record Pod(String namespace, String name) {
        public static Pod parse(String ref) {
            int slash = ref.indexOf('/');
            return new Pod(ref.substring(0, slash), ref.substring(slash + 1));
        }

        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    /** One probe: a port, a protocol ({@code TCP}, {@code UDP} or {@code SCTP}) and which (from, to) pairs connect. */
    public record Probe(int port, String protocol, BiPredicate<Pod, Pod> expected) {
        public Probe {
            if (!List.of("TCP", "UDP", "SCTP").contains(protocol)) {
                throw new IllegalArgumentException("protocol " + protocol + ": TCP, UDP or SCTP");
            }
        }
    }

    /** Policy manifests (empty for none) and the probes that must give their truth tables once applied. */
    public record Scenario(String name, String manifests, List<Probe> probes) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A named container port of a pod of the model. */
    public record NamedPort(String name, int port, String protocol) {
    }

    /** The nine pods, x/a to z/c, in that order. */
    public static List<Pod> pods() {
        List<Pod> pods = new ArrayList<>();
        for (String ns : NAMESPACES) {
            for (String pod : POD_NAMES) {
                pods.add(new Pod(ns, pod));
            }
        }
        return pods;
    }

    /** The labels of namespace {@code ns}, including the one Kubernetes sets on every namespace. */
    public static Map<String, String> namespaceLabels(String ns) {
        return Map.of("ns", ns, METADATA_NAME_LABEL, ns);
    }

    /** The labels of a pod named {@code name}. */
    public static Map<String, String> podLabels(String name) {
        return Map.of("pod", name);
    }

    /** The named container ports of a pod named {@code name}. */
    public static List<NamedPort> namedPorts(String name) {
        return List.of(
                new NamedPort("serve-80-tcp", 80, "TCP"),
                new NamedPort("serve-81-tcp", 81, "TCP"),
                new NamedPort("serve-80-udp", 80, "UDP"),
                new NamedPort("web", name.equals("a") ? 80 : 81, "TCP"));
    }

    /** The model as Namespace and Pod manifests for {@code tendril apply}: three namespaces, then nine pods. */
    public static String clusterManifests() {
        List<String> documents = new ArrayList<>();
        for (String ns : NAMESPACES) {
            documents.add("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n%s".formatted(ns,
                    yamlMap(namespaceLabels(ns), "    ")));
        }
        for (Pod pod : pods()) {
            StringBuilder ports = new StringBuilder();
            for (NamedPort port : namedPorts(pod.name())) {
                ports.append("    - {name: %s, containerPort: %d, protocol: %s}\n".formatted(port.name(), port.port(),
                        port.protocol()));
            }
            documents.add("""
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: %s
                      namespace: %s
                      labels:
                    %s\
                    spec:
                      containers:
                      - name: serve
                        image: agnhost
                        ports:
                    %s""".formatted(pod.name(), pod.namespace(), yamlMap(podLabels(pod.name()), "    "), ports));
        }
        return String.join("---\n", documents);
    }

    private static String yamlMap(Map<String, String> map, String indent) {
        StringBuilder yaml = new StringBuilder();
        new TreeMap<>(map).forEach((k, v) -> yaml.append(indent).append(k).append(": \"").append(v)
                .append("\"\n"));
        return yaml.toString();
    }

    /** Every pair connects. */
    public static final BiPredicate<Pod, Pod> ALL = (f, t) -> true;

    public static Probe tcp(int port, BiPredicate<Pod, Pod> expected) {
        return new Probe(port, "TCP", expected);
    }

    public static Probe probe(int port, String protocol, BiPredicate<Pod, Pod> expected) {
        return new Probe(port, protocol, expected);
    }

    /** Whether {@code p} is the pod {@code nsSlashName}, e.g. {@code x/a}. */
    public static boolean is(Pod p, String nsSlashName) {
        return p.toString().equals(nsSlashName);
    }

    /** The conformance scenarios, in a fixed order; each starts from the model with no policy. */
    public static List<Scenario> scenarios() {
        return List.of(
                new Scenario("no policy: everything connects", "", List.of(tcp(80, ALL), tcp(81, ALL),
                        probe(80, "UDP", ALL), probe(80, "SCTP", ALL))),

                new Scenario("default-deny ingress in x (policyTypes Ingress)", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-ingress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Ingress]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("default-deny ingress in x inferred from an empty spec", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-ingress, namespace: x}
                        spec:
                          podSelector: {}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")),
                        tcp(81, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("allow ingress from the same namespace only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: same-ns, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - podSelector: {}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("x")))),

                new Scenario("allow ingress from pod=a of the same namespace", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-a, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - podSelector: {matchLabels: {pod: a}}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || is(f, "x/a")))),

                new Scenario("allow ingress from namespace y by namespaceSelector", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-y, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("y")))),

                new Scenario("empty namespaceSelector allows every namespace", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: all-ns, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - namespaceSelector: {}
                        """, List.of(tcp(80, ALL))),

                new Scenario("namespaceSelector on kubernetes.io/metadata.name", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-z, namespace: y}
                        spec:
                          podSelector: {}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("y") || f.namespace().equals("z")))),

                new Scenario("podSelector and namespaceSelector in one peer are ANDed", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: and, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                              podSelector: {matchLabels: {pod: b}}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a") || is(f, "y/b")))),

                new Scenario("podSelector and namespaceSelector in two peers are ORed", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: or, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - from:
                            - namespaceSelector: {matchLabels: {ns: y}}
                            - podSelector: {matchLabels: {pod: b}}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a") || f.namespace().equals("y") || is(f, "x/b")))),

                new Scenario("matchExpressions NotIn and In", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: exprs, namespace: x}
                        spec:
                          podSelector: {matchExpressions: [{key: pod, operator: In, values: [a, b]}]}
                          ingress:
                          - from:
                            - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}
                              podSelector: {matchExpressions: [{key: pod, operator: Exists}]}
                        """, List.of(tcp(80, (f, t) -> !(is(t, "x/a") || is(t, "x/b")) || !f.namespace().equals("x")))),

                new Scenario("matchExpressions DoesNotExist selects no labelled pod", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: dne, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: c}}
                          ingress:
                          - from:
                            - podSelector: {matchExpressions: [{key: pod, operator: DoesNotExist}]}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/c")))),

                new Scenario("port 81 only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: port-81, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          ingress:
                          - ports: [{port: 81}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a")), tcp(81, ALL),
                        probe(81, "UDP", (f, t) -> !is(t, "x/a")))),

                new Scenario("protocol UDP only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: udp-80, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: 80, protocol: UDP}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")),
                        probe(80, "UDP", ALL), probe(80, "SCTP", (f, t) -> !t.namespace().equals("x")))),

                new Scenario("named port resolved per destination pod", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: web}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || t.name().equals("a")),
                        tcp(81, (f, t) -> !t.namespace().equals("x") || !t.name().equals("a")))),

                new Scenario("named port on egress resolved per destination peer", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named-egress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Egress]
                          egress:
                          - to:
                            - namespaceSelector: {}
                            ports: [{port: web}]
                        """, List.of(tcp(80, (f, t) -> !f.namespace().equals("x") || t.name().equals("a")),
                        tcp(81, (f, t) -> !f.namespace().equals("x") || !t.name().equals("a")))),

                new Scenario("named port with a protocol its container port lacks allows nothing", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: named-udp, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: serve-81-tcp, protocol: UDP}]
                        """, List.of(tcp(81, (f, t) -> !t.namespace().equals("x")),
                        probe(81, "UDP", (f, t) -> !t.namespace().equals("x")))),

                new Scenario("endPort range 81-90", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: range, namespace: x}
                        spec:
                          podSelector: {}
                          ingress:
                          - ports: [{port: 81, endPort: 90}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")), tcp(81, ALL), tcp(88, ALL),
                        tcp(90, ALL), tcp(91, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("SCTP port 80 only", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: sctp-80, namespace: z}
                        spec:
                          podSelector: {matchLabels: {pod: b}}
                          ingress:
                          - ports: [{port: 80, protocol: SCTP}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "z/b")), probe(80, "SCTP", ALL),
                        probe(81, "SCTP", (f, t) -> !is(t, "z/b")))),

                new Scenario("CNP endPort range with protocol ANY", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: range-any, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingress:
                          - toPorts: [{ports: [{port: "79", endPort: 80}]}]
                        """, List.of(tcp(80, ALL), probe(80, "UDP", ALL),
                        tcp(81, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("egress deny-all in x", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: deny-egress, namespace: x}
                        spec:
                          podSelector: {}
                          policyTypes: [Egress]
                        """, List.of(tcp(80, (f, t) -> !f.namespace().equals("x")))),

                new Scenario("egress rules without policyTypes also enforce ingress", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: egress-to-y, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          egress:
                          - to:
                            - namespaceSelector: {matchLabels: {ns: y}}
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a") && (!is(f, "x/a") || t.namespace().equals("y"))))),

                new Scenario("policyTypes Egress ignores listed ingress rules and leaves ingress open", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: egress-only, namespace: x}
                        spec:
                          podSelector: {matchLabels: {pod: a}}
                          policyTypes: [Egress]
                          ingress:
                          - from: [{podSelector: {matchLabels: {pod: b}}}]
                          egress:
                          - {}
                        """, List.of(tcp(80, ALL))),

                new Scenario("union of two policies", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-y, namespace: x}
                        spec:
                          podSelector: {}
                          ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}]}]
                        ---
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: from-z-80, namespace: x}
                        spec:
                          podSelector: {}
                          ingress: [{from: [{namespaceSelector: {matchLabels: {ns: z}}}], ports: [{port: 80}]}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || !f.namespace().equals("x")),
                        tcp(81, (f, t) -> !t.namespace().equals("x") || f.namespace().equals("y")))),

                new Scenario("CNP ingressDeny beats an allow-all", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: deny-y, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingress:
                          - fromEntities: [all]
                          ingressDeny:
                          - fromEndpoints:
                            - matchLabels: {k8s:io.kubernetes.pod.namespace: y}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || !f.namespace().equals("y")))),

                new Scenario("CNP ingressDeny of one pod beats the allow of its namespace", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: y-but-not-y-a, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingress:
                          - fromEndpoints:
                            - matchLabels: {k8s:io.kubernetes.pod.namespace: y}
                          ingressDeny:
                          - fromEndpoints:
                            - matchLabels: {k8s:io.kubernetes.pod.namespace: y, pod: a}
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x")
                        || (f.namespace().equals("y") && !is(f, "y/a"))))),

                new Scenario("CNP ingressDeny on port 81 beats an NP allow of the namespace", """
                        apiVersion: networking.k8s.io/v1
                        kind: NetworkPolicy
                        metadata: {name: allow-all, namespace: x}
                        spec:
                          podSelector: {}
                          ingress: [{from: [{namespaceSelector: {}}]}]
                        ---
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: deny-81, namespace: x}
                        spec:
                          endpointSelector: {}
                          ingressDeny:
                          - toPorts: [{ports: [{port: "81", protocol: TCP}]}]
                        """, List.of(tcp(80, ALL), tcp(81, (f, t) -> !t.namespace().equals("x")))),

                new Scenario("CNP fromEndpoints {} means the policy's namespace", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: same-ns, namespace: y}
                        spec:
                          endpointSelector: {matchLabels: {pod: b}}
                          ingress:
                          - fromEndpoints: [{}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "y/b") || f.namespace().equals("y")))),

                new Scenario("CNP egress toEntities cluster reaches every pod", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: cluster, namespace: z}
                        spec:
                          endpointSelector: {}
                          egress:
                          - toEntities: [cluster]
                        """, List.of(tcp(80, ALL))),

                new Scenario("CNP egress toPorts ANY 81 to namespace y", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: to-y-81, namespace: z}
                        spec:
                          endpointSelector: {matchLabels: {pod: c}}
                          egress:
                          - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: y}}]
                            toPorts: [{ports: [{port: "81", protocol: ANY}]}]
                        """, List.of(tcp(80, (f, t) -> !is(f, "z/c")),
                        tcp(81, (f, t) -> !is(f, "z/c") || t.namespace().equals("y")),
                        probe(81, "UDP", (f, t) -> !is(f, "z/c") || t.namespace().equals("y")))),

                new Scenario("CNP empty ingress rule only enables default deny", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: lockdown, namespace: x}
                        spec:
                          endpointSelector: {matchLabels: {pod: a}}
                          ingress: [{}]
                        """, List.of(tcp(80, (f, t) -> !is(t, "x/a")))),

                new Scenario("CNP enableDefaultDeny false keeps other traffic open while denying", """
                        apiVersion: cilium.io/v2
                        kind: CiliumNetworkPolicy
                        metadata: {name: soft-deny, namespace: x}
                        spec:
                          endpointSelector: {}
                          enableDefaultDeny: {ingress: false}
                          ingressDeny:
                          - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: z}}]
                        """, List.of(tcp(80, (f, t) -> !t.namespace().equals("x") || !f.namespace().equals("z")))));
    }
}
