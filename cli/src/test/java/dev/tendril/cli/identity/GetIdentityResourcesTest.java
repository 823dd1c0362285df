package dev.tendril.cli.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tendril.cli.TendrilCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GetIdentityResourcesTest {

    private static final String IDENTITIES = """
            [{"id":1,"labels":["reserved:host"],"name":"host","reserved":true},
             {"id":312,"labels":["k8s:app=web","k8s:io.cilium.k8s.policy.cluster=east",\
            "k8s:io.kubernetes.pod.namespace=shop"],"endpoints":2}]""";
    private static final String REMOTE_IDENTITIES = """
            [{"id":131372,"cluster":"west","labels":["k8s:app=web","k8s:io.cilium.k8s.policy.cluster=west",\
            "k8s:io.kubernetes.pod.namespace=shop"]}]""";
    private static final String NAMESPACES = """
            [{"name":"shop","labels":{"kubernetes.io/metadata.name":"shop","team":"a"}}]""";
    private static final String ENDPOINTS = """
            [{"namespace":"shop","pod":"web-1","uid":"u","node":"node-1","ips":["10.0.1.5","fd00::5"],
              "labels":{"app":"web"},"serviceAccount":"default","namedPorts":[],"identity":312},
             {"namespace":"shop","pod":"web-2","uid":"v","node":"node-2","ips":["10.0.2.7"],
              "labels":{"app":"web"},"serviceAccount":"default","namedPorts":[],"identity":312,"terminating":true}]""";

    @TempDir
    Path dataDir;

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startIdentityService() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serve("/v1/identities", 200, IDENTITIES);
        serve("/v1/namespaces", 200, NAMESPACES);
        serve("/v1/endpoints", 200, ENDPOINTS);
        serve("/v1/clustermesh/identities", 200, REMOTE_IDENTITIES);
        server.start();
        int port = server.getAddress().getPort();
        Files.writeString(dataDir.resolve("stack.json"), """
                {"launcherPid":1,"components":[{"name":"identity","kind":"service","port":%d,\
                "url":"http://127.0.0.1:%d","pid":1}]}""".formatted(port, port));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void listsIdentitiesAsATable() {
        Result result = run("get", "identities", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isZero();
        assertThat(result.out.lines().toList())
                .containsExactly(
                        "ID    NAME   CLUSTER   ENDPOINTS   LABELS",
                        "1     host                         reserved:host",
                        "312          east      2           k8s:app=web,k8s:io.cilium.k8s.policy.cluster=east,"
                                + "k8s:io.kubernetes.pod.namespace=shop");
        assertThat(result.err).contains("identities of ClusterMesh peers not listed");
    }

    @Test
    void listsThePeersIdentitiesFromThePolicyServiceWithTheirCluster() throws IOException {
        int port = server.getAddress().getPort();
        Files.writeString(dataDir.resolve("stack.json"), """
                {"launcherPid":1,"components":[{"name":"identity","kind":"service","port":%d,\
                "url":"http://127.0.0.1:%d","pid":1},{"name":"policy","kind":"service","port":%d,\
                "url":"http://127.0.0.1:%d","pid":1}]}""".formatted(port, port, port, port));

        Result result = run("get", "identities", "-l", "k8s:app=web", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isZero();
        assertThat(result.out.lines().toList())
                .contains("131372          west                  k8s:app=web,k8s:io.cilium.k8s.policy.cluster=west,"
                        + "k8s:io.kubernetes.pod.namespace=shop");
        assertThat(requests).contains("/v1/clustermesh/identities?label=k8s%3Aapp%3Dweb");
    }

    @Test
    void passesLabelFiltersToTheService() {
        run(
                "get",
                "identities",
                "-l",
                "k8s:app=web",
                "--label",
                "k8s:io.kubernetes.pod.namespace=shop",
                "--data-dir",
                dataDir.toString());

        assertThat(requests)
                .contains(
                        "/v1/identities?label=k8s%3Aapp%3Dweb&label=k8s%3Aio.kubernetes.pod.namespace%3Dshop&limit=500");
    }

    @Test
    void listsNamespacesAndEndpointsWithTerminatingOnes() {
        Result namespaces = run("get", "ns", "--data-dir", dataDir.toString());
        Result endpoints = run("get", "endpoints", "-n", "shop", "--data-dir", dataDir.toString());

        assertThat(namespaces.out.lines().toList())
                .containsExactly("NAME   LABELS", "shop   kubernetes.io/metadata.name=shop,team=a");
        assertThat(endpoints.out.lines().toList())
                .containsExactly(
                        "NAMESPACE   POD     IDENTITY   NODE     IPS                STATUS",
                        "shop        web-1   312        node-1   10.0.1.5,fd00::5   Running",
                        "shop        web-2   312        node-2   10.0.2.7           Terminating");
        assertThat(requests).contains("/v1/endpoints?namespace=shop&limit=500");
    }

    @Test
    void printsJsonWithDashOJson() throws IOException {
        Result result = run("get", "endpoints", "-o", "json", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isZero();
        JsonNode json = new ObjectMapper().readTree(result.out);
        assertThat(json.get(0).path("identity").asLong()).isEqualTo(312);
        assertThat(json.get(0).path("ips").get(1).asText()).isEqualTo("fd00::5");
    }

    @Test
    void reportsAServiceRefusalInOneLineAndExitsOne() throws IOException {
        server.removeContext("/v1/identities");
        serve("/v1/identities", 400, """
                {"type":"https://tendril.dev/problems/invalid-input","title":"Invalid input","status":400,\
                "detail":"unknown label source 'x'","field":"label"}""");

        Result result = run("get", "identities", "-l", "x:a=b", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.err.lines()).hasSize(1);
        assertThat(result.err).contains("Invalid input: unknown label source 'x' (HTTP 400)");
    }

    @Test
    void reportsAnUnreachableServiceInOneLine() {
        server.stop(0);

        Result result = run("get", "namespaces", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.err.lines()).hasSize(1);
        assertThat(result.err).contains("identity service not reachable");
    }

    private void serve(String path, int status, String body) {
        server.createContext(path, exchange -> {
            requests.add(exchange.getRequestURI().toString());
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders()
                    .add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exitCode = cmd.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err) {}
}
