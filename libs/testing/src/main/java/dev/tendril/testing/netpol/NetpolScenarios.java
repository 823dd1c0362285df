package dev.tendril.testing.netpol;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * Policy manifests (empty for none) and the probes that must give their truth tables once applied.
     *
     * @param manifests may name pod addresses, which are known only once the pods run: {@code {{x/b host}}}
     *                  is pod x/b's address as a host prefix ({@code /32}, {@code /128}), {@code {{x/b wide}}}
     *                  the {@code /8} ({@code /64}) around it, which holds every pod of the model; such a
     *                  scenario is read through {@link #manifests(Map)}
     */
    public record Scenario(String name, String manifests, List<Probe> probes) {

        /** Whether the manifests name pod addresses. */
        public boolean needsAddresses() {
            return manifests.contains("{{");
        }

        /** The manifests with the pods' addresses of one family filled in. */
        public String manifests(Map<Pod, InetAddress> addresses) {
            Matcher m = PLACEHOLDER.matcher(manifests);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                InetAddress address = addresses.get(Pod.parse(m.group(1)));
                if (address == null) {
                    throw new IllegalArgumentException("no address for pod " + m.group(1));
                }
                int bits = address.getAddress().length * 8;
                int prefix = m.group(2).equals("host") ? bits : bits == 32 ? 8 : 64;
                m.appendReplacement(out, Matcher.quoteReplacement(masked(address, prefix)));
            }
            m.appendTail(out);
            return out.toString();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z]+/[a-z]+) (host|wide)}}");

    private static String masked(InetAddress address, int prefix) {
        byte[] bytes = address.getAddress();
        for (int bit = prefix; bit < bytes.length * 8; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Addresses for the pods when no cluster assigns them (the in-process model): pod i of {@link #pods()}
     * gets {@code 10.0.1.(16+i)} and {@code fd00::(110+i)}, as the kernel conformance test's one node does.
     */
    public static Map<Pod, InetAddress> modelAddresses(boolean v4) {
        Map<Pod, InetAddress> out = new LinkedHashMap<>();
        List<Pod> pods = pods();
        for (int i = 0; i < pods.size(); i++) {
            String literal = v4 ? "10.0.1." + (16 + i) : "fd00::" + Integer.toHexString(0x110 + i);
            try {
                out.put(pods.get(i), InetAddress.getByName(literal));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
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
        List<Scenario> all = new ArrayList<>(ScenarioCatalog.all());
        all.addAll(CidrScenarios.all());
        return List.copyOf(all);
    }
}
