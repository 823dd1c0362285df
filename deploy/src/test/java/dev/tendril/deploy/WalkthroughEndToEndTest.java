package dev.tendril.deploy;

import static dev.tendril.testing.netpol.NetpolScenarios.ALL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.deploy.StackCli.Result;
import dev.tendril.testing.browser.FlowTableRows;
import dev.tendril.testing.netpol.NetpolScenarios;
import dev.tendril.testing.netpol.NetpolScenarios.Pod;
import dev.tendril.testing.netpol.NetpolScenarios.Probe;
import dev.tendril.testing.netpol.NetpolScenarios.Scenario;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README walkthrough and the Kubernetes netpol e2e model against the real local stack: the launcher in a child
 * JVM (two agents, its own ports and data directory) and the {@code tendril} CLI in this JVM, as a user runs them.
 * One stack for the whole class, in order: the walkthrough, {@code tendril demo}, the conformance scenarios, then a
 * restart of everything that must keep identities, addresses and verdicts. Skipped when the jars are not built.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedStack.Use.class)
@Order(1)
class WalkthroughEndToEndTest {

    // The shared stack's (SharedStack): clear of LauncherEndToEndTest (1000) and of a developer's stack on 8081-8092.
    private static final int PORT_OFFSET = SharedStack.PORT_OFFSET;
    private static final int NODES = SharedStack.NODES;
    // Failure guards only: a healthy run takes a fraction of these.
    private static final Duration READY_GUARD = Duration.ofMinutes(4);
    private static final Duration EXIT_GUARD = TestLauncher.STOP_GUARD;
    private static final Duration CONVERGE_GUARD = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final List<String> DEMO_PODS = List.of("demo/frontend", "demo/backend", "demo/database");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** allow-localhost: every endpoint whose ingress is enforced accepts the host (1) on any port. */
    private static final String HOST_ALLOW = "1 0/ANY allow";

    private static final long HOST = 1;
    private static final long REMOTE_NODE = 6;

    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();
    private final Path demo = repo.resolve("deploy/examples/demo.yaml");
    private final Path demoPolicies = repo.resolve("deploy/examples/demo-policies.yaml");
    private LauncherOutput output;
    private Path dataDir;
    private Process launcher;
    /** What the walkthrough saw before the restart: per pod its identity and addresses, per pair its verdict. */
    private Map<String, Long> identitiesBefore;

    private Map<String, List<String>> addressesBefore;
    private Map<String, String> nodesBefore;
    private Map<String, String> verdictsBefore;
    /** Whether the agents run the kernel datapath (real packets), as their start-up said. */
    private boolean kernel;

    @BeforeAll
    void startStack() throws Exception {
        dataDir = SharedStack.dataDir(repo);
        startLauncher();
    }

