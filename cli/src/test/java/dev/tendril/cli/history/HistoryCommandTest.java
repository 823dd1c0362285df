package dev.tendril.cli.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpExchange;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tendril history}: asks every service that owns the kind, merges by time, prints who and what. */
class HistoryCommandTest {

    private static final String IDENTITY_POD = """
            {"kind":"Pod","namespace":"demo","name":"web-1","changes":[
            {"time":"2026-12-05T10:00:02.500Z","service":"identity","principal":"node:worker-1",
             "requestId":"cni-add-1","type":"EndpointRegistered","stream":"endpoint/demo/web-1","version":1,
             "position":7,"what":{"endpoint":{"spec":{"node":"worker-1","ips":["10.0.1.5"]},"identity":48211}}},
            {"time":"2026-12-05T10:05:00Z","service":"identity","principal":"admin",
             "requestId":"del-9","type":"EndpointDeregistered","stream":"endpoint/demo/web-1","version":2,
             "position":9,"what":{"endpoint":{"spec":{"node":"worker-1","ips":["10.0.1.5"]},"identity":48211}}}]}""";
    private static final String IPAM_POD = """
            {"kind":"Pod","namespace":"demo","name":"web-1","changes":[
            {"time":"2026-12-05T10:00:01Z","service":"ipam","principal":"node:worker-1","requestId":"cni-add-1",
             "type":"PodIpAllocated","stream":"node/worker-1","version":3,"position":4,
             "what":{"node":"worker-1","ip":"10.0.1.5","owner":"demo/web-1","uid":"u1"}}]}""";
    private static final String POLICY = """
            {"kind":"NetworkPolicy","namespace":"demo","name":"allow-web","changes":[
            {"time":"2026-12-05T09:00:00Z","service":"policy","principal":"admin","requestId":"apply-1",
             "type":"PolicyApplied","stream":"policy/NetworkPolicy/demo/allow-web","version":1,"position":1,
             "what":{"kind":"NetworkPolicy","namespace":"demo","name":"allow-web","revision":4}}]}""";

    @TempDir
    Path dataDir;

