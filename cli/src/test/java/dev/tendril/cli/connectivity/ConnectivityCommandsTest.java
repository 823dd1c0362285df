package dev.tendril.cli.connectivity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.FakeCluster;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Request;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.FakeService.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tendril connectivity probe} and {@code matrix} against in-memory agents answering {@code POST /v1/probe}. */
class ConnectivityCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String DROPPED = """
            {"verdict":"DROPPED",
             "from":{"endpoint":1,"ip":"10.0.1.2","identity":1000,"node":"node-1"},
             "to":{"endpoint":1,"ip":"10.0.2.2","identity":1001,"node":"node-2"},
             "egress":{"verdict":"FORWARDED","dropReason":null,"dropReasonCode":0,"matchType":"none","policies":[],"node":"node-1"},
             "ingress":{"verdict":"DROPPED","dropReason":"POLICY_DENIED","dropReasonCode":133,"matchType":"none",
                        "policies":["NetworkPolicy/demo/default-deny-ingress"],"node":"node-2"}}""";
    private static final String FORWARDED = """
            {"verdict":"FORWARDED","from":{},"to":{},
             "egress":{"verdict":"FORWARDED","policies":[],"node":"node-1"},
             "ingress":{"verdict":"FORWARDED","matchType":"L3-L4",
                        "policies":[{"kind":"NetworkPolicy","namespace":"demo","name":"allow-x"}],"node":"node-2"}}""";

    @TempDir
    Path dataDir;

    private FakeCluster cluster;

    @BeforeEach
    void start() throws IOException {
        cluster = new FakeCluster("node-1", "node-2");
        cluster.stack(dataDir);
        cluster.pod("node-1", "demo", "frontend", "u1", Map.of("app", "frontend"));
        cluster.pod("node-2", "demo", "database", "u2", Map.of("app", "database"));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void asksTheSourcePodsAgentAndPrintsWhereAndWhyItDropped() throws IOException {
        cluster.agentRoutes = request -> Response.ok(DROPPED);

        Result result =
                run("connectivity", "probe", "--from", "demo/frontend", "--to", "demo/database", "--port", "80");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out())
                .isEqualTo("demo/frontend -> demo/database 80/TCP: DROPPED (Policy denied, ingress at"
                        + " node-2, policies: NetworkPolicy/demo/default-deny-ingress)\n");
        Request probe = cluster.requests("node-1").stream()
                .filter(r -> r.uri().equals("/v1/probe"))
                .findFirst()
                .orElseThrow();
        assertThat(probe.method()).isEqualTo("POST");
        assertThat(JSON.readTree(probe.body()))
                .isEqualTo(JSON.readTree(
                        "{\"from\":\"demo/frontend\",\"to\":\"demo/database\",\"port\":80,\"protocol\":\"TCP\"}"));
        assertThat(cluster.requests("node-2")).extracting(Request::uri).doesNotContain("/v1/probe");
    }

    @Test
    void namesThePoliciesThatAllowEachDirectionWhenForwarded() {
        cluster.agentRoutes = request -> Response.ok(FORWARDED);

        Result result = run(
                "connectivity",
                "probe",
                "--from",
                "demo/frontend",
                "--to",
                "demo/database",
                "--port",
                "53",
                "--protocol",
                "udp");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out())
                .isEqualTo("demo/frontend -> demo/database 53/UDP: FORWARDED (egress: not enforced,"
                        + " ingress: allowed by NetworkPolicy/demo/allow-x)\n");
    }

    @Test
    void printsTheAgentsAnswerWithOutputJson() throws IOException {
        cluster.agentRoutes = request -> Response.ok(DROPPED);

        Result result = run(
                "connectivity",
                "probe",
                "--from",
                "demo/frontend",
                "--to",
                "demo/database",
                "--port",
                "80",
                "-o",
                "json");

        assertThat(JSON.readTree(result.out())).isEqualTo(JSON.readTree(DROPPED));
    }

    @Test
    void rejectsAnUnknownSourcePodAndABadPort() {
        Result unknown = run("connectivity", "probe", "--from", "demo/nope", "--to", "demo/database", "--port", "80");
        Result badPort =
                run("connectivity", "probe", "--from", "demo/frontend", "--to", "demo/database", "--port", "0");
        Result badPod = run("connectivity", "probe", "--from", "frontend", "--to", "demo/database", "--port", "80");

        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err())
                .isEqualTo("Error: pod demo/nope is not an endpoint of any agent (nodes: node-1, node-2)\n");
        assertThat(badPort.exitCode()).isEqualTo(2);
        assertThat(badPort.err()).startsWith("Error: --port must be 1..65535, not 0");
        assertThat(badPod.exitCode()).isEqualTo(2);
        assertThat(badPod.err()).contains("'frontend' is not NAMESPACE/POD");
        Result badTarget = run("connectivity", "probe", "--from", "demo/frontend", "--to", "database", "--port", "80");
        assertThat(badTarget.exitCode()).isEqualTo(2);
        assertThat(badTarget.err())
                .contains("--to: 'database' is not NAMESPACE/POD (nor svc:NAMESPACE/NAME, nor an IP address)");
    }

    @Test
    void probesAnAddressAClusterMeshPeersPodSayAsTheAgentResolvesIt() throws IOException {
        cluster.agentRoutes = request -> Response.ok(DROPPED);

        Result v4 = run("connectivity", "probe", "--from", "demo/frontend", "--to", "10.2.1.5", "--port", "80");
        Result v6 = run("connectivity", "probe", "--from", "demo/frontend", "--to", "fd00:2::105", "--port", "80");

        assertThat(v4.exitCode()).as(v4.err()).isZero();
        assertThat(v4.out()).startsWith("demo/frontend -> 10.2.1.5 80/TCP: DROPPED");
        assertThat(v6.exitCode()).as(v6.err()).isZero();
        List<String> targets = new java.util.ArrayList<>();
        for (Request r : cluster.requests("node-1")) {
            if (r.uri().equals("/v1/probe")) {
                targets.add(JSON.readTree(r.body()).path("to").asText());
            }
        }
        assertThat(targets).containsExactly("10.2.1.5", "fd00:2::105");
    }

    @Test
    void probesAServiceAtItsClusterIpResolvedFromThePolicyService() throws IOException {
        cluster.agentRoutes = request -> Response.ok(FORWARDED);
        cluster.policyRoutes = request -> request.uri().equals("/v1/services/demo/database")
                ? Response.ok("""
                        {"namespace":"demo","name":"database","type":"ClusterIP","clusterIPs":["10.96.0.20"],
                         "ports":[{"protocol":"TCP","port":5432}]}""")
                : Response.problem(404, "Service " + request.uri().substring("/v1/services/".length()) + " not found");

        Result result =
                run("connectivity", "probe", "--from", "demo/frontend", "--to", "svc:demo/database", "--port", "5432");
        Result missing =
                run("connectivity", "probe", "--from", "demo/frontend", "--to", "svc:demo/nope", "--port", "5432");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).startsWith("demo/frontend -> svc:demo/database (10.96.0.20) 5432/TCP: FORWARDED");
        Request probe = cluster.requests("node-1").stream()
                .filter(r -> r.uri().equals("/v1/probe"))
                .findFirst()
                .orElseThrow();
        assertThat(JSON.readTree(probe.body()))
                .isEqualTo(JSON.readTree(
                        "{\"from\":\"demo/frontend\",\"to\":\"10.96.0.20\",\"port\":5432,\"protocol\":\"TCP\"}"));
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("Error: Not Found: Service demo/nope not found (HTTP 404)\n");
    }

    /** Only frontend may reach database; every pod reaches itself. */
    private Response matrixRoute(Request request) {
        try {
            JsonNode body = JSON.readTree(request.body());
            String from = body.path("from").asText();
            String to = body.path("to").asText();
            boolean allowed = from.equals(to)
                    || Set.of("demo/frontend>demo/database", "other/client>demo/frontend")
                            .contains(from + ">" + to);
            return Response.ok("{\"verdict\":\"" + (allowed ? "FORWARDED" : "DROPPED") + "\"}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void probesEveryOrderedPairAndPrintsTheMatrixAsJson() throws IOException {
        cluster.pod("node-2", "other", "client", "u3", Map.of("app", "client"));
        cluster.agentRoutes = this::matrixRoute;

        Result result = run("connectivity", "matrix", "--namespaces", "demo,other", "--port", "80", "-o", "json");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(JSON.readTree(result.out()).toString()).isEqualTo("""
                {"port":80,"protocol":"TCP","pods":["demo/database","demo/frontend","other/client"],"matrix":{\
                "demo/database":{"demo/database":true,"demo/frontend":false,"other/client":false},\
                "demo/frontend":{"demo/database":true,"demo/frontend":true,"other/client":false},\
                "other/client":{"demo/database":false,"demo/frontend":true,"other/client":true}}}""");
        assertThat(cluster.log())
                .filteredOn(line -> line.endsWith("POST /v1/probe"))
                .containsExactlyInAnyOrder(
                        "node-2 POST /v1/probe",
                        "node-2 POST /v1/probe",
                        "node-2 POST /v1/probe",
                        "node-1 POST /v1/probe",
                        "node-1 POST /v1/probe",
                        "node-1 POST /v1/probe",
                        "node-2 POST /v1/probe",
                        "node-2 POST /v1/probe",
                        "node-2 POST /v1/probe");
        assertThat(cluster.log())
                .filteredOn(line -> line.contains("GET /v1/endpoints"))
                .containsExactly(
                        "identity GET /v1/endpoints?namespace=demo", "identity GET /v1/endpoints?namespace=other",
                        "node-1 GET /v1/endpoints", "node-2 GET /v1/endpoints");
    }

    @Test
    void probesUpToParallelPairsAtOnceAndNeverMoreWithTheSameTable() throws Exception {
        cluster.pod("node-2", "other", "client", "u3", Map.of("app", "client"));
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        // The first three probes answer only once all three are in flight together.
        CountDownLatch three = new CountDownLatch(3);
        cluster.agentRoutes = request -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                three.countDown();
                three.await(10, TimeUnit.SECONDS);
                return matrixRoute(request);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                inFlight.decrementAndGet();
            }
        };

        Result parallel = matrixJson("3");

        assertThat(three.getCount()).as("three probes were in flight at once").isZero();
        assertThat(most.get()).as("most probes in flight").isEqualTo(3);
        assertThat(parallel.exitCode()).as(parallel.err()).isZero();
        most.set(0);
        cluster.agentRoutes = request -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                return matrixRoute(request);
            } finally {
                inFlight.decrementAndGet();
            }
        };
        Result serial = matrixJson("1");
        assertThat(most.get()).as("most probes in flight with --parallel 1").isEqualTo(1);
        assertThat(JSON.readTree(parallel.out())).isEqualTo(JSON.readTree(serial.out()));
        assertThat(JSON.readTree(parallel.out())
                        .path("matrix")
                        .path("other/client")
                        .toString())
                .isEqualTo("{\"demo/database\":false,\"demo/frontend\":true,\"other/client\":true}");
    }

    private Result matrixJson(String parallel) {
        return run(
                "connectivity",
                "matrix",
                "--namespaces",
                "demo,other",
                "--port",
                "80",
                "--parallel",
                parallel,
                "-o",
                "json");
    }

    @Test
    void aFailedProbeFailsTheMatrixAndABadParallelIsAUsageError() {
        cluster.agentRoutes = request -> request.body().contains("\"to\":\"demo/frontend\"")
                ? Response.problem(400, "to: no such pod")
                : Response.ok(FORWARDED);

        Result failed = run("connectivity", "matrix", "--namespaces", "demo", "--port", "80");
        Result zero = run("connectivity", "matrix", "--namespaces", "demo", "--port", "80", "--parallel", "0");

        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.err()).contains("to: no such pod");
        assertThat(failed.out()).isEmpty();
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).startsWith("Error: --parallel: must be 1..64, not 0");
    }

    @Test
    void printsTheMatrixAsTheNetpolTruthTable() {
        cluster.pod("node-2", "other", "client", "u3", Map.of("app", "client"));
        cluster.agentRoutes = this::matrixRoute;

        Result result = run("connectivity", "matrix", "--namespaces", "demo,other", "--port", "80");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                -              demo/database  demo/frontend  other/client
                demo/database  .              X              X
                demo/frontend  .              .              X
                other/client   X              .              .
                """);
        assertThat(result.err()).isEmpty();
    }

    @Test
    void modelSendsModelTrueAndWithoutItTheRequestHasNoModelField() throws IOException {
        cluster.agentRoutes = request -> Response.ok(DROPPED);

        run("connectivity", "probe", "--from", "demo/frontend", "--to", "demo/database", "--port", "80", "--model");
        run("connectivity", "probe", "--from", "demo/frontend", "--to", "demo/database", "--port", "80");

        var probes = cluster.requests("node-1").stream()
                .filter(r -> r.uri().equals("/v1/probe"))
                .toList();
        assertThat(probes).hasSize(2);
        assertThat(JSON.readTree(probes.get(0).body()).path("model").asBoolean())
                .isTrue();
        assertThat(JSON.readTree(probes.get(1).body()).has("model")).isFalse();
    }

    @Test
    void namesTheDatapathThatAnsweredAndMarksADisagreementWithTheModel() {
        cluster.agentRoutes = request -> Response.ok("""
                {"verdict":"FORWARDED","datapath":"kernel","disagrees":true,
                 "egress":{"verdict":"FORWARDED","policies":[],"node":"node-1"},
                 "ingress":{"verdict":"FORWARDED","policies":[],"node":"node-2"},
                 "model":""" + DROPPED + "}");

        Result result =
                run("connectivity", "probe", "--from", "demo/frontend", "--to", "demo/database", "--port", "80");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out())
                .isEqualTo("demo/frontend -> demo/database 80/TCP: FORWARDED (egress: not enforced,"
                        + " ingress: not enforced) [kernel datapath]; THE MODEL DISAGREES: DROPPED (Policy denied, ingress at"
                        + " node-2, policies: NetworkPolicy/demo/default-deny-ingress)\n");
    }

    @Test
    void saysWhyTheModelAnsweredOnAKernelNode() {
        cluster.agentRoutes = request -> Response.ok("""
                {"verdict":"DROPPED","datapath":"model","modelBecause":"the kernel has no SCTP","egress":null,
                 "ingress":{"verdict":"DROPPED","dropReason":"POLICY_DENIED","policies":[],"node":"node-2"}}""");

        Result result = run(
                "connectivity",
                "probe",
                "--from",
                "demo/frontend",
                "--to",
                "demo/database",
                "--port",
                "3868",
                "--protocol",
                "SCTP");

        assertThat(result.out()).as(result.err()).endsWith(" [model datapath: the kernel has no SCTP]\n");
    }

    @Test
    void marksTheMatrixCellsWhereTheKernelAndTheModelDisagree() throws IOException {
        cluster.agentRoutes = request -> {
            JsonNode body = read(request.body());
            boolean disagrees = body.path("from").asText().equals("demo/frontend")
                    && body.path("to").asText().equals("demo/database");
            return Response.ok("{\"verdict\":\"FORWARDED\",\"datapath\":\"kernel\",\"disagrees\":" + disagrees + "}");
        };

        Result text = run("connectivity", "matrix", "--namespaces", "demo", "--port", "80");
        Result json = run("connectivity", "matrix", "--namespaces", "demo", "--port", "80", "-o", "json");

        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).isEqualTo("""
                -              demo/database  demo/frontend
                demo/database  .              .
                demo/frontend  .!             .
                Answered by the kernel datapath; '!': the kernel datapath and the model disagree (1).
                """);
        JsonNode answer = JSON.readTree(json.out());
        assertThat(answer.path("datapaths").toString()).isEqualTo("[\"kernel\"]");
        assertThat(answer.path("disagreements").toString())
                .isEqualTo("[{\"from\":\"demo/frontend\",\"to\":\"demo/database\"}]");
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Result run(String... args) {
        String[] withData = new String[args.length + 2];
        System.arraycopy(args, 0, withData, 0, args.length);
        withData[args.length] = "--data-dir";
        withData[args.length + 1] = dataDir.toString();
        return FakeService.run(null, withData);
    }
}