    @Test
    @Order(1)
    void walkthroughDropsFrontendToDatabaseOnceThePoliciesReachTheAgents() throws Exception {
        Result status = cli("status", "--wait", "--timeout", "120s");
        assertThat(status.code()).as(status.toString()).isZero();
        for (String name : List.of("postgres", "kafka", "identity", "ipam", "policy", "flows", "agent-1", "agent-2")) {
            assertThat(status.out()).as("status").containsPattern("(?m)^" + name + " +OK ");
        }

        Result applied = ok("apply", "-f", demo.toString());
        assertThat(applied.out().lines())
                .containsExactly(
                        "namespace/demo created",
                        "pod/frontend created",
                        "pod/backend created",
                        "pod/database created");
        Map<String, JsonNode> endpoints = demoEndpoints();
        assertThat(endpoints).containsOnlyKeys(DEMO_PODS);
        assertThat(endpoints.values().stream().map(e -> e.path("node").asText()).distinct())
                .as("pods spread over both nodes")
                .containsExactlyInAnyOrder("node-1", "node-2");

        assertThat(verdict("frontend", "backend")).isEqualTo("FORWARDED");
        assertThat(verdict("backend", "database")).isEqualTo("FORWARDED");
        assertThat(verdict("frontend", "database")).isEqualTo("FORWARDED");

        Result policies = ok("apply", "-f", demoPolicies.toString());
        assertThat(policies.out().lines())
                .containsExactly(
                        "networkpolicy.networking.k8s.io/default-deny-ingress created",
                        "networkpolicy.networking.k8s.io/allow-frontend-to-backend created",
                        "networkpolicy.networking.k8s.io/allow-backend-to-database created");
        awaitVerdict("frontend", "database", "DROPPED");

        assertThat(verdict("frontend", "backend")).isEqualTo("FORWARDED");
        assertThat(verdict("backend", "database")).isEqualTo("FORWARDED");
        assertThat(ok(probeArgs("frontend", "database")).out().strip())
                .startsWith("demo/frontend -> demo/database 80/TCP: DROPPED (Policy denied, ingress at "
                        + endpoints.get("demo/database").path("node").asText())
                .contains("NetworkPolicy/demo/default-deny-ingress");

        Result trace = ok("policy", "trace", "--from", "demo/frontend", "--to", "demo/database", "--port", "80/tcp");
        assertThat(trace.out())
                .contains("ingress at demo/database: DROPPED  Policy denied (133)")
                .contains("NetworkPolicy/demo/default-deny-ingress")
                .endsWith("verdict: DROPPED\n");

        JsonNode identities = json(ok("get", "identities", "-o", "json"));
        for (JsonNode endpoint : endpoints.values()) {
            JsonNode identity = stream(identities)
                    .filter(i ->
                            i.path("id").asLong() == endpoint.path("identity").asLong())
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no identity " + endpoint));
            assertThat(identity.path("endpoints").asInt()).isEqualTo(1);
            assertThat(stream(identity.path("labels")).map(JsonNode::asText))
                    .contains("k8s:app=" + endpoint.path("pod").asText(), "k8s:io.kubernetes.pod.namespace=demo");
        }
        long backend = endpoints.get("demo/backend").path("identity").asLong();
        assertThat(databaseIngress())
                .as("bpf policy get demo/database: ingress entries")
                .containsExactlyInAnyOrder(HOST_ALLOW, backend + " 80/TCP allow");
        assertThat(ok("bpf", "policy", "get", "demo/database").out()).contains("Allow    Ingress");

        List<String> addresses = endpoints.values().stream()
                .flatMap(e -> stream(e.path("ips")))
                .map(JsonNode::asText)
                .toList();
        assertThat(addresses).hasSize(6);
        for (int n = 1; n <= NODES; n++) {
            Map<String, Long> ipcache = ipcache("node-" + n);
            for (JsonNode endpoint : endpoints.values()) {
                for (JsonNode ip : endpoint.path("ips")) {
                    assertThat(ipcache)
                            .as("ipcache of node-" + n)
                            .containsEntry(
                                    hostPrefix(ip.asText()),
                                    endpoint.path("identity").asLong());
                }
            }
        }

        identitiesBefore = new TreeMap<>();
        addressesBefore = new TreeMap<>();
        nodesBefore = new TreeMap<>();
        endpoints.forEach((pod, e) -> {
            nodesBefore.put(pod, e.path("node").asText());
            identitiesBefore.put(pod, e.path("identity").asLong());
            addressesBefore.put(pod, stream(e.path("ips")).map(JsonNode::asText).toList());
        });
        verdictsBefore = demoVerdicts();
        assertThat(verdictsBefore)
                .containsEntry("demo/frontend -> demo/database", "DROPPED")
                .containsEntry("demo/frontend -> demo/backend", "FORWARDED")
                .containsEntry("demo/backend -> demo/database", "FORWARDED")
                .containsEntry("demo/backend -> demo/frontend", "DROPPED");

        // The probes' flow records reach the flows service through tendril.flows: observe shows the drop.
        long frontend = endpoints.get("demo/frontend").path("identity").asLong();
        long database = endpoints.get("demo/database").path("identity").asLong();
        String drop = awaitObserved(
                "demo/frontend:\\d+ \\(ID:" + frontend + "\\) <> demo/database:80 \\(ID:" + database
                        + "\\) policy-verdict:none INGRESS DENIED \\(TCP Flags: SYN\\) default deny by:"
                        + " .*NetworkPolicy/demo/default-deny-ingress.*",
                "observe",
                "--namespace",
                "demo",
                "--verdict",
                "DROPPED",
                "--last",
                "20",
                "--print-node-name");
        assertThat(drop)
                .as("the compact line names the node that dropped it")
                .contains("[" + endpoints.get("demo/database").path("node").asText() + "]: ");
        Result observeStatus = ok("observe", "status");
        assertThat(observeStatus.out())
                .contains("Healthcheck (via ")
                .contains("Connected Nodes: 2/2")
                .containsPattern("(?m)^Current/Max Flows: [1-9][0-9,]*/[0-9,]+ ");
        assertThat(ok("status").out()).as("status").containsPattern("(?m)^Flows: +[1-9][0-9,]*$");
    }

