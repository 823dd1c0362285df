package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The pods and policies of ClusterMeshEndToEndTest's kernel connectivity checks, and how it looks at them: east's
 * CiliumNetworkPolicy admits to {@code mesh/server} only west's pods labelled {@code role: client}; west's admits to
 * {@code mesh/other} only west's own pods.
 */
final class MeshPods {

    /** The namespace every pod of these checks lives in, as a manifest document. */
    static final String NAMESPACE = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: mesh}
            """;

    static final String EAST_MANIFEST = NAMESPACE + "---\n" + pod("server", "app: server") + """
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: from-west-clients, namespace: mesh}
            spec:
              endpointSelector: {matchLabels: {app: server}}
              ingress:
              - fromEndpoints:
                - matchLabels: {io.cilium.k8s.policy.cluster: west, role: client}
            """;

    static final String WEST_MANIFEST = NAMESPACE + "---\n" + pod("client", "app: client, role: client") + "---\n"
            + pod("other", "app: other") + """
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: only-west, namespace: mesh}
            spec:
              endpointSelector: {matchLabels: {app: other}}
              ingress:
              - fromEndpoints:
                - matchLabels: {io.cilium.k8s.policy.cluster: west}
            """;

    /** A pod {@code name} in namespace {@code mesh} with {@code labels} (flow-style YAML), serving port 80. */
    static String pod(String name, String labels) {
        return """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: mesh, labels: {%s}}
                spec:
                  containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
                """.formatted(name, labels);
    }

    private MeshPods() {}

    /**
     * A backend pod {@code pod} ({@code app: web}) and the Service {@code mesh/web} over it, annotated
     * {@code service.cilium.io/global: "true"}: applied in both clusters, the Service's backends are both clusters'.
     */
    static String globalService(String pod) {
        return webPod(pod) + """
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                  namespace: mesh
                  annotations: {service.cilium.io/global: "true"}
                spec:
                  selector: {app: web}
                  ports: [{port: 80, targetPort: 80}]
                """;
    }

    /** The backend pod {@code pod} of {@link #globalService}. */
    static String webPod(String pod) {
        return pod(pod, "app: web");
    }

    /** A real TCP connect from {@code from} to a Service ({@code svc:NS/NAME}) port 80: the agent's answer. */
    static JsonNode probeService(MeshTestStack stack, String from, String service) {
        JsonNode answer = StackCli.json(
                stack.cli.ok("connectivity", "probe", "--from", from, "--to", service, "--port", "80", "-o", "json"));
        assertThat(answer.path("datapath").asText())
                .as(stack.name + " " + from + " -> " + service + ": " + answer)
                .isEqualTo("kernel");
        return answer;
    }

    /** Whether the stack's one node runs the kernel datapath, from its launcher's {@code pod network} line. */
    static boolean kernel(MeshTestStack stack) {
        List<String> podNetworks = stack.podNetworks();
        return podNetworks.size() == 1 && podNetworks.get(0).contains("pod network: kernel (tc), ");
    }

    /** Applies {@code manifest} in {@code stack} (written to its data directory as {@code name}). */
    static void apply(MeshTestStack stack, String name, String manifest) throws IOException {
        Path file = stack.dataDir.resolve(name);
        Files.writeString(file, manifest);
        stack.cli.ok("apply", "-f", file.toString());
    }

    /** The kernel's verdict of a real TCP connect from {@code from} (a pod of {@code stack}) to {@code to}:80. */
    static String probe(MeshTestStack stack, String from, String to) {
        JsonNode answer = StackCli.json(
                stack.cli.ok("connectivity", "probe", "--from", from, "--to", to, "--port", "80", "-o", "json"));
        assertThat(answer.path("datapath").asText())
                .as(stack.name + " " + from + " -> " + to + ": " + answer)
                .isEqualTo("kernel");
        return answer.path("verdict").asText();
    }

    /** The stack's endpoints in namespace {@code mesh}, by {@code namespace/pod}. */
    static Map<String, JsonNode> endpoints(MeshTestStack stack) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode e : StackCli.json(stack.cli.ok("get", "endpoints", "-n", "mesh", "-o", "json"))) {
            out.put(e.path("namespace").asText() + "/" + e.path("pod").asText(), e);
        }
        return out;
    }

    /** The IPv4 address of the stack's pod {@code pod} ({@code namespace/name}). */
    static String ipv4(MeshTestStack stack, String pod) {
        JsonNode endpoint = endpoints(stack).get(pod);
        assertThat(endpoint).as(stack.name + "'s endpoint " + pod).isNotNull();
        return StackCli.stream(endpoint.path("ips"))
                .map(JsonNode::asText)
                .filter(a -> !a.contains(":"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no IPv4 address: " + endpoint));
    }

    /** {@code ip -n NETNS ARGS}'s output. */
    static String ip(String netns, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", netns));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }
}
