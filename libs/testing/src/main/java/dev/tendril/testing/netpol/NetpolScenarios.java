package dev.tendril.testing.netpol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

    private NetpolScenarios() {}

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
    public record NamedPort(String name, int port, String protocol) {}

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
            documents.add("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n%s"
                    .formatted(ns, yamlMap(namespaceLabels(ns), "    ")));
        }
        for (Pod pod : pods()) {
            StringBuilder ports = new StringBuilder();
            for (NamedPort port : namedPorts(pod.name())) {
                ports.append("    - {name: %s, containerPort: %d, protocol: %s}\n"
                        .formatted(port.name(), port.port(), port.protocol()));
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
        new TreeMap<>(map)
                .forEach((k, v) ->
                        yaml.append(indent).append(k).append(": \"").append(v).append("\"\n"));
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
        return ScenarioCatalog.all();
    }
}
