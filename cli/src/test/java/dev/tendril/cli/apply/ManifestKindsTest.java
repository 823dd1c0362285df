package dev.tendril.cli.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManifestKindsTest {

    /** No check may talk to a service. */
    private final ManifestKinds kinds = ManifestKinds.all(name -> {
        throw new AssertionError("no service call expected, asked for " + name);
    });

    static Stream<Arguments> invalidDocuments() {
        return Stream.of(
                Arguments.of("kind missing", "apiVersion: v1\nmetadata: {name: a}\n", "kind: required"),
                Arguments.of("apiVersion missing", "kind: Namespace\nmetadata: {name: a}\n", "apiVersion: required"),
                Arguments.of("metadata missing", "apiVersion: v1\nkind: Namespace\n", "metadata: required"),
                Arguments.of(
                        "name missing",
                        "apiVersion: v1\nkind: Namespace\nmetadata: {labels: {a: b}}\n",
                        "metadata.name: required"),
                Arguments.of(
                        "unknown kind",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
                        "kind: unknown kind \"ConfigMap\" (supported: Namespace, NetworkPolicy, CiliumNetworkPolicy, Pod, Service, EndpointSlice)"),
                Arguments.of(
                        "service without spec",
                        "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n",
                        "spec: required"),
                Arguments.of(
                        "service without ports",
                        "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {app: a}}\n",
                        "spec.ports: required (at least one port)"),
                Arguments.of(
                        "endpointslice of the wrong group",
                        "apiVersion: v1\nkind: EndpointSlice\nmetadata: {name: a}\naddressType: IPv4\n",
                        "apiVersion: EndpointSlice is discovery.k8s.io/v1, not v1"),
                Arguments.of(
                        "endpointslice without addressType",
                        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: a}\n",
                        "addressType: required (IPv4 or IPv6)"),
                Arguments.of("pod without spec", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", "spec: required"),
                Arguments.of(
                        "pod without containers",
                        pod("nodeName: node-1"),
                        "spec.containers: required: a list of at least one container"),
                Arguments.of(
                        "pod name not a DNS subdomain",
                        "apiVersion: v1\nkind: Pod\nmetadata: {name: Web_1}\n" + "spec: {containers: [{name: c}]}\n",
                        "metadata.name: \"Web_1\" must be a DNS subdomain: at most"
                                + " 253 lower-case alphanumerics, '-' or '.', starting and ending alphanumeric"),
                Arguments.of(
                        "pod label not a string",
                        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {v: 2}}\n"
                                + "spec: {containers: [{name: c}]}\n",
                        "metadata.labels.v: must be a string (quote it)"),
                Arguments.of(
                        "pod node name not a name",
                        pod("nodeName: Node_1\n  containers: [{name: c}]"),
                        "spec.nodeName: \"Node_1\" must be a DNS subdomain"),
                Arguments.of(
                        "pod service account not a name",
                        pod("serviceAccountName: Web!\n  containers: [{name: c}]"),
                        "spec.serviceAccountName: \"Web!\" must be a DNS subdomain"),
                Arguments.of(
                        "container without name",
                        pod("containers: [{image: nginx}]"),
                        "spec.containers[0].name: required"),
                Arguments.of(
                        "container port out of range",
                        ports("{containerPort: 70000}"),
                        "spec.containers[0].ports[0].containerPort: must be a port number 1..65535, got 70000"),
                Arguments.of(
                        "container port missing",
                        ports("{name: http}"),
                        "spec.containers[0].ports[0].containerPort: required"),
                Arguments.of(
                        "container port protocol",
                        ports("{containerPort: 80, protocol: HTTP}"),
                        "spec.containers[0].ports[0].protocol: must be TCP, UDP or SCTP, got \"HTTP\""),
                Arguments.of(
                        "port name too long",
                        ports("{name: http-metrics-port, containerPort: 80}"),
                        "spec.containers[0].ports[0].name: \"http-metrics-port\" must be 1-15 characters (an IANA service name)"),
                Arguments.of(
                        "port name upper case",
                        ports("{name: HTTP, containerPort: 80}"),
                        "spec.containers[0].ports[0].name: \"HTTP\" must be lower-case alphanumerics or '-', starting and"
                                + " ending alphanumeric (an IANA service name)"),
                Arguments.of(
                        "port name double hyphen",
                        ports("{name: a--b, containerPort: 80}"),
                        "spec.containers[0].ports[0].name: \"a--b\" must not contain '--' (an IANA service name)"),
                Arguments.of(
                        "port name without letter",
                        ports("{name: \"8080\", containerPort: 80}"),
                        "spec.containers[0].ports[0].name: \"8080\" must contain a letter (an IANA service name)"),
                Arguments.of(
                        "port name twice",
                        ports("{name: web, containerPort: 80}, {name: web, containerPort: 81}"),
                        "spec.containers[0].ports[1].name: \"web\" is also the name of spec.containers[0].ports[0]"),
                Arguments.of(
                        "wrong apiVersion",
                        "apiVersion: networking.k8s.io/v1beta1\nkind: NetworkPolicy\n"
                                + "metadata: {name: a}\nspec: {}\n",
                        "apiVersion: NetworkPolicy is networking.k8s.io/v1, not networking.k8s.io/v1beta1"),
                Arguments.of(
                        "policy without spec",
                        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n" + "metadata: {name: a}\n",
                        "spec: required"),
                Arguments.of(
                        "cilium policy without spec",
                        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n" + "metadata: {name: a}\n",
                        "spec: required (or specs)"),
                Arguments.of(
                        "namespace label not a string",
                        "apiVersion: v1\nkind: Namespace\n" + "metadata: {name: a, labels: {tier: 1}}\n",
                        "metadata.labels.tier: must be a string (quote it)"),
                Arguments.of(
                        "namespace name not a DNS label",
                        "apiVersion: v1\nkind: Namespace\nmetadata: {name: Demo}\n",
                        "metadata.name: \"Demo\" must be a DNS label: 1-63 lower-case alphanumerics or '-',"
                                + " starting and ending alphanumeric"));
    }

    private static String pod(String spec) {
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  " + spec + "\n";
    }

    private static String ports(String ports) {
        return pod("containers: [{name: c, ports: [" + ports + "]}]");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidDocuments")
    void namesFileDocumentAndField(String name, String document, String expected) {
        List<ManifestError> errors = new ArrayList<>();

        kinds.check(
                read("deploy/x.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\n" + document),
                null,
                errors);

        assertThat(errors).extracting(ManifestError::message).containsExactly("deploy/x.yaml: document 2: " + expected);
    }

    @Test
    void givesNamespacedDocumentsTheNamespaceOptionOrDefault() {
        String policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {}\n";
        List<ManifestError> errors = new ArrayList<>();

        Map<ManifestKindHandler, List<Manifest>> byDefault = kinds.check(read("p.yaml", policy), null, errors);
        Map<ManifestKindHandler, List<Manifest>> withOption = kinds.check(read("p.yaml", policy), "demo", errors);

        assertThat(errors).isEmpty();
        assertThat(policies(byDefault)).extracting(Manifest::namespace).containsExactly("default");
        assertThat(policies(withOption)).extracting(Manifest::namespace).containsExactly("demo");
    }

    @Test
    void rejectsADocumentInAnotherNamespaceThanTheOptionAndDuplicates() {
        String policy =
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: %s}\nspec: {}\n";
        List<ManifestError> errors = new ArrayList<>();
        List<Manifest> manifests = new ArrayList<>(read("a.yaml", policy.formatted("prod")));
        manifests.addAll(read("b.yaml", policy.formatted("demo") + "---\n" + policy.formatted("demo")));

        kinds.check(manifests, "demo", errors);

        assertThat(errors)
                .extracting(ManifestError::message)
                .containsExactly(
                        "a.yaml: document 1: metadata.namespace: \"prod\" does not match --namespace \"demo\"",
                        "b.yaml: document 2: metadata.name: NetworkPolicy demo/p is also in b.yaml document 1");
    }

    @Test
    void groupsByHandlerInApplyOrderNamespacesPoliciesPodsThenServices() {
        List<ManifestError> errors = new ArrayList<>();
        Map<ManifestKindHandler, List<Manifest>> grouped = kinds.check(read("m.yaml", """
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: s-1, namespace: demo, labels: {kubernetes.io/service-name: s}}
                addressType: IPv4
                ---
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: c, namespace: demo}
                spec: {endpointSelector: {}}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: s, namespace: demo}
                spec: {ports: [{port: 80}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: p, namespace: demo}
                spec: {containers: [{name: c}]}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo}
                """), null, errors);

        assertThat(errors).isEmpty();
        assertThat(grouped.values())
                .extracting(list -> list.get(0).kind())
                .containsExactly("Namespace", "CiliumNetworkPolicy", "Pod", "EndpointSlice");
    }

    private static List<Manifest> policies(Map<ManifestKindHandler, List<Manifest>> grouped) {
        return grouped.entrySet().stream()
                .filter(e -> e.getKey() instanceof PolicyHandler)
                .findFirst()
                .orElseThrow()
                .getValue();
    }

    private static List<Manifest> read(String source, String yaml) {
        List<Manifest> manifests = new ArrayList<>();
        List<ManifestError> errors = new ArrayList<>();
        ManifestReader.parse(source, yaml, false, manifests, errors);
        assertThat(errors).isEmpty();
        return manifests;
    }
}