    @Test
    @Order(2)
    void policyMapsFollowAPolicyChange() throws Exception {
        requireWalkthrough();
        Path allowBackend = dataDir.resolve("allow-backend-to-database.yaml");
        Files.writeString(allowBackend, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: allow-backend-to-database, namespace: demo}
                spec: {podSelector: {}}
                """);

        assertThat(ok("delete", "-f", allowBackend.toString()).out())
                .contains("networkpolicy.networking.k8s.io \"allow-backend-to-database\" deleted");
        awaitVerdict("backend", "database", "DROPPED");
        assertThat(databaseIngress())
                .as("database's ingress entries without its allow")
                .containsExactly(HOST_ALLOW);
        assertThat(verdict("frontend", "backend")).isEqualTo("FORWARDED");

        ok("apply", "-f", demoPolicies.toString());
        awaitVerdict("backend", "database", "FORWARDED");
        assertThat(databaseIngress())
                .containsExactlyInAnyOrder(HOST_ALLOW, identitiesBefore.get("demo/backend") + " 80/TCP allow");
        assertThat(demoVerdicts()).isEqualTo(verdictsBefore);
    }

    @Test
    @Order(3)
    void demoCommandWalksThroughTheStepsAgainstTheStack() {
        requireWalkthrough();
        Result demoRun =
                ok("demo", "--examples", repo.resolve("deploy/examples").toString());

        assertThat(demoRun.out())
                .contains(
                        "$ tendril status --wait\n",
                        "Tendril is healthy",
                        "$ tendril apply -f " + demo + "\n",
                        "pod/database unchanged",
                        "$ tendril apply -f " + demoPolicies + "\n",
                        "(the agents enforce them: dropped after ",
                        "$ tendril connectivity probe --from demo/frontend --to demo/database --port 80\n"
                                + "demo/frontend -> demo/database 80/TCP: DROPPED (Policy denied",
                        "$ tendril policy trace --from demo/frontend --to demo/database --port 80/tcp\n",
                        "verdict: DROPPED",
                        "$ tendril observe --namespace demo --verdict DROPPED --last 5\n",
                        "INGRESS DENIED (TCP Flags: SYN) default deny by: ",
                        "$ tendril get identities\n",
                        "$ tendril bpf policy get demo/database\nEndpoint demo/database on ",
                        "The demo stays applied");
        assertThat(demoRun.out().lines().filter(l -> l.startsWith("# ")))
                .as("explanations")
                .hasSizeGreaterThan(6);
    }

    /**
     * After {@code tendril demo}, the service map as a user opens it ({@code tendril ui}, a browser): the three
     * workloads, frontend -> backend and backend -> database allowed, frontend -> database dropped (it was allowed
     * before the policies: an edge shows what its connection does now); a new probe's drop on the open page; the
     * flow table's filters giving the rows {@code tendril observe} gives; a click on the red edge showing the
     * trace of its drop with the default deny's policy. Saves {@code target/ui/demo-service-map.png} (the README's
     * picture).
     */
    @Test
    @Order(4)
    void serviceMapShowsTheDemoInABrowser() throws Exception {
        requireWalkthrough();
        Optional<DemoServiceMap> opened = DemoServiceMap.open(dataDir, "demo");
        Assumptions.assumeTrue(opened.isPresent(), "no browser or no page here (printed above)");
        try (DemoServiceMap map = opened.get()) {
            map.load();
            await().atMost(CONVERGE_GUARD).pollInterval(POLL).untilAsserted(() -> {
                assertThat(map.workloads()).containsExactlyInAnyOrder("demo/frontend", "demo/backend", "demo/database");
                assertThat(map.verdict("demo/frontend->demo/backend")).isEqualTo("allowed");
                assertThat(map.verdict("demo/backend->demo/database")).isEqualTo("allowed");
                assertThat(map.verdict("demo/frontend->demo/database")).isEqualTo("dropped");
            });
            assertThat(map.dashed("demo/frontend->demo/database")).isTrue();
            assertThat(map.dashed("demo/frontend->demo/backend")).isFalse();
            await().atMost(CONVERGE_GUARD)
                    .pollInterval(POLL)
                    .until(() -> !map.tableRows().isEmpty());
            map.screenshot(Path.of("target", "ui", "demo-service-map.png"));

            // A new drop reaches the open page (no reload): the red edge's count of drops goes up.
            int dropsBefore = drops(map.description("demo/frontend->demo/database"));
            long probed = System.nanoTime();
            ok("connectivity", "probe", "--from", "demo/frontend", "--to", "demo/database", "--port", "80");
            await().atMost(CONVERGE_GUARD)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> drops(map.description("demo/frontend->demo/database")) > dropsBefore);
            System.out.printf(
                    "serviceMapShowsTheDemoInABrowser: the probe's drop was on the open page %d ms after the probe"
                            + " began%n",
                    Duration.ofNanos(System.nanoTime() - probed).toMillis());

            // The table's filters give the rows tendril observe gives for the same flags.
            map.filterVerdict("DROPPED");
            await().atMost(CONVERGE_GUARD).pollInterval(POLL).untilAsserted(() -> {
                assertThat(map.query()).isEqualTo("tendril observe --namespace demo --verdict DROPPED --last 100");
                List<String> observed = observedRows("--namespace", "demo", "--verdict", "DROPPED", "--last", "100");
                assertThat(observed).isNotEmpty();
                assertThat(map.tableRows()).isEqualTo(observed);
            });

            // A click on the red edge: its flows in the table and the trace of its latest drop, naming the policy.
            map.click("demo/frontend->demo/database");
            await().atMost(CONVERGE_GUARD).pollInterval(POLL).untilAsserted(() -> {
                assertThat(map.trace())
                        .contains("demo/frontend", "demo/database", "80/TCP")
                        .contains("ingress at demo/database: DROPPED")
                        .contains("verdict: DROPPED");
                assertThat(map.tracePolicies()).contains("NetworkPolicy/demo/default-deny-ingress");
                assertThat(map.tableRows())
                        .isNotEmpty()
                        .allMatch(r -> r.startsWith("demo/frontend | demo/database | TCP/80 | DROPPED"));
            });
        }
    }

    /** The dropped count an edge's description names ({@code ..., 3 dropped (TCP/80)}), 0 when none. */
    private static int drops(String description) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+) dropped").matcher(description);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** {@code tendril observe FLAGS -o json}, each flow as the page's table shows it (no time). */
    private List<String> observedRows(String... flags) throws IOException {
        List<String> rows = new ArrayList<>();
        String[] args = Stream.concat(
                        Stream.of("observe"), Stream.concat(Arrays.stream(flags), Stream.of("-o", "json")))
                .toArray(String[]::new);
        for (String line : ok(args).out().lines().filter(l -> !l.isBlank()).toList()) {
            JsonNode flow = JSON.readTree(line).path("flow");
            if (!flow.isMissingNode()) {
                rows.add(FlowTableRows.row(flow));
            }
        }
        return rows;
    }

    /**
     * The netpol e2e model of {@link NetpolScenarios} (namespaces x, y, z with pods a, b, c and their named ports)
     * applied with {@code tendril apply}, then every conformance scenario the policy service checks in process:
     * its policies applied, each probe's 9x9 {@code connectivity matrix} compared whole, the policies deleted and
     * the tables back to all-allowed on the probed ports and protocols. The first table is real packets; the
     * scenarios' tables are the model's verdicts over the agents' maps ({@code --model}): with real packets each
     * dropped cell waits out the probe's timeout, which made this test five times as long, and the agent module's
     * {@code KernelNetpolConformanceTest} already has the kernel agree with the model on every cell of every scenario.
     */
    @Test
    @Order(5)
    void upstreamNetpolScenariosGiveTheExpectedTruthTables() throws Exception {
        Path pods = dataDir.resolve("xyz.yaml");
        Files.writeString(pods, NetpolScenarios.clusterManifests());
        Result applied = ok("apply", "-f", pods.toString());
        assertThat(applied.out().lines().filter(l -> l.endsWith(" created")))
                .as(applied.toString())
                .hasSize(12);
        // Real packets between every pair (on the kernel datapath): all of them pass before any policy.
        awaitMatrix(new Probe(80, "TCP", ALL), "no policy", false);
        for (int n = 1; n <= NODES; n++) {
            assertThat(endpointIdsShared("node-" + n))
                    .as("endpoint ids (policy maps) of node-" + n + " shared by pods of different identities")
                    .isEmpty();
        }

        // The stack's IPAM picks the pods' addresses, which the scenarios naming addresses cannot know.
        for (Scenario scenario : NetpolScenarios.scenarios().stream()
                .filter(s -> !s.needsAddresses())
                .toList()) {
            Path file = dataDir.resolve("scenario.yaml");
            if (!scenario.manifests().isBlank()) {
                Files.writeString(file, scenario.manifests());
                ok("apply", "-f", file.toString());
            }
            for (Probe probe : scenario.probes()) {
                awaitMatrix(probe, scenario.name(), true);
            }
            if (!scenario.manifests().isBlank()) {
                ok("delete", "-f", file.toString());
                Map<String, Probe> open = new LinkedHashMap<>();
                scenario.probes()
                        .forEach(p -> open.putIfAbsent(
                                p.port() + "/" + p.protocol(), new Probe(p.port(), p.protocol(), ALL)));
                for (Probe probe : open.values()) {
                    awaitMatrix(probe, "after deleting " + scenario.name(), true);
                }
            }
        }
    }

    @Test
    @Order(6)
    void restartingEveryServiceAndAgentKeepsIdentitiesAddressesAndVerdicts() throws Exception {
        requireWalkthrough();
        stopLauncher();
        if (kernel) {
            // Fail-static: the launcher's stop leaves the pods' namespaces with their programs enforcing.
            nodesBefore.forEach((pod, node) -> assertThat(StackFabric.NETNS_DIR.resolve(
                            StackFabric.of(dataDir).podNetns(node, "demo", pod.substring("demo/".length()))))
                    .as("the namespace of " + pod + " while the stack is stopped")
                    .exists());
        }
        startLauncher();
        Result status = cli("status", "--wait", "--timeout", "120s");
        assertThat(status.code()).as(status.toString()).isZero();
        // Every jar's ahead-of-time cache exists now: trained by the first start and written as it stopped, or by an
        // earlier run of this build. Every service and agent of the second start loads its classes from it.
        for (Component c : StackFile.read(dataDir).orElseThrow().components()) {
            if (c.kind() == Kind.SERVICE || c.kind() == Kind.AGENT) {
                String log = Files.readString(Path.of(c.log()));
                String start = log.substring(log.lastIndexOf("Tendril launcher starts " + c.name() + ":"));
                assertThat(start.lines().findFirst().orElseThrow())
                        .as(c.name() + "'s start after the restart")
                        .contains("-XX:AOTCache=");
            }
        }

        // Before anything changes: each agent's first reconcile over the maps it pinned before the restart
        // found them as they should be (bpf backend: the pins outlive the agent process).
        for (int n = 1; n <= NODES; n++) {
            String agent = agentUrl("node-" + n);
            assertThat(datapath(agent)).as("datapath of node-" + n).startsWith("bpf");
            Map<String, Double> metrics = metrics(agent);
            assertThat(metrics)
                    .as("reconciles of node-" + n)
                    .containsKey("tendril_agent_reconciles_total{trigger=\"bootstrap\"}");
            assertThat(metrics.get("tendril_agent_reconciles_total{trigger=\"bootstrap\"}"))
                    .isGreaterThanOrEqualTo(1);
            Map<String, Double> changes = reconcileChanges(metrics);
            assertThat(changes)
                    .as("added/updated/removed of ipcache, lxc, policy and LB maps on node-" + n)
                    .hasSize(12);
            assertThat(changes.values().stream()
                            .mapToDouble(Double::doubleValue)
                            .sum())
                    .as("map entries node-" + n + " changed after the restart: " + changes)
                    .isZero();
        }

        Map<String, JsonNode> endpoints = demoEndpoints();
        Map<String, Long> identities = new TreeMap<>();
        Map<String, List<String>> addresses = new TreeMap<>();
        endpoints.forEach((pod, e) -> {
            identities.put(pod, e.path("identity").asLong());
            addresses.put(pod, stream(e.path("ips")).map(JsonNode::asText).toList());
        });
        assertThat(identities).as("identity per pod after the restart").isEqualTo(identitiesBefore);
        assertThat(addresses).as("addresses per pod after the restart").isEqualTo(addressesBefore);
        assertThat(demoVerdicts()).as("verdicts after the restart").isEqualTo(verdictsBefore);
        for (int n = 1; n <= NODES; n++) {
            String node = "node-" + n;
            Map<String, Long> ipcache = ipcache(node);
            addressesBefore.forEach((pod, ips) -> ips.forEach(ip -> assertThat(ipcache)
                    .as("ipcache of " + node)
                    .containsEntry(hostPrefix(ip), identitiesBefore.get(pod))));
        }
        assertThat(databaseIngress())
                .containsExactlyInAnyOrder(HOST_ALLOW, identitiesBefore.get("demo/backend") + " 80/TCP allow");
    }

    /**
     * A node agent started after the others, with the configuration the launcher gives its agents, bootstraps
     * the maps from the topics: the same pod addresses with the same identities as node-1's ipcache.
     */
    @Test
    @Order(7)
    void anAgentStartedLateBootstrapsTheSameIpcache() throws Exception {
        requireWalkthrough();
        StackFile stack = StackFile.read(dataDir).orElseThrow();
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ComponentSpec spec = ComponentSpec.agent(3, port, repo);
        List<ComponentSpec> agents = new ArrayList<>();
        for (Component c : stack.components()) {
            if (c.kind() == Kind.AGENT) {
                agents.add(new ComponentSpec(c.name(), Kind.AGENT, c.port(), spec.jar(), c.nodeName()));
            }
        }
        agents.add(spec);
        Path pins = Path.of("/sys/fs/bpf/tendril/port-" + port);
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("quarkus.http.port", Integer.toString(port));
        properties.put("tendril.agent.node-name", "node-3");
        properties.put("tendril.agent.identity-url", "localhost:" + (StackConfig.FIRST_SERVICE_PORT + PORT_OFFSET));
        properties.put("tendril.agent.ipam-url", "localhost:" + (StackConfig.FIRST_SERVICE_PORT + 1 + PORT_OFFSET));
        properties.put("tendril.agent.policy-url", "localhost:" + (StackConfig.FIRST_SERVICE_PORT + 2 + PORT_OFFSET));
        properties.put("tendril.agent.node-ips", "127.0.0.13");
        properties.put(
                "tendril.agent.state-dir", dataDir.resolve(DataDir.AGENTS).toString());
        properties.put("tendril.agent.bpffs-dir", pins.toString());
        properties.putAll(ChildProperties.agentPeers(agents));
        // TLS as the launcher's agents: node-3's own certificate from the stack's authority.
        dev.tendril.security.StackCredentials pki =
                dev.tendril.security.StackCredentials.in(dataDir.resolve(StackPki.DIRECTORY));
        dev.tendril.security.Credential node3 = pki.ensureNode(
                "node-3", List.of("localhost", "127.0.0.1", "::1", "127.0.0.13"), java.time.Instant.now());
        properties.put("quarkus.profile", "prod,tls");
        properties.put("tendril.tls.ca", pki.authority().certificate().toString());
        properties.put("tendril.tls.cert", node3.certificate().toString());
        properties.put("tendril.tls.key", node3.privateKey().toString());
        String bootstrap = stack.components().stream()
                .filter(c -> c.kind() == Kind.KAFKA)
                .findFirst()
                .orElseThrow()
                .url();
        properties.put("kafka.bootstrap.servers", bootstrap);
        // An operator adding a node: its Kafka client certificate, and its ACLs created as the broker
        // (docs/security.md).
        DataDir stackDir = new DataDir(dataDir);
        properties.putAll(StackSecrets.of(stackDir).childProperties(spec, java.time.Instant.now()));
        Map<String, Object> admin = new java.util.HashMap<>(KafkaProcess.superUserClient(stackDir));
        admin.put("bootstrap.servers", bootstrap.replace("kafka://", ""));
        try (org.apache.kafka.clients.admin.Admin acls = org.apache.kafka.clients.admin.Admin.create(admin)) {
            KafkaAcls.apply(acls, agents.stream().map(ComponentSpec::nodeName).toList());
        }
        Path log = dataDir.resolve(DataDir.LOGS).resolve("agent-3.log");
        ChildProcess agent = ChildProcess.start(spec, properties, dataDir, log);
        try {
            String url = "https://127.0.0.1:" + port;
            awaitReady(agent, url, log);
            assertThat(datapath(url)).as("datapath of node-3").startsWith("bpf");

            Map<String, Long> nodeIps = Map.of("127.0.0.11/32", 6L, "127.0.0.12/32", 6L, "127.0.0.13/32", 1L);
            long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
            Map<String, Long> late = agentIpcache(url);
            Map<String, Long> first = agentIpcache(agentUrl("node-1"));
            // Until the pods' entries match and node-3's own address arrived (through tendril.nodes, maybe later).
            while ((!withoutNodes(late, nodeIps).equals(withoutNodes(first, nodeIps))
                            || !late.entrySet().containsAll(nodeIps.entrySet()))
                    && System.nanoTime() < deadline) {
                Thread.sleep(POLL);
                late = agentIpcache(url);
                first = agentIpcache(agentUrl("node-1"));
            }
            Map<String, Long> pods = withoutNodes(late, nodeIps);
            assertThat(pods)
                    .as("pod entries of node-3's ipcache (vs node-1's)")
                    .isEqualTo(withoutNodes(first, nodeIps));
            addressesBefore.forEach((pod, ips) -> ips.forEach(ip ->
                    assertThat(pods).as("ipcache of node-3").containsEntry(hostPrefix(ip), identitiesBefore.get(pod))));
            assertThat(late).as("node addresses in node-3's ipcache").containsAllEntriesOf(nodeIps);
            for (Map.Entry<String, Long> own : first.entrySet()) {
                if (own.getValue() == HOST) {
                    assertThat(late)
                            .as("node-1's own address in node-3's ipcache")
                            .containsEntry(own.getKey(), REMOTE_NODE);
                }
            }
            // Its pins were new: unlike a restarted agent's, its first reconcile wrote the whole ipcache.
            assertThat(reconcileChanges(metrics(url)).entrySet().stream()
                            .filter(e -> e.getKey().contains("map=\"cilium_ipcache_v2\"")
                                    && e.getKey().contains("kind=\"added\""))
                            .mapToDouble(Map.Entry::getValue)
                            .sum())
                    .as("ipcache entries node-3 added")
                    .isGreaterThanOrEqualTo(late.size());
        } finally {
            agent.process().destroy();
            boolean exited = agent.process().waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS);
            if (!exited) {
                agent.process().destroyForcibly();
            }
            removePins(pins);
            assertThat(exited)
                    .as("node-3 stopped within " + EXIT_GUARD + " of SIGTERM")
                    .isTrue();
        }
        assertThat(Files.readString(log)).as("node-3 stopped cleanly").containsPattern("stopped in [0-9.]+s");
    }

    // ---- the netpol e2e scenarios -------------------------------------------------------------------------------

    /**
     * Runs {@code connectivity matrix} until it equals the expected table (the policy has reached every agent);
     * fails with both tables when the guard passes first. {@code model}: the agents answer from the model over their
     * maps ({@code --model}) rather than with real packets, whose dropped cells each wait out the probe's timeout.
     */
    private void awaitMatrix(Probe probe, String scenario, boolean model) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
        Map<String, Map<String, Boolean>> expected = expectedMatrix(probe.expected());
        List<String> args = new ArrayList<>(List.of(
                "connectivity",
                "matrix",
                "--namespaces",
                String.join(",", NetpolScenarios.NAMESPACES),
                "--port",
                Integer.toString(probe.port()),
                "--protocol",
                probe.protocol(),
                "-o",
                "json"));
        if (model) {
            args.add("--model");
        }
        String last;
        while (true) {
            Result result = cli(args.toArray(String[]::new));
            if (result.code() == 0) {
                Map<String, Map<String, Boolean>> actual = matrix(json(result));
                if (actual.equals(expected)) {
                    return;
                }
                last = "expected:\n" + table(expected) + "actual:\n" + table(actual);
            } else {
                last = result.toString();
            }
            if (System.nanoTime() >= deadline) {
                fail(scenario + ", " + probe.port() + "/" + probe.protocol() + ": the matrix did not converge within "
                        + CONVERGE_GUARD + "\n" + last + diagnostics());
            }
            Thread.sleep(POLL);
        }
    }

    /** Where the pods are and the endpoint ids the agents gave them, to tell a policy from a datapath fault. */
    private String diagnostics() {
        StringBuilder text = new StringBuilder("\n$ tendril get endpoints\n")
                .append(cli("get", "endpoints").out());
        for (int n = 1; n <= NODES; n++) {
            text.append("$ tendril bpf endpoint list --node node-")
                    .append(n)
                    .append("\n")
                    .append(cli("bpf", "endpoint", "list", "--node", "node-" + n)
                            .out());
        }
        return text.toString();
    }

    private static Map<String, Map<String, Boolean>> matrix(JsonNode json) {
        Map<String, Map<String, Boolean>> matrix = new TreeMap<>();
        json.path("matrix").properties().forEach(row -> {
            Map<String, Boolean> cells = new TreeMap<>();
            row.getValue()
                    .properties()
                    .forEach(cell -> cells.put(cell.getKey(), cell.getValue().asBoolean()));
            matrix.put(row.getKey(), cells);
        });
        return matrix;
    }

    /** The 9x9 table of a probe: {@code allowed}, and every pod to itself (loopback, no policy map decides it). */
    private static Map<String, Map<String, Boolean>> expectedMatrix(BiPredicate<Pod, Pod> allowed) {
        Map<String, Map<String, Boolean>> matrix = new TreeMap<>();
        for (Pod from : NetpolScenarios.pods()) {
            Map<String, Boolean> row = new TreeMap<>();
            for (Pod to : NetpolScenarios.pods()) {
                row.put(to.toString(), from.equals(to) || allowed.test(from, to));
            }
            matrix.put(from.toString(), row);
        }
        return matrix;
    }

    private static String table(Map<String, Map<String, Boolean>> matrix) {
        StringBuilder text = new StringBuilder("-    " + String.join("  ", matrix.keySet()) + "\n");
        matrix.forEach((from, row) -> {
            text.append(from);
            row.values().forEach(ok -> text.append("  ").append(ok ? ".  " : "X  "));
            text.append("\n");
        });
        return text.toString();
    }

    // ---- the demo pods ---------------------------------------------------------------------------------------

    private void requireWalkthrough() {
        Assumptions.assumeTrue(identitiesBefore != null, "the walkthrough did not complete");
    }

    private Map<String, JsonNode> demoEndpoints() {
        Map<String, JsonNode> endpoints = new TreeMap<>();
        for (JsonNode e : json(ok("get", "endpoints", "-n", "demo", "-o", "json"))) {
            endpoints.put(e.path("namespace").asText() + "/" + e.path("pod").asText(), e);
        }
        return endpoints;
    }

    /** The verdict of every ordered pair of demo pods on port 80. */
    private Map<String, String> demoVerdicts() {
        Map<String, String> verdicts = new LinkedHashMap<>();
        for (String from : DEMO_PODS) {
            for (String to : DEMO_PODS) {
                if (!from.equals(to)) {
                    String f = from.substring(5);
                    String t = to.substring(5);
                    verdicts.put(from + " -> " + to, verdict(f, t));
                }
            }
        }
        return verdicts;
    }

    private static String[] probeArgs(String from, String to) {
        return new String[] {"connectivity", "probe", "--from", "demo/" + from, "--to", "demo/" + to, "--port", "80"};
    }

    /** The probe's verdict; on the kernel datapath a real connection's, as the answer says. */
    private String verdict(String from, String to) {
        JsonNode answer = json(ok(probeArgs(from, to), "-o", "json"));
        if (kernel) {
            assertThat(answer.path("datapath").asText())
                    .as("who answered demo/" + from + " -> demo/" + to + ": " + answer)
                    .isEqualTo("kernel");
        }
        return answer.path("verdict").asText();
    }

    /** Probes until the verdict is {@code expected}: the policy change has reached the agents. */
    private void awaitVerdict(String from, String to, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
        String last = verdict(from, to);
        while (!last.equals(expected)) {
            if (System.nanoTime() >= deadline) {
                fail("demo/" + from + " -> demo/" + to + " is still " + last + " after " + CONVERGE_GUARD
                        + ", expected " + expected);
            }
            Thread.sleep(POLL);
            last = verdict(from, to);
        }
    }

    /** demo/database's ingress policy-map entries as {@code IDENTITY PORT/PROTO allow|deny}. */
    private List<String> databaseIngress() {
        JsonNode map = json(ok("bpf", "policy", "get", "demo/database", "-o", "json"));
        return stream(map.path("rows"))
                .filter(r -> r.path("direction").asText().equals("ingress"))
                .map(r -> r.path("identity").asLong() + " " + r.path("port").asInt() + "/"
                        + r.path("protocol").asText() + (r.path("deny").asBoolean() ? " deny" : " allow"))
                .sorted()
                .toList();
    }

    /** A node's endpoint ids that more than one identity uses: each endpoint must have a policy map of its own. */
    private Map<Integer, List<Long>> endpointIdsShared(String node) {
        Map<Integer, List<Long>> identities = new TreeMap<>();
        json(ok("bpf", "endpoint", "list", "--node", node, "-o", "json"))
                .path("rows")
                .forEach(r -> identities
                        .computeIfAbsent(r.path("endpointId").asInt(), id -> new ArrayList<>())
                        .add(r.path("identity").asLong()));
        identities.replaceAll((id, ids) -> ids.stream().distinct().toList());
        identities.values().removeIf(ids -> ids.size() == 1);
        return identities;
    }

    /**
     * Runs {@code args} (an observe) until a line of its output matches {@code pattern}: the flow records travel
     * from the agents through Kafka to the flows service a moment after the probe answered. Returns that line.
     */
    private String awaitObserved(String pattern, String... args) throws InterruptedException {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(pattern);
        long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
        while (true) {
            Result result = ok(args);
            var match = result.out().lines().filter(l -> line.matcher(l).find()).findFirst();
            if (match.isPresent()) {
                return match.get();
            }
            if (System.nanoTime() >= deadline) {
                fail("no line of 'tendril " + String.join(" ", args) + "' matches " + pattern + " after "
                        + CONVERGE_GUARD + ":\n" + result);
            }
            Thread.sleep(POLL);
        }
    }

    // ---- the agents over HTTP -----------------------------------------------------------------------------------

    // As the admin, once the stack made its credentials (AdminTls).
    private static java.net.http.HttpClient HTTP;

    private String agentUrl(String node) {
        return StackFile.read(dataDir).orElseThrow().components().stream()
                .filter(c -> c.kind() == Kind.AGENT && node.equals(c.nodeName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no agent of " + node + " in stack.json"))
                .url();
    }

    /** GET {@code url}: status and body; status 0 when nothing answers. */
    private static Map.Entry<Integer, String> get(String url) throws InterruptedException {
        try {
            var response = HTTP.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return Map.entry(response.statusCode(), response.body());
        } catch (IOException e) {
            return Map.entry(0, e.toString());
        }
    }

    private static JsonNode getJson(String url) throws InterruptedException {
        Map.Entry<Integer, String> response = get(url);
        try {
            return JSON.readTree(response.getValue());
        } catch (IOException e) {
            throw new AssertionError(
                    "GET " + url + " -> " + response.getKey() + ", not JSON: " + response.getValue(), e);
        }
    }

    /** The datapath backend the agent's readiness check reports ({@code bpf, pinned under ...} or {@code memory ...}). */
    private static String datapath(String agent) throws InterruptedException {
        JsonNode ready = getJson(agent + "/q/health/ready");
        return stream(ready.path("checks"))
                .map(c -> c.path("data").path("datapath"))
                .filter(JsonNode::isTextual)
                .map(JsonNode::asText)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no datapath in " + ready));
    }

    /** The agent's Prometheus samples as {@code name{labels}} to value (labels as the agent writes them). */
    private static Map<String, Double> metrics(String agent) throws InterruptedException {
        Map.Entry<Integer, String> response = get(agent + "/q/metrics");
        assertThat(response.getKey()).as("GET " + agent + "/q/metrics").isEqualTo(200);
        Map<String, Double> samples = new TreeMap<>();
        response.getValue()
                .lines()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .forEach(l -> {
                    int space = l.lastIndexOf(' ');
                    samples.put(l.substring(0, space), Double.parseDouble(l.substring(space + 1)));
                });
        return samples;
    }

    /** The {@code tendril_agent_reconcile_changes_total} series (every map and kind) of an agent's samples. */
    private static Map<String, Double> reconcileChanges(Map<String, Double> metrics) {
        Map<String, Double> changes = new TreeMap<>(metrics);
        changes.keySet().removeIf(series -> !series.startsWith("tendril_agent_reconcile_changes_total{"));
        return changes;
    }

    private static Map<String, Long> agentIpcache(String agent) throws InterruptedException {
        Map<String, Long> entries = new TreeMap<>();
        getJson(agent + "/v1/maps/ipcache")
                .path("rows")
                .forEach(r -> entries.put(
                        r.path("prefix").asText(), r.path("identity").asLong()));
        return entries;
    }

    /**
     * The pods' entries: without the nodes' addresses (the launcher's loopback ones, and on the kernel datapath the
     * fabric's), which are host (1) on their own node and remote-node (6) on the others.
     */
    private static Map<String, Long> withoutNodes(Map<String, Long> ipcache, Map<String, Long> nodeIps) {
        Map<String, Long> pods = new TreeMap<>(ipcache);
        pods.keySet().removeAll(nodeIps.keySet());
        pods.values().removeIf(identity -> identity == HOST || identity == REMOTE_NODE);
        return pods;
    }

    private static void awaitReady(ChildProcess agent, String url, Path log) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + READY_GUARD.toNanos();
        Map.Entry<Integer, String> last = get(url + "/q/health/ready");
        while (last.getKey() != 200) {
            if (!agent.process().isAlive() || System.nanoTime() >= deadline) {
                fail("node-3 did not become ready ("
                        + (agent.process().isAlive()
                                ? "guard " + READY_GUARD
                                : "exited " + agent.process().exitValue()) + "): " + last + "\n"
                        + Files.readString(log));
            }
            Thread.sleep(POLL);
            last = get(url + "/q/health/ready");
        }
    }

    /** Unpins a node's maps: bpffs files are removed like any other. */
    private static void removePins(Path pins) throws IOException {
        if (Files.isDirectory(pins)) {
            try (Stream<Path> tree = Files.walk(pins)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A node's ipcache as prefix to identity. */
    private Map<String, Long> ipcache(String node) {
        Map<String, Long> entries = new TreeMap<>();
        json(ok("bpf", "ipcache", "list", "--node", node, "-o", "json"))
                .path("rows")
                .forEach(r -> entries.put(
                        r.path("prefix").asText(), r.path("identity").asLong()));
        return entries;
    }

    private static String hostPrefix(String ip) {
        return ip + (ip.contains(":") ? "/128" : "/32");
    }

    // ---- the CLI in this JVM ----------------------------------------------------------------------------------

    private Result cli(String... args) {
        return new StackCli(dataDir).run(args);
    }

    private Result ok(String... args) {
        return new StackCli(dataDir).ok(args);
    }

    private Result ok(String[] args, String... more) {
        return ok(Stream.concat(Arrays.stream(args), Arrays.stream(more)).toArray(String[]::new));
    }

    private static JsonNode json(Result result) {
        return StackCli.json(result);
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StackCli.stream(array);
    }

    // ---- the launcher ------------------------------------------------------------------------------------------

    private void startLauncher() throws IOException, InterruptedException {
        output = SharedStack.start(repo);
        launcher = SharedStack.launcher();
        HTTP = AdminTls.http(dataDir);
        String startedLine = output.nextLine(EXIT_GUARD);
        assertThat(startedLine)
                .as("the launcher's last start-up line names the data directory")
                .contains("'./tendril down --data-dir " + dataDir + "'")
                .contains("'./tendril status --data-dir " + dataDir + "'");
        StackFile stack = StackFile.read(dataDir).orElseThrow();
        assertThat(stack.components().stream()
                        .filter(c -> c.kind() == Kind.AGENT)
                        .map(Component::nodeName))
                .containsExactly("node-1", "node-2");
        List<String> podNetworks = output.lines().stream()
                .filter(l -> l.matches("agent-\\d+ +pod network: .*"))
                .toList();
        kernel = podNetworks.size() == NODES
                && podNetworks.stream().allMatch(l -> l.contains("pod network: kernel (tc), "));
        if (!kernel) {
            // Not root, or no bpf(2), bpffs or clang-built programs here: '--datapath auto' fell back, saying why.
            System.out.println("The walkthrough runs on the model datapath: " + podNetworks);
            assertThat(kernelExpected())
                    .as("as root with the programs built, auto runs the kernel datapath: " + podNetworks)
                    .isFalse();
        }
    }

    /** Root, and the agent's BPF programs were built (clang): where the agents' {@code auto} picks the kernel. */
    private boolean kernelExpected() {
        try {
            return BpfFilesystem.isRoot(Files.readAllLines(Path.of("/proc/self/status")))
                    && Files.exists(repo.resolve("agent/target/classes/bpf/tendril_lxc.o"));
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM, as {@code ./tendril down} sends it; the launcher stops every service and agent before it exits. */
    private void stopLauncher() throws InterruptedException {
        List<ProcessHandle> started = new ArrayList<>(launcher.descendants().toList());
        StackFile.read(dataDir)
                .ifPresent(stack -> stack.components()
                        .forEach(c -> ProcessHandle.of(c.pid()).ifPresent(started::add)));
        launcher.toHandle().destroy();
        if (!launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS)) {
            started.forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
            fail("the launcher did not stop within " + EXIT_GUARD + " of SIGTERM:\n" + output.text());
        }
        output.awaitEnd(EXIT_GUARD);
        assertThat(launcher.exitValue())
                .as("launcher exit code\n" + output.text())
                .isZero();
        long deadline = System.nanoTime() + EXIT_GUARD.toNanos();
        // PostgreSQL is a daemon, not the launcher's child: init reaps it a moment after it exits.
        while (started.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(started.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid))
                .as("processes alive after the launcher stopped")
                .isEmpty();
    }
}
