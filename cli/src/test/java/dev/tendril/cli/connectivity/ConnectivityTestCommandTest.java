package dev.tendril.cli.connectivity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tendril.cli.FakeCluster;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Request;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.FakeService.Result;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tendril connectivity test} against in-memory services and agents. The fake agents do not evaluate policies:
 * each test scripts the probe verdicts by which of the scenario's policies the fake policy service holds.
 */
class ConnectivityTestCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final String NS = "tendril-connectivity-test";
    private static final List<String> ALL = List.of(
            "pod-to-pod-same-node",
            "pod-to-pod-cross-node",
            "default-deny",
            "allow-by-label",
            "allow-by-namespace",
            "allow-by-cidr",
            "deny-precedence",
            "pod-to-service",
            "pod-to-service-policy",
            "pod-to-nodeport");

    @TempDir
    Path dataDir;

    private FakeCluster cluster;
    /** The policies the fake policy service holds, as {@code Kind/namespace/name}. */
    private final Set<String> policies = ConcurrentHashMap.newKeySet();
    /** Every policy change, in order: {@code +Kind/ns/name} applied, {@code -Kind/ns/name} deleted. */
    private final List<String> policyChanges = new CopyOnWriteArrayList<>();

    private final AtomicInteger revision = new AtomicInteger();
    /** The verdict each probe gets; {@link #datapath} unless a test scripts another. */
    private volatile Function<JsonNode, String> probes = this::datapath;

    private final List<String> probed = new CopyOnWriteArrayList<>();
    /** The Services the fake policy service holds: {@code ns/name} to the applied document (JSON). */
    private final Map<String, String> services = new ConcurrentHashMap<>();

    /** Every Service document ever applied, deleted or not. */
    private final Map<String, String> appliedServices = new ConcurrentHashMap<>();

    private final Map<String, Integer> clusterIps = new ConcurrentHashMap<>();
    private final AtomicInteger serviceCount = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        cluster = new FakeCluster("node-1", "node-2");
        cluster.stack(dataDir);
        cluster.policyRoutes = this::policyService;
        cluster.agentRoutes = request -> switch (request.uri()) {
            case "/v1/maps/ipcache" -> cluster.ipcache();
            case "/v1/probe" -> probe(request, probes);
            default -> Response.problem(404, "no route " + request.uri());
        };
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void deploysPodsOnEveryNodeRunsEveryTestAndDeletesAllItCreated() {
        Result result = run("connectivity", "test");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                [1/10] pod-to-pod-same-node ... OK
                [2/10] pod-to-pod-cross-node ... OK
                [3/10] default-deny ... OK
                [4/10] allow-by-label ... OK
                [5/10] allow-by-namespace ... OK
                [6/10] allow-by-cidr ... OK
                [7/10] deny-precedence ... OK
                [8/10] pod-to-service ... OK
                [9/10] pod-to-service-policy ... OK
                [10/10] pod-to-nodeport ... OK
                10 passed, 0 failed
                """);
        assertThat(endpointsCreated("node-1"))
                .containsExactly(NS + "/client-node-1", NS + "/server-node-1", NS + "/stranger", NS + "-other/client");
        assertThat(endpointsCreated("node-2")).containsExactly(NS + "/client-node-2", NS + "/server-node-2");
        JsonNode server = cluster.requests("node-2").stream()
                .filter(r -> r.method().equals("POST") && r.body().contains("server-node-2"))
                .map(r -> read(r.body()))
                .findFirst()
                .orElseThrow();
        assertThat(server.path("labels")).isEqualTo(read("{\"app\":\"server\",\"kind\":\"server\"}"));
        assertThat(server.path("namedPorts")).isEqualTo(read("[{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"}]"));
        assertThat(cluster.log())
                .filteredOn(line -> line.startsWith("identity PUT /v1/namespaces/"))
                .containsExactly("identity PUT /v1/namespaces/" + NS, "identity PUT /v1/namespaces/" + NS + "-other");
        assertThat(policyChanges)
                .containsExactly(
                        "+NetworkPolicy/" + NS + "/default-deny-ingress",
                        "-NetworkPolicy/" + NS + "/default-deny-ingress",
                        "+NetworkPolicy/" + NS + "/allow-client-to-server",
                        "-NetworkPolicy/" + NS + "/allow-client-to-server",
                        "+NetworkPolicy/" + NS + "/allow-from-test-namespace",
                        "-NetworkPolicy/" + NS + "/allow-from-test-namespace",
                        "+CiliumNetworkPolicy/" + NS + "/client-egress-to-cidr",
                        "-CiliumNetworkPolicy/" + NS + "/client-egress-to-cidr",
                        "+CiliumNetworkPolicy/" + NS + "/allow-client-ingress",
                        "+CiliumNetworkPolicy/" + NS + "/deny-client-ingress",
                        "-CiliumNetworkPolicy/" + NS + "/allow-client-ingress",
                        "-CiliumNetworkPolicy/" + NS + "/deny-client-ingress",
                        "+Service/" + NS + "/server",
                        "-Service/" + NS + "/server",
                        "+NetworkPolicy/" + NS + "/allow-client-to-server",
                        "+Service/" + NS + "/server",
                        "-Service/" + NS + "/server",
                        "-NetworkPolicy/" + NS + "/allow-client-to-server",
                        "+Service/" + NS + "/server-nodeport",
                        "-Service/" + NS + "/server-nodeport");
        List<String> log = cluster.log();
        assertThat(log.indexOf("policy PUT /v1/policies"))
                .as("policies after the pods are ready")
                .isGreaterThan(lastIndex(log, "POST /v1/endpoints"))
                .isGreaterThan(lastIndex(log, "GET /v1/maps/ipcache"));
        assertThat(lastIndex(log, "DELETE /v1/endpoints/"))
                .as("pods deleted before their namespaces")
                .isLessThan(lastIndex(log, "identity DELETE /v1/namespaces/"));
        assertThat(cluster.pods()).isEmpty();
        assertThat(cluster.namespaces()).isEmpty();
        assertThat(cluster.log())
                .filteredOn(line -> line.startsWith("identity DELETE"))
                .containsExactly(
                        "identity DELETE /v1/namespaces/" + NS, "identity DELETE /v1/namespaces/" + NS + "-other");
    }

    @Test
    void probesEachPairTheScenarioNamesWithTheServersPort() {
        Result result = run("connectivity", "test", "--test", "deny-precedence", "--test", "cidr");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                [1/2] allow-by-cidr ... OK
                [2/2] deny-precedence ... OK
                2 passed, 0 failed
                """);
        assertThat(probeRequests())
                .containsExactly(
                        // allow-by-cidr: every client, in and out of the allowed CIDR
                        probe("client-node-1", "192.0.2.10"), probe("client-node-1", "198.51.100.10"),
                        probe("client-node-2", "192.0.2.10"), probe("client-node-2", "198.51.100.10"),
                        // deny-precedence: same node, then across nodes
                        probe("client-node-1", NS + "/server-node-1"), probe("client-node-2", NS + "/server-node-2"),
                        probe("client-node-1", NS + "/server-node-2"), probe("client-node-2", NS + "/server-node-1"));
    }

    @Test
    void probesServicesAtTheirClusterIpAndNodePortsAtTheNodesAddresses() {
        Result result = run("connectivity", "test", "--test", "pod-to-service", "--test", "nodeport");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                [1/3] pod-to-service ... OK
                [2/3] pod-to-service-policy ... OK
                [3/3] pod-to-nodeport ... OK
                3 passed, 0 failed
                """);
        assertThat(probeRequests())
                .containsExactly(
                        // pod-to-service: every node's client to the ClusterIP at the Service's port
                        probe("client-node-1", "10.96.0.1"),
                        probe("client-node-2", "10.96.0.1"),
                        // pod-to-service-policy: a client is allowed, the stranger dropped at the backend's ingress
                        probe("client-node-1", "10.96.0.2"),
                        probe("stranger", "10.96.0.2"),
                        // pod-to-nodeport: each client to the next node's address at the NodePort
                        NS + "/client-node-1 -> 192.168.0.2 30003/TCP",
                        NS + "/client-node-2 -> 192.168.0.1 30003/TCP");
        JsonNode service = read(appliedServices.get(NS + "/server-nodeport"));
        assertThat(service.path("spec").path("type").asText()).isEqualTo("NodePort");
        assertThat(service.path("spec").path("selector").toString()).isEqualTo("{\"app\":\"server\"}");
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText())
                .isEqualTo("http");
        assertThat(policies).isEmpty();
        assertThat(services).isEmpty();
        assertThat(cluster.log())
                .filteredOn(line -> line.startsWith("policy DELETE /v1/services/"))
                .containsExactly(
                        "policy DELETE /v1/services/" + NS + "/server",
                        "policy DELETE /v1/services/" + NS + "/server",
                        "policy DELETE /v1/services/" + NS + "/server-nodeport");
    }

    @Test
    void aServiceProbeThatGetsTheWrongVerdictFailsNamingTheService() {
        probes = body -> forwarded(false);

        Result result = run("connectivity", "test", "--test", "pod-to-service-policy", "--timeout", "1s");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out())
                .startsWith("[1/1] pod-to-service-policy ... FAILED: " + NS + "/stranger -> svc:" + NS
                        + "/server 80/TCP: expected DROPPED (at ingress, by NetworkPolicy/" + NS
                        + "/allow-client-to-server), got FORWARDED");
    }

    @Test
    void pollsUntilTheEndpointsAndThePoliciesHavePropagated() {
        AtomicInteger ipcacheAnswers = new AtomicInteger();
        AtomicInteger staleProbes = new AtomicInteger(3);
        cluster.agentRoutes = request -> switch (request.uri()) {
            // The first dumps come before the agents heard of the pods.
            case "/v1/maps/ipcache" ->
                ipcacheAnswers.incrementAndGet() <= 2
                        ? Response.ok("{\"map\":\"tendril_ipcache\",\"rows\":[]}")
                        : cluster.ipcache();
            // The first probes under the policy still see no policy.
            case "/v1/probe" ->
                probe(
                        request,
                        body -> !policies.isEmpty() && staleProbes.getAndDecrement() > 0
                                ? forwarded(false)
                                : datapath(body));
            default -> Response.problem(404, "no route");
        };

        Result result = run("connectivity", "test", "--test", "default-deny", "--poll-interval", "10ms");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("[1/1] default-deny ... OK\n1 passed, 0 failed\n");
        assertThat(result.err()).contains("waiting for endpoints: 0/6 ready", "waiting for endpoints: 6/6 ready");
        assertThat(ipcacheAnswers.get()).isGreaterThan(2);
        assertThat(probeRequests()).hasSize(3 + 4);
    }

    @Test
    void reportsAFailedTestWithTheVerdictItGotDeletesEverythingAndExitsNonZero() {
        // A datapath that ignores deny rules: the allow wins.
        probes = body -> policies.contains("CiliumNetworkPolicy/" + NS + "/deny-client-ingress")
                ? forwarded(false)
                : datapath(body);

        Result result = run("connectivity", "test", "--test", "deny", "--timeout", "200ms", "--poll-interval", "50ms");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEqualTo("""
                [1/2] default-deny ... OK
                [2/2] deny-precedence ... FAILED: %1$s/client-node-1 -> %1$s/server-node-1 80/TCP: expected DROPPED \
                (181 Policy denied by denylist, at ingress, by CiliumNetworkPolicy/%1$s/deny-client-ingress), got \
                FORWARDED (egress: not enforced, ingress: not enforced) (after 200ms)
                1 passed, 1 failed
                """.formatted(NS));
        assertThat(probeRequests().size()).as("probed again until the timeout").isGreaterThan(4 + 2);
        assertThat(policies).isEmpty();
        assertThat(policyChanges).filteredOn(change -> change.startsWith("-")).hasSize(3);
        assertThat(cluster.pods()).isEmpty();
        assertThat(cluster.namespaces()).isEmpty();
    }

    @Test
    void deletesWhatItCreatedWhenTheEndpointsNeverBecomeReady() {
        // node-2's agent never hears of any pod.
        cluster.nodeRoutes =
                (node, request) -> node.equals("node-2") ? Response.ok("{\"rows\":[]}") : cluster.ipcache();

        Result result = run("connectivity", "test", "--timeout", "100ms", "--poll-interval", "20ms");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err())
                .contains("Error: 6 of 6 endpoints not ready after 100ms: " + NS
                        + "/client-node-1 (not in node-2's ipcache), " + NS
                        + "/server-node-1 (not in node-2's ipcache)");
        assertThat(result.out()).isEmpty();
        assertThat(probeRequests()).isEmpty();
        assertThat(cluster.pods()).isEmpty();
        assertThat(cluster.namespaces()).isEmpty();
    }

    @Test
    void keepLeavesThePodsAndNamespacesButNotThePolicies() {
        Result result = run("connectivity", "test", "--keep", "--test", "allow-by-label");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.err()).contains("kept namespaces " + NS + ", " + NS + "-other and their pods (--keep)");
        assertThat(cluster.pods()).hasSize(6);
        assertThat(cluster.namespaces()).containsExactlyInAnyOrder(NS, NS + "-other");
        assertThat(policies).isEmpty();
        assertThat(services).isEmpty();
        assertThat(cluster.log())
                .filteredOn(line -> line.contains("DELETE /v1/endpoints"))
                .isEmpty();
    }

    @Test
    void printsTheResultsAsJsonAndSkipsCrossNodeOnOneNode() throws IOException {
        cluster.close();
        cluster = new FakeCluster("node-1");
        cluster.stack(dataDir);
        cluster.policyRoutes = this::policyService;
        cluster.agentRoutes =
                request -> request.uri().equals("/v1/probe") ? probe(request, this::datapath) : cluster.ipcache();

        Result result = run("connectivity", "test", "--test-namespace", "cct", "--test", "pod-to-pod", "-o", "json");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(JSON.readTree(result.out())).isEqualTo(JSON.readTree("""
                {"namespace":"cct","results":[
                  {"name":"pod-to-pod-same-node","result":"passed"},
                  {"name":"pod-to-pod-cross-node","result":"skipped","reason":"needs 2 nodes, the stack has 1"}],
                 "passed":1,"failed":0,"skipped":1}"""));
        assertThat(endpointsCreated("node-1"))
                .containsExactly("cct/client-node-1", "cct/server-node-1", "cct/stranger", "cct-other/client");
    }

    @Test
    void sendsModelWithModelAndReportsTheDisagreementsOfATest() throws IOException {
        cluster.agentRoutes = request -> request.uri().equals("/v1/probe")
                ? probe(request, body -> {
                    ObjectNode answer = (ObjectNode) read(datapath(body));
                    answer.put("datapath", body.path("model").asBoolean() ? "model" : "kernel");
                    answer.put("disagrees", !body.path("model").asBoolean());
                    return answer.toString();
                })
                : cluster.ipcache();

        Result kernel = run("connectivity", "test", "--test-namespace", "cct", "--test", "pod-to-pod-same-node");
        Result model = run(
                "connectivity",
                "test",
                "--test-namespace",
                "cct",
                "--test",
                "pod-to-pod-same-node",
                "--model",
                "-o",
                "json");

        assertThat(kernel.exitCode()).as(kernel.err()).isZero();
        assertThat(kernel.out())
                .contains("pod-to-pod-same-node ... OK (cct/client-node-1 -> cct/server-node-1 80/TCP:"
                        + " THE MODEL DISAGREES")
                .contains("1 passed, 0 failed (answered by the kernel datapath)");
        assertThat(model.exitCode()).as(model.err()).isZero();
        JsonNode json = JSON.readTree(model.out());
        assertThat(json.path("datapaths").toString()).isEqualTo("[\"model\"]");
        assertThat(json.path("results").get(0).has("disagrees")).isFalse();
    }

    @Test
    void rejectsATestNameThatMatchesNoneAndABadNamespace() {
        Result unknown = run("connectivity", "test", "--test", "nope");
        Result badNamespace = run("connectivity", "test", "--test-namespace", "Not_A_Label");

        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err())
                .startsWith("Error: no test matches --test nope (tests: " + String.join(", ", ALL) + ")");
        assertThat(badNamespace.exitCode()).isEqualTo(2);
        assertThat(badNamespace.err()).contains("--test-namespace must be a DNS label");
        assertThat(cluster.log()).isEmpty();
    }

    /**
     * What a datapath under the scenarios' policies answers: no policy forwards everything; each scenario's policy
     * decides as Cilium would, naming itself.
     */
    private String datapath(JsonNode probe) {
        String from = probe.path("from").asText();
        String to = probe.path("to").asText();
        boolean client = from.startsWith(NS + "/client-");
        if (policies.contains("NetworkPolicy/" + NS + "/default-deny-ingress")) {
            return dropped("ingress", 133, "NetworkPolicy/" + NS + "/default-deny-ingress");
        }
        if (policies.contains("NetworkPolicy/" + NS + "/allow-client-to-server")) {
            return client
                    ? forwarded(false)
                    : dropped("ingress", 133, "NetworkPolicy/" + NS + "/allow-client-to-server");
        }
        if (policies.contains("NetworkPolicy/" + NS + "/allow-from-test-namespace")) {
            return from.startsWith(NS + "/")
                    ? forwarded(false)
                    : dropped("ingress", 133, "NetworkPolicy/" + NS + "/allow-from-test-namespace");
        }
        if (policies.contains("CiliumNetworkPolicy/" + NS + "/client-egress-to-cidr")) {
            return to.startsWith("192.0.2.")
                    ? forwarded(true)
                    : dropped("egress", 133, "CiliumNetworkPolicy/" + NS + "/client-egress-to-cidr");
        }
        if (policies.contains("CiliumNetworkPolicy/" + NS + "/deny-client-ingress")) {
            return dropped("ingress", 181, "CiliumNetworkPolicy/" + NS + "/deny-client-ingress");
        }
        return forwarded(false);
    }

    private static String forwarded(boolean external) {
        return """
                {"verdict":"FORWARDED","loopback":false,"from":{},"to":{},
                 "egress":{"verdict":"FORWARDED","policies":[]},"ingress":%s}""".formatted(external ? "null" : "{\"verdict\":\"FORWARDED\",\"policies\":[]}");
    }

    private static String dropped(String direction, int code, String policy) {
        String half = """
                {"verdict":"DROPPED","dropReason":"%s","dropReasonCode":%d,"policies":["%s"],"node":"node-1"}""".formatted(code == 181 ? "POLICY_DENY" : "POLICY_DENIED", code, policy);
        return direction.equals("egress")
                ? "{\"verdict\":\"DROPPED\",\"egress\":" + half + ",\"ingress\":null}"
                : "{\"verdict\":\"DROPPED\",\"egress\":{\"verdict\":\"FORWARDED\",\"policies\":[]},\"ingress\":" + half
                        + "}";
    }

    /** The policy service: holds what PUT applies, forgets what DELETE names. */
    private Response policyService(Request request) {
        if (request.method().equals("PUT") && request.uri().startsWith("/v1/policies")) {
            if (request.uri().contains("dryRun")) {
                return Response.problem(400, "the connectivity test needs no dry run");
            }
            List<Map<String, Object>> applied = new ArrayList<>();
            try {
                List<JsonNode> documents = YAML.readerFor(JsonNode.class)
                        .<JsonNode>readValues(request.body())
                        .readAll();
                for (JsonNode document : documents) {
                    String kind = document.path("kind").asText();
                    String namespace =
                            document.path("metadata").path("namespace").asText();
                    String name = document.path("metadata").path("name").asText();
                    policies.add(kind + "/" + namespace + "/" + name);
                    policyChanges.add("+" + kind + "/" + namespace + "/" + name);
                    Map<String, Object> outcome = new LinkedHashMap<>();
                    outcome.put("kind", kind);
                    outcome.put("namespace", namespace);
                    outcome.put("name", name);
                    outcome.put("result", "created");
                    outcome.put("revision", revision.incrementAndGet());
                    applied.add(outcome);
                }
                return Response.ok(JSON.writeValueAsString(Map.of("policies", applied, "warnings", List.of())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (request.uri().startsWith("/v1/services")) {
            return serviceApi(request);
        }
        if (request.method().equals("DELETE") && request.uri().startsWith("/v1/policies/")) {
            String ref = request.uri().substring("/v1/policies/".length());
            policyChanges.add("-" + ref);
            return policies.remove(ref)
                    ? Response.ok("{\"revision\":" + revision.incrementAndGet() + "}")
                    : Response.problem(404, "no policy " + ref);
        }
        return Response.problem(404, "no route");
    }

    /**
     * The policy service's Services: PUT keeps each document (the n-th Service ever applied gets ClusterIP
     * 10.96.0.n and, when a NodePort, NodePort 30000+n), GET answers the view, DELETE forgets.
     */
    private Response serviceApi(Request request) {
        try {
            if (request.method().equals("PUT") && request.uri().startsWith("/v1/services")) {
                List<Map<String, Object>> views = new ArrayList<>();
                for (JsonNode document : YAML.readerFor(JsonNode.class)
                        .<JsonNode>readValues(request.body())
                        .readAll()) {
                    String ref = document.path("metadata").path("namespace").asText() + "/"
                            + document.path("metadata").path("name").asText();
                    int n = serviceCount.incrementAndGet();
                    services.put(ref, document.toString());
                    appliedServices.put(ref, document.toString());
                    clusterIps.put(ref, n);
                    policyChanges.add("+Service/" + ref);
                    views.add(view(ref));
                }
                return Response.ok(
                        JSON.writeValueAsString(Map.of("revision", revision.incrementAndGet(), "services", views)));
            }
            String ref = request.uri().substring("/v1/services/".length());
            if (!services.containsKey(ref)) {
                return Response.problem(404, "no Service " + ref);
            }
            if (request.method().equals("DELETE")) {
                services.remove(ref);
                policyChanges.add("-Service/" + ref);
                return Response.ok("{\"revision\":" + revision.incrementAndGet() + "}");
            }
            return Response.ok(JSON.writeValueAsString(view(ref)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Object> view(String ref) {
        JsonNode spec = read(services.get(ref)).path("spec");
        int n = clusterIps.get(ref);
        boolean nodePort = spec.path("type").asText().equals("NodePort");
        return Map.of(
                "namespace", ref.substring(0, ref.indexOf('/')),
                "name", ref.substring(ref.indexOf('/') + 1),
                "type", spec.path("type").asText(),
                "clusterIPs", List.of("10.96.0." + n),
                "ports",
                        List.of(Map.of(
                                "name", "http", "protocol", "TCP", "port", 80, "nodePort", nodePort ? 30000 + n : 0)));
    }

    private List<String> endpointsCreated(String node) {
        return cluster.requests(node).stream()
                .filter(r -> r.method().equals("POST") && r.uri().equals("/v1/endpoints"))
                .map(r -> read(r.body()))
                .map(b -> b.path("namespace").asText() + "/" + b.path("pod").asText())
                .toList();
    }

    /** Every probe the agents were asked, as {@code from -> to port/protocol}, in order. */
    private List<String> probeRequests() {
        return List.copyOf(probed);
    }

    /** Records the probe, then answers it with {@code verdicts}. */
    private Response probe(Request request, Function<JsonNode, String> verdicts) {
        JsonNode body = read(request.body());
        probed.add(body.path("from").asText() + " -> " + body.path("to").asText() + " "
                + body.path("port").asInt() + "/" + body.path("protocol").asText());
        return Response.ok(verdicts.apply(body));
    }

    private static int lastIndex(List<String> log, String part) {
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }

    private static String probe(String fromPod, String to) {
        return NS + "/" + fromPod + " -> " + to + " 80/TCP";
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
