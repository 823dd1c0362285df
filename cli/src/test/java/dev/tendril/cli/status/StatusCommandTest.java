package dev.tendril.cli.status;

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
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StatusCommandTest {

    private static final String UP = """
            {"status":"UP","checks":[{"name":"Kafka connection health check","status":"UP"}]}""";
    private static final String DOWN = """
            {"status":"DOWN","checks":[{"name":"Database connections health check","status":"DOWN"},\
            {"name":"Kafka connection health check","status":"UP"}]}""";

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> servers = new ArrayList<>();
    private int upPort;
    private int downPort;
    private int tcpPort;
    private int closedPort;

    @BeforeEach
    void startServers() throws IOException {
        upPort = healthServer(() -> UP);
        downPort = healthServer(() -> DOWN);
        ServerSocket tcp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        servers.add(tcp);
        tcpPort = tcp.getLocalPort();
        try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            closedPort = closed.getLocalPort();
        }
    }

    @AfterEach
    void stopServers() throws Exception {
        for (AutoCloseable server : servers) {
            server.close();
        }
    }

    @Test
    void reportsEveryComponentOkAndExitsZeroWhenAllAreUp() throws IOException {
        writeStack(
                component("identity", "service", upPort),
                component("agent-1", "agent", upPort),
                component("kafka", "kafka", tcpPort));

        Result result = run("status", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isZero();
        assertThat(result.out).containsPattern("(?m)^identity\\s+OK\\s+http://127\\.0\\.0\\.1:" + upPort + "$");
        assertThat(result.out).containsPattern("(?m)^agent-1\\s+OK\\s+http://127\\.0\\.0\\.1:" + upPort + "$");
        assertThat(result.out).containsPattern("(?m)^kafka\\s+OK\\s+127\\.0\\.0\\.1:" + tcpPort + "$");
        assertThat(result.out).contains("Tendril is healthy: 3/3 components OK");
        assertThat(result.err).isEmpty();
    }

    @Test
    void showsEachAgentsPodNetworkAsItsReadinessSaysIt() throws IOException {
        int kernel = healthServer(() -> """
                {"status":"UP","checks":[{"name":"agent","status":"UP",\
                "data":{"node":"node-1","podNetwork":"kernel (tc), 4 programs"}}]}""");
        int model = healthServer(() -> """
                {"status":"DOWN","checks":[{"name":"agent","status":"DOWN",\
                "data":{"podNetwork":"model: tendril.agent.pod-network=model"}}]}""");
        writeStack(
                component("identity", "service", upPort),
                component("agent-1", "agent", kernel),
                component("agent-2", "agent", model));

        Result text = run("status", "--data-dir", dataDir.toString());
        Result json = run("status", "--data-dir", dataDir.toString(), "-o", "json");

        assertThat(text.out).contains("""
                Pod network:
                  agent-1   kernel (tc), 4 programs
                  agent-2   model: tendril.agent.pod-network=model
                """);
        JsonNode components = new ObjectMapper().readTree(json.out).path("components");
        assertThat(components.get(0).has("podNetwork")).isFalse();
        assertThat(components.get(1).path("podNetwork").asText()).isEqualTo("kernel (tc), 4 programs");
        assertThat(components.get(2).path("podNetwork").asText()).isEqualTo("model: tendril.agent.pod-network=model");
    }

    @Test
    void namesTheFailingChecksAndExitsOneWhenAComponentIsDownOrUnreachable() throws IOException {
        writeStack(
                component("identity", "service", upPort),
                component("policy", "service", downPort),
                component("flows", "service", closedPort),
                component("postgres", "postgres", closedPort));

        Result result = run("status", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.out).containsPattern("(?m)^identity\\s+OK\\s+http://127\\.0\\.0\\.1:" + upPort + "$");
        assertThat(result.out)
                .containsPattern(
                        "(?m)^policy\\s+DOWN\\s+\\S+\\s+HTTP 503: not ready: Database connections health check$");
        assertThat(result.out).containsPattern("(?m)^flows\\s+UNREACHABLE\\s+\\S+\\s+connection refused$");
        assertThat(result.out).containsPattern("(?m)^postgres\\s+UNREACHABLE\\s+127\\.0\\.0\\.1:" + closedPort);
        assertThat(result.out).contains("Tendril is not healthy: 1/4 components OK (not OK: policy, flows, postgres)");
    }

    @Test
    void countsNodesEndpointsIdentitiesAndPoliciesAndShowsADashForFlowsWithoutAStatus() throws IOException {
        try (dev.tendril.cli.FakeService services = new dev.tendril.cli.FakeService(request -> switch (request.uri()) {
            case HealthProbe.READY_PATH -> dev.tendril.cli.FakeService.Response.ok(UP);
            case "/v1/nodes" ->
                dev.tendril.cli.FakeService.Response.ok("[{\"name\":\"node-1\"},{\"name\":\"node-2\"}]");
            case "/v1/endpoints" -> dev.tendril.cli.FakeService.Response.ok("[{},{},{}]");
            case "/v1/identities" -> dev.tendril.cli.FakeService.Response.ok("[{},{},{},{}]");
            case "/v1/policies" -> dev.tendril.cli.FakeService.Response.ok("[{}]");
            default -> dev.tendril.cli.FakeService.Response.problem(404, "no route");
        })) {
            services.stack(dataDir, "identity", "ipam", "policy", "flows");

            Result text = run("status", "--data-dir", dataDir.toString());
            Result json = run("status", "--data-dir", dataDir.toString(), "-o", "json");

            assertThat(text.exitCode).isZero();
            assertThat(text.out).contains("""
                    Nodes:       2
                    Endpoints:   3
                    Identities:  4
                    Policies:    1
                    Flows:       -

                    Tendril is healthy: 4/4 components OK""");
            assertThat(new ObjectMapper().readTree(json.out).path("counts").toString())
                    .isEqualTo("{\"nodes\":2,\"endpoints\":3,\"identities\":4,\"policies\":1,\"flows\":null}");
        }
    }

    @Test
    void leavesOutTheCountsOfAComponentThatIsNotOkAndExitsOne() throws IOException {
        try (dev.tendril.cli.FakeService services =
                new dev.tendril.cli.FakeService(request -> request.uri().equals(HealthProbe.READY_PATH)
                        ? dev.tendril.cli.FakeService.Response.ok(UP)
                        : dev.tendril.cli.FakeService.Response.ok("[{},{}]"))) {
            writeStack(
                    component("identity", "service", services.port()),
                    component("ipam", "service", closedPort),
                    component("policy", "service", downPort));

            Result result = run("status", "--data-dir", dataDir.toString(), "-o", "json");

            assertThat(result.exitCode).isEqualTo(1);
            assertThat(new ObjectMapper().readTree(result.out).path("counts").toString())
                    .isEqualTo("{\"nodes\":null,\"endpoints\":2,\"identities\":2,\"policies\":null,\"flows\":null}");
        }
    }

    @Test
    void printsALineEachTimeTheReadyCountChangesWhileWaitingOffATerminal() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        int laterUpPort = healthServer(() -> requests.incrementAndGet() < 3 ? DOWN : UP);
        writeStack(component("ipam", "service", laterUpPort), component("identity", "service", upPort));

        Result result = run("status", "--data-dir", dataDir.toString(), "--wait", "--timeout", "60s", "-o", "json");

        assertThat(result.exitCode).isZero();
        assertThat(result.err.lines()).containsExactly("1/2 components ready", "2/2 components ready");
        assertThat(new ObjectMapper().readTree(result.out).path("healthy").asBoolean())
                .isTrue();
    }

    @Test
    void printsTheSameReportAsJson() throws IOException {
        writeStack(component("identity", "service", upPort), component("policy", "service", downPort));

        Result result = run("status", "--data-dir", dataDir.toString(), "-o", "json");

        assertThat(result.exitCode).isEqualTo(1);
        JsonNode json = new ObjectMapper().readTree(result.out);
        assertThat(json.path("healthy").asBoolean()).isFalse();
        assertThat(json.path("ok").asInt()).isEqualTo(1);
        assertThat(json.path("total").asInt()).isEqualTo(2);
        assertThat(json.path("components").get(0).path("name").asText()).isEqualTo("identity");
        assertThat(json.path("components").get(0).path("status").asText()).isEqualTo("OK");
        assertThat(json.path("components").get(0).path("address").asText()).isEqualTo("http://127.0.0.1:" + upPort);
        assertThat(json.path("components").get(1).path("status").asText()).isEqualTo("DOWN");
        assertThat(json.path("components").get(1).path("kind").asText()).isEqualTo("service");
    }

    @Test
    void waitsUntilAComponentBecomesReady() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        int laterUpPort = healthServer(() -> requests.incrementAndGet() < 3 ? DOWN : UP);
        writeStack(component("ipam", "service", laterUpPort));

        Result result = run("status", "--data-dir", dataDir.toString(), "--wait", "--timeout", "60s");

        assertThat(result.exitCode).isZero();
        assertThat(requests.get()).isGreaterThanOrEqualTo(3);
        assertThat(result.out).containsPattern("(?m)^ipam\\s+OK\\s+");
    }

    @Test
    void givesUpWaitingAfterTheTimeoutAndExitsOne() throws IOException {
        writeStack(component("policy", "service", downPort));

        Result result = run("status", "--data-dir", dataDir.toString(), "--wait", "--timeout", "1s");

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.out).containsPattern("(?m)^policy\\s+DOWN\\s+");
    }

    @Test
    void reportsAnUnreadableStackFileInOneLine() throws IOException {
        Files.writeString(dataDir.resolve("stack.json"), "{ not json");

        Result result = run("status", "--data-dir", dataDir.toString());

        assertThat(result.exitCode).isEqualTo(1);
        assertThat(result.out).isEmpty();
        assertThat(result.err.lines()).hasSize(1);
        assertThat(result.err).startsWith("Error: cannot read ").contains("stack.json");
    }

    @Test
    void rejectsBadOptionsInOneLineWithUsageExitCode() {
        Result unknown = run("status", "--frobnicate");
        Result badTimeout = run("status", "--wait", "--timeout", "soon");

        assertThat(unknown.exitCode).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(unknown.err.lines()).hasSize(1);
        assertThat(unknown.err).contains("--frobnicate").contains("tendril status --help");
        assertThat(badTimeout.exitCode).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(badTimeout.err).contains("'soon' is not a duration");
    }

    @Test
    void showsEachComponentsRestartsAndLastExitFromTheSupervisingLauncher() throws IOException {
        writeStack(component("identity", "service", upPort), component("kafka", "kafka", tcpPort));
        Files.writeString(dataDir.resolve("supervisor.json"), """
                {"launcherPid":%d,"control":"http://127.0.0.1:1","components":[
                 {"name":"identity","state":"running","pid":4242,"restarts":2,
                  "lastExit":{"code":137,"reason":"killed by SIGKILL","at":"2026-01-01T00:00:05Z"}},
                 {"name":"kafka","state":"running","pid":77,"restarts":0}]}""".formatted(
                        ProcessHandle.current().pid()));

        Result text = run("status", "--data-dir", dataDir.toString());
        Result json = run("status", "--data-dir", dataDir.toString(), "-o", "json");

        assertThat(text.exitCode).isZero();
        assertThat(text.out)
                .containsPattern("(?m)^identity\\s+OK\\s+http://127\\.0\\.0\\.1:" + upPort
                        + "\\s+restarts 2\\s+last exit: killed by SIGKILL at 2026-01-01T00:00:05Z$");
        assertThat(text.out).containsPattern("(?m)^kafka\\s+OK\\s+127\\.0\\.0\\.1:" + tcpPort + "\\s+restarts 0$");
        JsonNode identity =
                new ObjectMapper().readTree(json.out).path("components").get(0);
        assertThat(identity.path("restarts").asInt()).isEqualTo(2);
        assertThat(identity.path("pid").asLong()).isEqualTo(4242);
        assertThat(identity.path("lastExit").asText()).isEqualTo("killed by SIGKILL at 2026-01-01T00:00:05Z");
    }

    @Test
    void ignoresTheSupervisorFileOfALauncherThatNoLongerRuns() throws IOException {
        writeStack(component("identity", "service", upPort));
        Files.writeString(dataDir.resolve("supervisor.json"), """
                {"launcherPid":%d,"components":[{"name":"identity","state":"running","pid":1,"restarts":3}]}""".formatted(Long.MAX_VALUE / 2));

        Result json = run("status", "--data-dir", dataDir.toString(), "-o", "json");

        assertThat(new ObjectMapper()
                        .readTree(json.out)
                        .path("components")
                        .get(0)
                        .has("restarts"))
                .isFalse();
    }

    @Test
    void printsItsVersion() {
        Result result = run("--version");

        assertThat(result.exitCode).isZero();
        assertThat(result.out).startsWith("tendril ");
    }

    private int healthServer(java.util.function.Supplier<String> body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(HealthProbe.READY_PATH, exchange -> {
            String json = body.get();
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(json.contains("\"status\":\"UP\",\"checks\"") ? 200 : 503, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        servers.add(() -> server.stop(0));
        return server.getAddress().getPort();
    }

    private static String component(String name, String kind, int port) {
        String url = kind.equals("service") || kind.equals("agent") ? "http://127.0.0.1:" + port : "127.0.0.1:" + port;
        return """
                {"name":"%s","kind":"%s","port":%d,"url":"%s","pid":1}""".formatted(name, kind, port, url);
    }

    private void writeStack(String... components) throws IOException {
        Files.writeString(
                dataDir.resolve("stack.json"),
                "{\"launcherPid\":1,\"components\":[" + String.join(",", components) + "]}");
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
