package dev.tendril.cli.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Request;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.FakeService.Result;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tendril apply} and {@code tendril delete} against a stand-in identity and policy service. */
class ApplyCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String NAMESPACE = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: demo
              labels:
                team: web
            """;
    private static final String DENY = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: default-deny-ingress
              namespace: demo
            spec:
              podSelector: {}
              policyTypes: [Ingress]
            """;
    private static final String CNP = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: allow-frontend
              namespace: demo
            spec:
              endpointSelector: {matchLabels: {app: database}}
              ingress:
              - fromEndpoints: [{matchLabels: {app: frontend}}]
                toPorts: [{ports: [{port: "80", protocol: TCP}]}]
            """;
    private static final String APPLIED = """
            {"revision":7,"policies":[
              {"kind":"NetworkPolicy","namespace":"demo","name":"default-deny-ingress","revision":7,"result":"created"},
              {"kind":"CiliumNetworkPolicy","namespace":"demo","name":"allow-frontend","revision":7,"result":"unchanged"}],
             "warnings":["CiliumNetworkPolicy demo/allow-frontend: selects no endpoint yet"]}""";

    @TempDir
    Path dir;

    private final Map<String, Map<String, String>> namespaces = new ConcurrentHashMap<>();
    private Function<Request, Response> policies = request -> Response.ok(APPLIED);
    private FakeService services;
    private Path dataDir;

    @BeforeEach
    void start() throws IOException {
        services = new FakeService(this::route);
        dataDir = Files.createDirectories(dir.resolve("data"));
        services.stack(dataDir, "identity", "policy");
    }

    @AfterEach
    void stop() {
        services.close();
    }

    private Response route(Request request) {
        if (request.uri().startsWith("/v1/namespaces/")) {
            String name = request.uri().substring("/v1/namespaces/".length());
            switch (request.method()) {
                case "GET":
                    return namespaces.containsKey(name)
                            ? Response.ok(namespaceJson(name))
                            : Response.problem(404, "namespace '" + name + "' does not exist");
                case "PUT":
                    try {
                        Map<String, String> labels = new TreeMap<>();
                        JSON.readTree(request.body())
                                .path("labels")
                                .properties()
                                .forEach(
                                        e -> labels.put(e.getKey(), e.getValue().asText()));
                        labels.put("kubernetes.io/metadata.name", name);
                        namespaces.put(name, labels);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    return Response.ok(namespaceJson(name));
                case "DELETE":
                    return namespaces.remove(name) != null
                            ? new Response(204, "")
                            : Response.problem(404, "namespace '" + name + "' does not exist");
                default:
                    return Response.problem(405, "method");
            }
        }
        return policies.apply(request);
    }

    private String namespaceJson(String name) {
        try {
            return JSON.writeValueAsString(Map.of("name", name, "labels", namespaces.get(name)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void appliesNamespacesThenAllPoliciesInOnePutAfterTheirDryRun() throws IOException {
        Path file = write("demo.yaml", DENY + "---\n" + NAMESPACE + "---\n" + CNP);

        Result result = apply("-f", file.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(services.requests())
                .extracting(Request::toString)
                .containsExactly(
                        "GET /v1/namespaces/demo",
                        "PUT /v1/policies?dryRun=true",
                        "GET /v1/namespaces/demo",
                        "PUT /v1/namespaces/demo",
                        "PUT /v1/policies");
        Request dryRun = services.requests().get(1);
        Request put = services.requests().get(4);
        assertThat(dryRun.contentType()).isEqualTo("application/yaml");
        assertThat(put.contentType()).isEqualTo("application/yaml");
        assertThat(put.body()).isEqualTo(dryRun.body());
        List<JsonNode> documents = documents(put.body());
        assertThat(documents)
                .extracting(d -> d.path("metadata").path("name").asText())
                .containsExactly("default-deny-ingress", "allow-frontend");
        assertThat(documents.get(1)).isEqualTo(new YAMLMapper().readTree(CNP));
        assertThat(JSON.readTree(services.requests().get(3).body()))
                .isEqualTo(JSON.readTree("{\"labels\":{\"team\":\"web\"}}"));
        assertThat(result.out().lines().toList())
                .containsExactly(
                        "namespace/demo created",
                        "networkpolicy.networking.k8s.io/default-deny-ingress created",
                        "ciliumnetworkpolicy.cilium.io/allow-frontend unchanged");
        assertThat(result.err())
                .isEqualTo("Warning: CiliumNetworkPolicy demo/allow-frontend: selects no endpoint yet\n");
    }

    @Test
    void writesNoNamespaceWhoseLabelsAreUnchangedAndReportsARelabelAsConfigured() throws IOException {
        namespaces.put("demo", Map.of("kubernetes.io/metadata.name", "demo", "team", "web"));
        namespaces.put("shop", Map.of("kubernetes.io/metadata.name", "shop"));
        Path file = write(
                "ns.yaml",
                NAMESPACE + "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {tier: a}}\n");

        Result result = apply("-f", file.toString());

        assertThat(result.out().lines().toList())
                .containsExactly("namespace/demo unchanged", "namespace/shop configured");
        assertThat(services.requests())
                .extracting(Request::toString)
                .containsExactly(
                        "GET /v1/namespaces/demo",
                        "GET /v1/namespaces/shop",
                        "GET /v1/namespaces/demo",
                        "GET /v1/namespaces/shop",
                        "PUT /v1/namespaces/shop");
    }

    @Test
    void appliesNothingWhenOneDocumentOfOneFileIsInvalid() throws IOException {
        Path good = write("a.yaml", NAMESPACE + "---\n" + DENY);
        Path bad = write(
                "b.yaml",
                CNP + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n"
                        + "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\n");

        Result result = apply("-f", good.toString(), "-f", bad.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(services.requests()).isEmpty();
        assertThat(result.out()).isEmpty();
        assertThat(result.err().lines().toList())
                .containsExactly(
                        "Error: " + bad + ": document 2: spec: required",
                        "Error: " + bad + ": document 3: spec: required",
                        "nothing applied: 2 errors");
    }

    @Test
    void appliesNothingWhenThePolicyServiceRejectsTheDryRunAndNamesFileDocumentAndField() throws IOException {
        Path namespace = write("ns.yaml", NAMESPACE);
        Path file = write("policies.yaml", CNP + "---\n" + DENY);
        policies = request -> request.uri().contains("dryRun=true") ? new Response(400, """
                {"title":"Invalid policy","status":400,"detail":"1 invalid document",
                 "errors":[{"document":2,"field":"spec.podSelector","reason":"required"}]}""") : Response.ok(APPLIED);

        Result result = apply("-f", namespace.toString(), "-f", file.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().lines().toList())
                .containsExactly(
                        "Error: " + file + ": document 2: spec.podSelector: required", "nothing applied: 1 error");
        assertThat(services.requests())
                .extracting(Request::toString)
                .containsExactly("GET /v1/namespaces/demo", "PUT /v1/policies?dryRun=true");
        assertThat(namespaces).isEmpty();
    }

    @Test
    void dryRunChangesNothingAndSaysSo() throws IOException {
        Path file = write("demo.yaml", NAMESPACE + "---\n" + DENY + "---\n" + CNP);

        Result result = apply("-f", file.toString(), "--dry-run");

        assertThat(result.exitCode()).isZero();
        assertThat(services.requests())
                .extracting(Request::toString)
                .containsExactly("GET /v1/namespaces/demo", "PUT /v1/policies?dryRun=true");
        assertThat(result.out().lines().toList())
                .containsExactly(
                        "namespace/demo created (dry run)",
                        "networkpolicy.networking.k8s.io/default-deny-ingress created (dry run)",
                        "ciliumnetworkpolicy.cilium.io/allow-frontend unchanged (dry run)");
    }

    @Test
    void printsTheResultsAsJson() throws IOException {
        Path file = write("demo.yaml", NAMESPACE + "---\n" + DENY + "---\n" + CNP);

        Result result = apply("-f", file.toString(), "-o", "json");

        JsonNode json = JSON.readTree(result.out());
        assertThat(json.path("results")).hasSize(3);
        assertThat(json.path("results").get(0)).isEqualTo(JSON.readTree("""
                {"kind":"Namespace","name":"demo","result":"created"}"""));
        assertThat(json.path("results").get(1)).isEqualTo(JSON.readTree("""
                {"kind":"NetworkPolicy","namespace":"demo","name":"default-deny-ingress","result":"created","revision":7}"""));
        assertThat(json.path("warnings").get(0).asText()).contains("selects no endpoint yet");
    }

    @Test
    void readsADirectoryAndStandardInputAndDefaultsTheNamespace() throws IOException {
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        Files.writeString(deploy.resolve("2-deny.yml"), DENY.replace("  namespace: demo\n", ""));
        Files.writeString(deploy.resolve("1-ns.yaml"), NAMESPACE);
        Files.writeString(deploy.resolve("README.md"), "# not a manifest");

        Result result = FakeService.run(
                new ByteArrayInputStream(CNP.getBytes(StandardCharsets.UTF_8)),
                "apply",
                "-f",
                deploy.toString(),
                "-f",
                "-",
                "-n",
                "demo",
                "--data-dir",
                dataDir.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<JsonNode> sent = documents(services.requests().getLast().body());
        assertThat(sent)
                .extracting(d -> d.path("metadata").path("namespace").asText())
                .containsExactly("demo", "demo");
        assertThat(sent)
                .extracting(d -> d.path("kind").asText())
                .containsExactly("NetworkPolicy", "CiliumNetworkPolicy");
    }

    @Test
    void anUnreachablePolicyServiceIsOneLineAndNothingIsApplied() throws IOException {
        Path file = write("demo.yaml", NAMESPACE + "---\n" + DENY);
        Files.writeString(dataDir.resolve("stack.json"), """
                {"launcherPid":1,"components":[
                 {"name":"identity","kind":"service","port":%d,"url":"http://127.0.0.1:%d"},
                 {"name":"policy","kind":"service","port":1,"url":"http://127.0.0.1:1"}]}""".formatted(services.port(), services.port()));

        Result result = apply("-f", file.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .isEqualTo(
                        "Error: policy service not reachable at http://127.0.0.1:1 (is the stack up? ./tendril up)\n");
        assertThat(namespaces).isEmpty();
    }

    @Test
    void deletesPoliciesBeforeNamespacesAndReportsWhatWasNotFound() throws IOException {
        namespaces.put("demo", Map.of("kubernetes.io/metadata.name", "demo"));
        policies = request -> request.uri().endsWith("/allow-frontend")
                ? Response.problem(404, "no such policy")
                : Response.ok("{\"revision\":8}");
        Path file = write("demo.yaml", NAMESPACE + "---\n" + DENY + "---\n" + CNP);

        Result result = FakeService.run(null, "delete", "-f", file.toString(), "--data-dir", dataDir.toString());
        Result ignoring = FakeService.run(
                null, "delete", "-f", file.toString(), "--ignore-not-found", "--data-dir", dataDir.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out().lines().toList())
                .containsExactly(
                        "networkpolicy.networking.k8s.io \"default-deny-ingress\" deleted",
                        "namespace \"demo\" deleted");
        assertThat(result.err().lines().toList())
                .containsExactly(
                        "Error: ciliumnetworkpolicy.cilium.io \"allow-frontend\" in namespace \"demo\" not found");
        assertThat(services.requests().subList(0, 3))
                .extracting(Request::toString)
                .containsExactly(
                        "DELETE /v1/policies/NetworkPolicy/demo/default-deny-ingress",
                        "DELETE /v1/policies/CiliumNetworkPolicy/demo/allow-frontend",
                        "DELETE /v1/namespaces/demo");
        assertThat(ignoring.exitCode()).isZero();
        assertThat(ignoring.out().lines().toList())
                .containsExactly("networkpolicy.networking.k8s.io \"default-deny-ingress\" deleted");
        assertThat(ignoring.err()).isEmpty();
    }

    @Test
    void deleteNeedsOnlyWhatNamesEachObjectAsKubectlDoes() throws IOException {
        namespaces.put("demo", Map.of("kubernetes.io/metadata.name", "demo"));
        policies = request -> Response.ok("{\"revision\":9}");
        Path file = write("names-only.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: default-deny-ingress, namespace: demo}
                ---
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: allow-frontend, namespace: demo}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo}
                """);

        Result result = FakeService.run(null, "delete", "-f", file.toString(), "--data-dir", dataDir.toString());

        assertThat(result.err()).isEmpty();
        assertThat(result.exitCode()).isZero();
        assertThat(services.requests())
                .extracting(Request::toString)
                .containsExactly(
                        "DELETE /v1/policies/NetworkPolicy/demo/default-deny-ingress",
                        "DELETE /v1/policies/CiliumNetworkPolicy/demo/allow-frontend",
                        "DELETE /v1/namespaces/demo");
        Result applied = apply("-f", file.toString());
        assertThat(applied.exitCode()).isEqualTo(1);
        assertThat(applied.err()).contains("document 1: spec: required");
    }

    @Test
    void deleteChecksEveryDocumentFirst() throws IOException {
        Path file = write("demo.yaml", DENY + "---\nkind: Namespace\nmetadata: {name: demo}\n");

        Result result = FakeService.run(null, "delete", "-f", file.toString(), "--data-dir", dataDir.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(services.requests()).isEmpty();
        assertThat(result.err().lines().toList())
                .containsExactly("Error: " + file + ": document 2: apiVersion: required", "nothing deleted: 1 error");
    }

    @Test
    void withoutFilesIsAUsageError() {
        Result result = apply();

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("Missing required option: '--filename=FILE|DIR|-'");
    }

    private Result apply(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "apply";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--data-dir";
        all[args.length + 2] = dataDir.toString();
        return FakeService.run(null, all);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static List<JsonNode> documents(String yaml) throws IOException {
        YAMLMapper mapper = new YAMLMapper();
        return mapper.readerFor(JsonNode.class)
                .<JsonNode>readValues(mapper.getFactory().createParser(yaml))
                .readAll();
    }
}
