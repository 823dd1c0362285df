package dev.tendril.cli.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Request;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.FakeService.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tendril apply/delete -f} of Services and EndpointSlices against a stand-in policy service. */
class ServiceApplyTest {

    static final String SERVICE = """
            apiVersion: v1
            kind: Service
            metadata:
              name: backend
              namespace: demo
            spec:
              selector: {app: backend}
              ports:
              - {name: http, port: 80, targetPort: 8080, protocol: TCP}
            """;
    static final String NODE_PORT = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: NodePort
              ports:
              - {port: 80, nodePort: 30080}
            """;
    static final String SLICE = """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: web-1
              labels: {kubernetes.io/service-name: web}
            addressType: IPv4
            ports: [{name: "", port: 8080, protocol: TCP}]
            endpoints:
            - addresses: [10.0.1.9]
            """;
    static final String APPLIED = """
            {"revision":12,
             "services":[
              {"namespace":"demo","name":"backend","type":"ClusterIP","clusterIPs":["10.96.0.10"],"result":"created",
               "conditions":[]},
              {"namespace":"demo","name":"web","type":"NodePort","clusterIPs":["10.96.0.11"],"result":"unchanged",
               "conditions":["port http: no pod declares targetPort \\"web\\": no backend"]}],
             "endpointSlices":[{"namespace":"demo","name":"web-1","service":"web","addressType":"IPv4"}]}""";

    @TempDir
    Path dir;

    private Function<Request, Response> policy = request -> Response.ok(APPLIED);
    private FakeService services;
    private Path dataDir;

    @BeforeEach
    void start() throws IOException {
        services = new FakeService(request -> policy.apply(request));
        dataDir = Files.createDirectories(dir.resolve("data"));
        services.stack(dataDir, "identity", "policy");
    }

    @AfterEach
    void stop() {
        services.close();
    }

    @Test
    void appliesServicesAndSlicesInOnePutAfterItsDryRun() throws IOException {
        Path file = write("svc.yaml", SERVICE + "---\n" + SLICE + "---\n" + NODE_PORT);

        Result result = run("apply", "-f", file.toString(), "-n", "demo");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(services.requests())
                .extracting(Request::toString)
                .containsExactly("PUT /v1/services?dryRun=true", "PUT /v1/services");
        Request put = services.requests().get(1);
        assertThat(put.contentType()).isEqualTo("application/yaml");
        assertThat(put.body()).isEqualTo(services.requests().get(0).body());
        List<JsonNode> sent = documents(put.body());
        assertThat(sent)
                .extracting(d -> d.path("kind").asText() + " "
                        + d.path("metadata").path("namespace").asText() + "/"
                        + d.path("metadata").path("name").asText())
                .containsExactly("Service demo/backend", "EndpointSlice demo/web-1", "Service demo/web");
        assertThat(sent.get(1).path("endpoints").get(0).path("addresses").get(0).asText())
                .isEqualTo("10.0.1.9");
        assertThat(result.out().lines().toList())
                .containsExactly(
                        "service/backend created",
                        "service/web unchanged",
                        "endpointslice.discovery.k8s.io/web-1 configured");
        assertThat(result.err())
                .isEqualTo("Warning: Service demo/web: port http: no pod declares targetPort \"web\": no backend\n");
    }

    @Test
    void dryRunSendsOnlyTheDryRunAndJsonNamesTheRevision() throws IOException {
        Path file = write("svc.yaml", SERVICE);

        Result dry = run("apply", "-f", file.toString(), "--dry-run");
        Result json = run("apply", "-f", file.toString(), "-o", "json");

        assertThat(dry.exitCode()).as(dry.err()).isZero();
        assertThat(dry.out()).startsWith("service/backend created (dry run)\n");
        assertThat(services.requests().getFirst().toString()).isEqualTo("PUT /v1/services?dryRun=true");
        JsonNode results = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(json.out())
                .path("results");
        assertThat(results.get(0).toString())
                .isEqualTo("{\"kind\":\"Service\",\"namespace\":\"demo\",\"name\":\"backend\",\"result\":\"created\","
                        + "\"revision\":12}");
    }

    @Test
    void aRejectedDryRunNamesFileDocumentAndFieldAndAppliesNothing() throws IOException {
        Path file = write("svc.yaml", SERVICE + "---\n" + NODE_PORT);
        policy = request -> new Response(422, """
                {"title":"Invalid Service","status":422,"detail":"1 invalid document",
                 "errors":[{"document":2,"field":"spec.ports[0].nodePort","reason":"30080 is taken by demo/other"}]}""");

        Result result = run("apply", "-f", file.toString(), "-n", "demo");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err().lines().toList())
                .containsExactly(
                        "Error: " + file + ": document 2: spec.ports[0].nodePort: 30080 is taken by demo/other",
                        "nothing applied: 1 error");
        assertThat(services.requests()).extracting(Request::toString).containsExactly("PUT /v1/services?dryRun=true");
    }

    @Test
    void aConflictNamingOnlyTheFieldAndTheObjectIsMappedToItsDocument() throws IOException {
        Path file = write("svc.yaml", NODE_PORT + "---\n" + SERVICE.replace("80, targetPort", "81, targetPort"));
        policy = request -> new Response(409, """
                {"title":"Conflict","status":409,"detail":"10.96.0.10 is allocated to demo/db",
                 "field":"spec.clusterIP","kind":"Service","namespace":"demo","name":"backend"}""");

        Result result = run("apply", "-f", file.toString(), "-n", "demo");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().lines().toList())
                .containsExactly(
                        "Error: " + file + ": document 2: spec.clusterIP: 10.96.0.10 is allocated to demo/db",
                        "nothing applied: 1 error");
    }

    @Test
    void checksWhatTheServiceCannotSeeBeforeAskingIt() throws IOException {
        Path file = write("svc.yaml", """
                apiVersion: v1
                kind: Service
                metadata: {namespace: demo}
                spec: {ports: [{port: 80}]}
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: s}
                endpoints: []
                """);

        Result result = run("apply", "-f", file.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(services.requests()).isEmpty();
        assertThat(result.err().lines().toList())
                .containsExactly(
                        "Error: " + file + ": document 1: metadata.name: required",
                        "Error: " + file + ": document 2: addressType: required (IPv4 or IPv6)",
                        "nothing applied: 2 errors");
    }

    @Test
    void deletesServicesAndSlicesByNamespaceAndName() throws IOException {
        policy = request -> request.uri().endsWith("/web-1")
                ? Response.problem(404, "no such EndpointSlice")
                : Response.ok("{\"revision\":13}");
        Path file = write("svc.yaml", SERVICE + "---\n" + SLICE);

        Result result = run("delete", "-f", file.toString(), "-n", "demo");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(services.requests())
                .extracting(Request::toString)
                .containsExactly("DELETE /v1/services/demo/backend", "DELETE /v1/endpointslices/demo/web-1");
        assertThat(result.out()).isEqualTo("service \"backend\" deleted\n");
        assertThat(result.err())
                .isEqualTo("Error: endpointslice.discovery.k8s.io \"web-1\" in namespace \"demo\" not found\n");
    }

    private Result run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = dataDir.toString();
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
