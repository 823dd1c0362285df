package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.apply.Manifest;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code connectivity test} deploys: its namespace with a client and a server pod on every node and a pod
 * without the client label, and a second namespace ({@code <ns>-other}) with one client. Everything is a manifest
 * as an operator would write it, so it goes through the handlers of {@code tendril apply}.
 *
 * @param namespace the test namespace
 * @param nodes     the nodes of the stack's agents, in order; at least one
 */
record TestWorkload(String namespace, List<String> nodes) {

    /** The port the servers listen on, named {@code http}. */
    static final int PORT = 80;

    static final String PROTOCOL = "TCP";

    private static final String SOURCE = "connectivity test";
    private static final ObjectMapper YAML = new YAMLMapper();

    TestWorkload {
        nodes = List.copyOf(nodes);
    }

    String otherNamespace() {
        return namespace + "-other";
    }

    PodRef client(String node) {
        return new PodRef(namespace, "client-" + node);
    }

    PodRef server(String node) {
        return new PodRef(namespace, "server-" + node);
    }

    /** A pod of the test namespace on the first node without the {@code app=client} label. */
    PodRef stranger() {
        return new PodRef(namespace, "stranger");
    }

    /** A client ({@code app=client}) of the other namespace, on the first node. */
    PodRef otherClient() {
        return new PodRef(otherNamespace(), "client");
    }

    /** The node after {@code node}, round the list: where a client finds its cross-node server. */
    String next(String node) {
        return nodes.get((nodes.indexOf(node) + 1) % nodes.size());
    }

    List<String> namespaces() {
        return List.of(namespace, otherNamespace());
    }

    /** Every pod, servers and clients by node, then the stranger and the other namespace's client. */
    List<PodRef> pods() {
        List<PodRef> pods = new ArrayList<>();
        for (String node : nodes) {
            pods.add(client(node));
            pods.add(server(node));
        }
        pods.add(stranger());
        pods.add(otherClient());
        return pods;
    }

    /** The namespaces and pods, as {@code tendril apply} takes them. */
    List<Manifest> manifests() {
        return manifests(documents());
    }

    /** Documents built here as manifests; errors name them as documents of {@value #SOURCE}. */
    static List<Manifest> manifests(List<ObjectNode> documents) {
        List<Manifest> manifests = new ArrayList<>();
        for (ObjectNode document : documents) {
            manifests.add(new Manifest(SOURCE, manifests.size() + 1, document));
        }
        return manifests;
    }

    private List<ObjectNode> documents() {
        List<ObjectNode> documents = new ArrayList<>();
        for (String name : namespaces()) {
            documents.add(document("""
                    apiVersion: v1
                    kind: Namespace
                    metadata:
                      name: %s
                      labels:
                        app.kubernetes.io/managed-by: tendril-connectivity-test
                    """.formatted(name)));
        }
        String first = nodes.getFirst();
        for (String node : nodes) {
            documents.add(pod(client(node), node, "app: client\n    kind: client", ""));
            documents.add(pod(server(node), node, "app: server\n    kind: server", """
                        ports:
                        - name: http
                          containerPort: %d
                          protocol: %s
                    """.formatted(PORT, PROTOCOL)));
        }
        documents.add(pod(stranger(), first, "kind: stranger", ""));
        documents.add(pod(otherClient(), first, "app: client\n    kind: client", ""));
        return documents;
    }

    private static ObjectNode pod(PodRef pod, String node, String labels, String ports) {
        return document("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: %s
                  labels:
                    %s
                spec:
                  nodeName: %s
                  containers:
                  - name: main
                    image: tendril/connectivity-check
                %s""".formatted(pod.pod(), pod.namespace(), labels, node, ports));
    }

    /** One YAML document, as a manifest body. */
    static ObjectNode document(String yaml) {
        try {
            return (ObjectNode) YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("connectivity test manifest is not YAML: " + e.getOriginalMessage(), e);
        }
    }
}