    private final List<HttpServer> servers = new ArrayList<>();
    private final Map<String, List<String>> queries = new ConcurrentHashMap<>();
    private final List<String> requestIds = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(server -> server.stop(0));
    }

    /** One fake service per entry: its name and the body (or problem) it answers /v1/history with. */
    private void serve(Map<String, String> bodies, int status) throws IOException {
        StringBuilder components = new StringBuilder();
        for (var entry : bodies.entrySet()) {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/v1/history", exchange -> {
                queries.computeIfAbsent(entry.getKey(), k -> new CopyOnWriteArrayList<>())
                        .add(exchange.getRequestURI().getRawQuery());
                requestIds.add(exchange.getRequestHeaders().getFirst("X-Request-Id"));
                respond(exchange, status, entry.getValue());
            });
            server.start();
            servers.add(server);
            int port = server.getAddress().getPort();
            components.append(components.isEmpty() ? "" : ",").append("""
                            {"name":"%s","kind":"service","port":%d,"url":"http://127.0.0.1:%d","pid":1}""".formatted(entry.getKey(), port, port));
        }
        Files.writeString(dataDir.resolve("stack.json"), "{\"launcherPid\":1,\"components\":[" + components + "]}");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders()
                .add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void mergesAPodsChangesFromIdentityAndIpamOldestFirst() throws IOException {
        serve(Map.of("identity", IDENTITY_POD, "ipam", IPAM_POD), 200);

        Result result = run("history", "pod/web-1", "-n", "demo", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).as(result.err).isZero();
        List<String> lines = result.out.lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("TIME\\s+SERVICE\\s+PRINCIPAL\\s+REQUEST\\s+CHANGE");
        assertThat(lines.get(1))
                .matches("2026-12-05T10:00:01Z\\s+ipam\\s+node:worker-1\\s+cni-add-1\\s+PodIpAllocated "
                        + "node=worker-1 ip=10\\.0\\.1\\.5 owner=demo/web-1");
        assertThat(lines.get(2))
                .matches("2026-12-05T10:00:02Z\\s+identity\\s+node:worker-1\\s+cni-add-1\\s+EndpointRegistered "
                        + "node=worker-1 identity=48211 ips=10\\.0\\.1\\.5");
        assertThat(lines.get(3)).contains("admin").contains("EndpointDeregistered");
        assertThat(queries.get("identity")).containsExactly("kind=Pod&namespace=demo&name=web-1");
        assertThat(queries.get("ipam")).containsExactly("kind=Pod&namespace=demo&name=web-1");
    }

    @Test
    void takesKubectlShortNamesAndKindNameAsTwoWords() throws IOException {
        serve(Map.of("policy", POLICY), 200);

        Result shortName = run("history", "netpol/allow-web", "-n", "demo", "--data-dir", dataDir.toString());
        Result twoWords = run("history", "NetworkPolicy", "allow-web", "-n", "demo", "--data-dir", dataDir.toString());

        assertThat(shortName.exitCode).as(shortName.err).isZero();
        assertThat(shortName.out).containsPattern("admin\\s+apply-1\\s+PolicyApplied revision=4");
        assertThat(twoWords.out).isEqualTo(shortName.out);
        assertThat(queries.get("policy")).containsOnly("kind=NetworkPolicy&namespace=demo&name=allow-web");
    }

    @Test
    void printsTheFullChangesAsJsonOrYaml() throws IOException {
        serve(Map.of("identity", IDENTITY_POD, "ipam", IPAM_POD), 200);

        Result json = run("history", "po/web-1", "-n", "demo", "-o", "json", "--data-dir", dataDir.toString());
        Result yaml = run("history", "po/web-1", "-n", "demo", "-o", "yaml", "--data-dir", dataDir.toString());

        assertThat(json.exitCode).as(json.err).isZero();
        JsonNode document = new ObjectMapper().readTree(json.out);
        assertThat(document.path("kind").asText()).isEqualTo("Pod");
        assertThat(document.path("namespace").asText()).isEqualTo("demo");
        assertThat(document.path("changes")).hasSize(3);
        assertThat(document.path("changes").get(0).path("service").asText()).isEqualTo("ipam");
        assertThat(document.path("changes")
                        .get(1)
                        .path("what")
                        .path("endpoint")
                        .path("identity")
                        .asLong())
                .isEqualTo(48211);
        assertThat(new ObjectMapper(new YAMLFactory()).readTree(yaml.out)).isEqualTo(document);
    }

    @Test
    void sendsOneRequestIdPerInvocationToEveryService() throws IOException {
        serve(Map.of("identity", IDENTITY_POD, "ipam", IPAM_POD), 200);

        run("history", "pod/web-1", "--data-dir", dataDir.toString());

        assertThat(requestIds).hasSize(2);
        assertThat(requestIds.getFirst()).matches("[0-9a-f-]{36}");
        assertThat(requestIds).containsOnly(requestIds.getFirst());
        assertThat(queries.get("identity")).containsExactly("kind=Pod&namespace=default&name=web-1");
    }

    @Test
    void saysSoWhenNothingWasRecorded() throws IOException {
        serve(Map.of("ipam", "{\"kind\":\"Node\",\"name\":\"n\",\"changes\":[]}"), 200);

        Result result = run("history", "node/n", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isZero();
        assertThat(result.out).isEqualTo("No changes recorded for Node n.\n");
    }

    @Test
    void refusesUnknownKindsAndMissingNamesAsUsageErrors() throws IOException {
        serve(Map.of("identity", IDENTITY_POD), 200);

        Result unknown = run("history", "deployment/web", "--data-dir", dataDir.toString());
        Result noName = run("history", "pod", "--data-dir", dataDir.toString());

        assertThat(unknown.exitCode).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(unknown.err).contains("unknown kind 'deployment'").contains("pod (po)");
        assertThat(noName.exitCode).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(noName.err).contains("missing the name");
        assertThat(queries).isEmpty();
    }

    @Test
    void aServicesRefusalIsOneErrorLine() throws IOException {
        serve(
                Map.of(
                        "identity",
                        "{\"title\":\"Bad Request\",\"status\":400,\"detail\":\"namespace name 'X' must be a DNS label\","
                                + "\"field\":\"namespace\"}"),
                400);

        Result result = run("history", "ns/X", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(result.err).startsWith("Error: Bad Request: namespace name 'X' must be a DNS label (HTTP 400)");
    }

    private record Result(int exitCode, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exitCode = cmd.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }
}
