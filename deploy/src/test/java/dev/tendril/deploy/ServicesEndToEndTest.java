package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.deploy.StackCli.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * Issue 17's acceptance on the real local stack (launcher in a child JVM, two agents, real Kafka and PostgreSQL,
 * the {@code tendril} CLI in this JVM): Services over the demo's pods, applied with {@code tendril apply}, load
 * balanced by the agents' socket-LB programs with real connections from the pods' namespaces. The connection-level
 * tests need the kernel datapath (root, bpf(2), cgroup v2, the clang-built programs) and are skipped elsewhere with
 * the reason; the control-plane half (maps on every node, policy after translation in the model) runs everywhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedStack.Use.class)
@Order(2)
class ServicesEndToEndTest {

    private static final int NODES = SharedStack.NODES;
    // A failure guard only: a healthy run takes a fraction of it.
    private static final Duration CONVERGE_GUARD = Duration.ofSeconds(90);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The grace period of the pod deleted gracefully: long enough for its checks on a loaded machine. */
    private static final Duration GRACE = Duration.ofSeconds(30);

    private static final Duration SHORTENED = Duration.ofSeconds(1);

    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();
    private Path dataDir;
    private LauncherOutput output;
    private boolean kernel;

    @BeforeAll
    void startStack() throws Exception {
        // After WalkthroughEndToEndTest on the same stack (SharedStack), or a stack of its own when run alone.
        dataDir = SharedStack.dataDir(repo);
        output = SharedStack.running() ? SharedStack.output() : SharedStack.start(repo);
        List<String> podNetworks = output.lines().stream()
                .filter(l -> l.matches("agent-\\d+ +pod network: .*"))
                .toList();
        kernel = podNetworks.size() == NODES
                && podNetworks.stream().allMatch(l -> l.contains("pod network: kernel (tc), "));
        if (!kernel) {
            System.out.println("The services test runs on the model datapath: " + podNetworks);
        }

        ok("status", "--wait", "--timeout", "120s");
        ok("apply", "-f", repo.resolve("deploy/examples/demo.yaml").toString());
        ok("apply", "-f", write("backend-2.yaml", backendPod("backend-2")).toString());
        ok("apply", "-f", repo.resolve("deploy/examples/services.yaml").toString());
    }

    @Test
    @Order(1)
    void aClusterIpSpreadsConnectionsOverEveryBackend() throws Exception {
        String vip = clusterIp("backend");
        Set<String> backendAddresses = new TreeSet<>(List.of(podIpv4("backend"), podIpv4("backend-2")));
        for (int n = 1; n <= NODES; n++) {
            awaitBackends("node-" + n, vip + ":80/TCP", backendAddresses);
        }

        Set<String> answeredBy = new TreeSet<>();
        for (int i = 0; i < 40 && answeredBy.size() < 2; i++) {
            JsonNode answer = probe("demo/frontend", "svc:demo/backend", 80);
            assertThat(answer.path("verdict").asText()).as(answer.toString()).isEqualTo("FORWARDED");
            assertThat(answer.path("service").path("service").asText()).isEqualTo("demo/backend");
            if (kernel) {
                assertThat(answer.path("datapath").asText())
                        .as(answer.toString())
                        .isEqualTo("kernel");
            }
            // On the kernel datapath the backend the socket-LB really connected to (the pod's socket table).
            answeredBy.add(answer.path("to").path("endpoint").asText());
        }
        assertThat(answeredBy)
                .as("pods that answered connections to demo/backend's ClusterIP")
                .containsExactlyInAnyOrder("demo/backend", "demo/backend-2");
        if (kernel) {
            // The kernel reported each translation: Hubble's SOCK flows name the Service and the backend pod.
            assertThat(translatedTo("backend"))
                    .as("backend pods of demo/backend's post-xlate-fwd flows")
                    .containsExactlyInAnyOrder("backend", "backend-2");
        }
    }

    @Test
    @Order(2)
    void policyAppliesToTheBackendAfterTranslation() throws Exception {
        ok("apply", "-f", repo.resolve("deploy/examples/demo-policies.yaml").toString());
        awaitProbe("demo/frontend", "svc:demo/database", 80, "DROPPED");

        JsonNode allowed = probe("demo/frontend", "svc:demo/backend", 80);
        assertThat(allowed.path("verdict").asText()).as(allowed.toString()).isEqualTo("FORWARDED");
        Result dropped =
                ok("connectivity", "probe", "--from", "demo/frontend", "--to", "svc:demo/database", "--port", "80");
        assertThat(dropped.out())
                .as("the drop names the policy of the database, the Service's backend")
                .contains("DROPPED (Policy denied, ingress at ")
                .contains("NetworkPolicy/demo/default-deny-ingress");

        Result trace =
                ok("policy", "trace", "--from", "demo/frontend", "--to-service", "demo/database", "--port", "80/tcp");
        assertThat(trace.out())
                .contains("-> service demo/database 80/TCP")
                .containsPattern("backend " + podIpv4("database").replace(".", "\\.")
                        + ":80 demo/database \\(ID:\\d+\\): DROPPED")
                .endsWith("verdict: DROPPED\n");
    }

    @Test
    @Order(3)
    void scalingThePodsAddsAndRemovesBackendsOnEveryNode() throws Exception {
        String vip = clusterIp("backend");
        Path backend3 = write("backend-3.yaml", backendPod("backend-3"));
        long start = System.nanoTime();
        ok("apply", "-f", backend3.toString());
        Set<String> three = new TreeSet<>(List.of(podIpv4("backend"), podIpv4("backend-2"), podIpv4("backend-3")));
        for (int n = 1; n <= NODES; n++) {
            awaitBackends("node-" + n, vip + ":80/TCP", three);
        }
        System.out.printf(
                "backend-3 in both nodes' LB maps %.0f ms after 'tendril apply' returned (pod start included)%n",
                (System.nanoTime() - start) / 1e6);

        start = System.nanoTime();
        ok("delete", "-f", backend3.toString());
        Set<String> two = new TreeSet<>(List.of(podIpv4("backend"), podIpv4("backend-2")));
        for (int n = 1; n <= NODES; n++) {
            awaitBackends("node-" + n, vip + ":80/TCP", two);
        }
        System.out.printf(
                "backend-3 out of both nodes' LB maps %.0f ms after 'tendril delete' returned%n",
                (System.nanoTime() - start) / 1e6);
    }

    @Test
    @Order(4)
    void aServiceWithoutBackendsRefusesAndSaysWhy() throws Exception {
        ok("apply", "-f", write("nobody.yaml", """
                apiVersion: v1
                kind: Service
                metadata: {name: nobody, namespace: demo}
                spec:
                  selector: {app: nobody}
                  ports: [{name: http, protocol: TCP, port: 80, targetPort: 80}]
                """).toString());
        String vip = clusterIp("nobody");
        for (int n = 1; n <= NODES; n++) {
            awaitFrontend("node-" + n, vip + ":80/TCP");
        }
        JsonNode answer = probe("demo/frontend", "svc:demo/nobody", 80);
        assertThat(answer.path("verdict").asText()).as(answer.toString()).isEqualTo("DROPPED");
        assertThat(answer.path("egress").path("dropReasonCode").asInt())
                .as("Cilium's DROP_NO_SERVICE at the client's socket: " + answer)
                .isEqualTo(158);
        assertThat(answer.path("service").path("service").asText()).isEqualTo("demo/nobody");
        if (kernel) {
            awaitFlow(
                    f -> f.path("verdict").asText().equals("DROPPED")
                            && f.path("drop_reason_desc").asText().contains("SERVICE_BACKEND_NOT_FOUND")
                            && f.path("destination_service")
                                    .path("name")
                                    .asText()
                                    .equals("nobody"),
                    "a DROPPED flow naming demo/nobody with Service backend not found");
        }
    }

    /**
     * A backend taken out of a Service keeps the connection it has (the socket-LB translated it at connect, so
     * the socket holds the backend) and takes no new ones. The Service has no selector: its EndpointSlice names the
     * backends, and a new revision of the slice removes one.
     */
    @Test
    @Order(5)
    void aRemovedBackendFinishesItsConnectionAndTakesNoNewOnes() throws Exception {
        Assumptions.assumeTrue(kernel, "needs the kernel datapath (root, bpf(2), cgroup v2): real connections");
        String a = podIpv4("backend");
        String b = podIpv4("backend-2");
        ok("apply", "-f", write("manual.yaml", manualService()).toString());
        ok("apply", "-f", write("manual-slice.yaml", manualSlice(a, b)).toString());
        String vip = clusterIp("manual");
        String frontendNode = endpoint("frontend").path("node").asText();
        awaitBackends(frontendNode, vip + ":8080/TCP", Set.of(a, b));
        Path netns = Path.of(StackFabric.NETNS_DIR.toString(), fabric().podNetns(frontendNode, "demo", "frontend"));

        ExecutorService pod = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().unstarted(() -> {
                    NetnsThread.enter(netns);
                    r.run();
                }));
        try (Socket established = in(pod, () -> connect(vip, 8080))) {
            String first = in(pod, () -> peerOf(netns, established));
            String other = first.equals(a) ? b : a;
            assertThat(Set.of(a, b)).contains(first);

            ok("apply", "-f", write("manual-slice.yaml", manualSlice(other)).toString());
            awaitBackends(frontendNode, vip + ":8080/TCP", Set.of(other));

            assertThat(in(pod, () -> echo(established, "still here")))
                    .as("the established connection to the removed backend " + first)
                    .isEqualTo("still here");
            for (int i = 0; i < 10; i++) {
                try (Socket fresh = in(pod, () -> connect(vip, 8080))) {
                    assertThat(in(pod, () -> peerOf(netns, fresh)))
                            .as("new connection " + i + " after " + first + " left the Service")
                            .isEqualTo(other);
                    String text = "new " + i;
                    assertThat(in(pod, () -> echo(fresh, text))).isEqualTo(text);
                }
            }
        } finally {
            pod.shutdownNow();
        }
    }

    /**
     * Issue 17's acceptance with a pod deletion: a backend pod deleted with a grace period ({@code tendril delete
     * --grace-period}) is Terminating. The connection made to it through the ClusterIP goes on (the pod, its
     * address and identity stay), new connections all go to the other backends (its backend entry stays, in
     * state terminating, in no slot), and when the grace period is over the pod is gone: its network namespace,
     * its endpoint, and its entry in every node's LB backends map.
     */
    @Test
    @Order(6)
    void aBackendPodDeletedWithAGracePeriodFinishesItsConnectionTakesNoNewOnesThenGoes() throws Exception {
        Assumptions.assumeTrue(kernel, "needs the kernel datapath (root, bpf(2), cgroup v2): real connections");
        String vip = clusterIp("backend");
        Path pod4 = write("backend-4.yaml", backendPod("backend-4"));
        ok("apply", "-f", pod4.toString());
        String a = podIpv4("backend");
        String b = podIpv4("backend-2");
        String ending = podIpv4("backend-4");
        String endingNode = endpoint("backend-4").path("node").asText();
        String frontendNode = endpoint("frontend").path("node").asText();
        for (int n = 1; n <= NODES; n++) {
            awaitBackends("node-" + n, vip + ":80/TCP", Set.of(a, b, ending));
        }
        Map<String, Integer> backendEntries = new TreeMap<>();
        for (int n = 1; n <= NODES; n++) {
            backendEntries.put("node-" + n, lbBackendEntries("node-" + n));
        }
        Path netns = Path.of(StackFabric.NETNS_DIR.toString(), fabric().podNetns(frontendNode, "demo", "frontend"));
        Path endingNetns =
                Path.of(StackFabric.NETNS_DIR.toString(), fabric().podNetns(endingNode, "demo", "backend-4"));
        assertThat(endingNetns).exists();

        ExecutorService pod = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().unstarted(() -> {
                    NetnsThread.enter(netns);
                    r.run();
                }));
        Socket established = null;
        try {
            // The socket-LB picks a slot at random: connect until one connection lands on backend-4.
            for (int i = 0; i < 100 && established == null; i++) {
                Socket s = in(pod, () -> connect(vip, 80));
                if (in(pod, () -> peerOf(netns, s)).equals(ending)) {
                    established = s;
                } else {
                    s.close();
                }
            }
            assertThat(established)
                    .as("a connection to " + vip + ":80 that reached backend-4")
                    .isNotNull();
            Socket toEnding = established;

            Result deleted = ok("delete", "-f", pod4.toString(), "--grace-period", Long.toString(GRACE.toSeconds()));
            assertThat(deleted.out()).startsWith("pod \"backend-4\" terminating (removed at ");
            assertThat(endpoint("backend-4").path("terminating").asBoolean())
                    .as("tendril get endpoints shows backend-4 terminating")
                    .isTrue();
            for (int n = 1; n <= NODES; n++) {
                awaitBackends("node-" + n, vip + ":80/TCP", Set.of(a, b));
            }

            assertThat(in(pod, () -> echo(toEnding, "still here")))
                    .as("the established connection to the terminating backend-4")
                    .isEqualTo("still here");
            for (int i = 0; i < 10; i++) {
                try (Socket fresh = in(pod, () -> connect(vip, 80))) {
                    assertThat(in(pod, () -> peerOf(netns, fresh)))
                            .as("new connection " + i + " while backend-4 is terminating")
                            .isIn(a, b);
                    String text = "new " + i;
                    assertThat(in(pod, () -> echo(fresh, text))).isEqualTo(text);
                }
            }
            // Still there after the checks: they all ran while it was terminating (else raise GRACE).
            assertThat(hasEndpoint("backend-4"))
                    .as("backend-4 is still registered, terminating")
                    .isTrue();
            assertThat(endingNetns).as("backend-4 runs on while terminating").exists();
            for (int n = 1; n <= NODES; n++) {
                assertThat(lbBackendEntries("node-" + n))
                        .as("node-" + n + "'s LB backends map keeps backend-4 (terminating) for its connections")
                        .isEqualTo(backendEntries.get("node-" + n));
            }

            // A second deletion shortens the grace period (never lengthens it), as kubectl delete --grace-period
            // does: the test does not sit out the rest of GRACE, and the shortening is checked on the way.
            Result shortened =
                    ok("delete", "-f", pod4.toString(), "--grace-period", Long.toString(SHORTENED.toSeconds()));
            assertThat(removeAt(shortened))
                    .as("the shortened deletion's removal time")
                    .isBefore(removeAt(deleted));
            long deadline = System.nanoTime() + SHORTENED.plus(CONVERGE_GUARD).toNanos();
            while (Files.exists(endingNetns) || hasEndpoint("backend-4")) {
                if (System.nanoTime() >= deadline) {
                    fail("backend-4 is still there " + SHORTENED.plus(CONVERGE_GUARD)
                            + " after its grace period was shortened to "
                            + SHORTENED + ": "
                            + cli("get", "endpoints", "-n", "demo").out());
                }
                Thread.sleep(POLL.toMillis());
            }
            for (int n = 1; n <= NODES; n++) {
                String node = "node-" + n;
                awaitCondition(
                        () -> lbBackendEntries(node) == backendEntries.get(node) - 1,
                        node + "'s LB backends map drops backend-4 once it is gone");
            }
        } finally {
            if (established != null) {
                established.close();
            }
            pod.shutdownNow();
        }
    }

    /** The removal time {@code tendril delete --grace-period N} printed: "... terminating (removed at T)". */
    private static Instant removeAt(Result deleted) {
        Matcher m = Pattern.compile("terminating \\(removed at ([^)]+)\\)").matcher(deleted.out());
        assertThat(m.find()).as(deleted.toString()).isTrue();
        return Instant.parse(m.group(1));
    }

    @Test
    @Order(7)
    void aNodePortAnswersOnTheNodeAddressesFromTheNodesNamespace() throws Exception {
        Assumptions.assumeTrue(kernel, "needs the kernel datapath (root, bpf(2), cgroup v2): real connections");
        for (int n = 1; n <= NODES; n++) {
            awaitFrontend("node-" + n, "0.0.0.0:30080/TCP");
        }
        List<String> nodeAddresses = nodeAddresses();
        assertThat(nodeAddresses).hasSize(NODES);
        Path netns = Path.of(StackFabric.NETNS_DIR.toString(), fabric().nodeNetns("node-1"));
        ExecutorService host = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().unstarted(() -> {
                    NetnsThread.enter(netns);
                    r.run();
                }));
        try {
            for (String address : nodeAddresses) {
                try (Socket s = in(host, () -> connect(address, 30080))) {
                    assertThat(in(host, () -> echo(s, "nodeport " + address)))
                            .as("node-1's namespace -> " + address + ":30080")
                            .isEqualTo("nodeport " + address);
                    assertThat(in(host, () -> peerOf(netns, s)))
                            .as("the NodePort's backend is demo/frontend")
                            .isEqualTo(podIpv4("frontend"));
                }
            }
        } finally {
            host.shutdownNow();
        }
    }

    // ---- manifests ---------------------------------------------------------------------------------------------

    private static String backendPod(String name) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: demo
                  labels: {app: backend, tier: api}
                spec:
                  serviceAccountName: backend
                  containers:
                    - name: api
                      image: nginx
                      ports: [{name: http, containerPort: 80, protocol: TCP}]
                """.formatted(name);
    }

    private static String manualService() {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: manual, namespace: demo}
                spec:
                  ports: [{name: echo, protocol: TCP, port: 8080, targetPort: 80}]
                """;
    }

    private static String manualSlice(String... addresses) {
        StringBuilder endpoints = new StringBuilder();
        for (String address : addresses) {
            endpoints.append("  - addresses: [\"").append(address).append("\"]\n");
            endpoints.append("    conditions: {ready: true}\n");
        }
        return """
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: manual-1
                  namespace: demo
                  labels: {kubernetes.io/service-name: manual}
                addressType: IPv4
                ports: [{name: echo, protocol: TCP, port: 80}]
                endpoints:
                """ + endpoints;
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dataDir.resolve(name), content);
    }

    // ---- what the stack says -----------------------------------------------------------------------------------

    private StackFabric fabric() {
        return StackFabric.of(dataDir);
    }

    private String clusterIp(String service) {
        JsonNode view = json(ok("get", "services", "-n", "demo", "-o", "json"));
        return stream(view)
                .filter(s -> s.path("name").asText().equals(service))
                .findFirst()
                .map(s -> s.path("clusterIPs").path(0).asText())
                .orElseThrow(() -> new AssertionError("no Service demo/" + service + " in " + view));
    }

    private JsonNode endpoint(String pod) {
        JsonNode endpoints = json(ok("get", "endpoints", "-n", "demo", "-o", "json"));
        return stream(endpoints)
                .filter(e -> e.path("pod").asText().equals(pod))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no endpoint demo/" + pod + " in " + endpoints));
    }

    private String podIpv4(String pod) {
        return stream(endpoint(pod).path("ips"))
                .map(JsonNode::asText)
                .filter(ip -> ip.indexOf(':') < 0)
                .findFirst()
                .orElseThrow(() -> new AssertionError("demo/" + pod + " has no IPv4 address"));
    }

    private List<String> nodeAddresses() {
        JsonNode nodes = json(ok("get", "nodes", "-o", "json"));
        List<String> addresses = new ArrayList<>();
        for (JsonNode node : nodes) {
            stream(node.path("ips"))
                    .map(JsonNode::asText)
                    // The fabric's address, not the launcher's loopback one the agent registers with.
                    .filter(ip -> ip.indexOf(':') < 0 && !ip.startsWith("127."))
                    .findFirst()
                    .ifPresent(addresses::add);
        }
        return addresses;
    }

    /** The backends' addresses (without port) behind {@code frontend} in {@code node}'s LB maps, or null without it. */
    private Set<String> backends(String node, String frontend) {
        JsonNode rows = json(ok("bpf", "lb", "list", "--node", node, "-o", "json"));
        JsonNode list = rows.isArray() ? rows : rows.path("rows");
        return stream(list)
                .filter(r -> r.path("frontend").asText().equals(frontend))
                .findFirst()
                .map(r -> {
                    Set<String> addresses = new TreeSet<>();
                    r.path("backends").forEach(b -> {
                        String address = b.path("address").asText();
                        addresses.add(address.substring(0, address.lastIndexOf(':')));
                    });
                    return addresses;
                })
                .orElse(null);
    }

    private void awaitBackends(String node, String frontend, Set<String> expected) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
        Set<String> last = backends(node, frontend);
        while (!expected.equals(last)) {
            if (System.nanoTime() >= deadline) {
                fail(node + "'s LB maps hold " + last + " behind " + frontend + " after " + CONVERGE_GUARD
                        + ", expected " + expected + "\n" + cli("bpf", "lb", "list", "--node", node));
            }
            Thread.sleep(POLL.toMillis());
            last = backends(node, frontend);
        }
    }

    private void awaitFrontend(String node, String frontend) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
        while (backends(node, frontend) == null) {
            if (System.nanoTime() >= deadline) {
                fail(node + " has no frontend " + frontend + " after " + CONVERGE_GUARD + "\n"
                        + cli("bpf", "lb", "list", "--node", node));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** {@code to} is {@code svc:NAMESPACE/NAME}: the CLI resolves the ClusterIP and the agent probes it. */
    private JsonNode probe(String from, String to, int port) {
        return json(ok(
                "connectivity", "probe", "--from", from, "--to", to, "--port", Integer.toString(port), "-o", "json"));
    }

    private void awaitProbe(String from, String to, int port, String verdict) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
        JsonNode last = probe(from, to, port);
        while (!last.path("verdict").asText().equals(verdict)) {
            if (System.nanoTime() >= deadline) {
                fail(from + " -> " + to + ":" + port + " is still " + last + " after " + CONVERGE_GUARD);
            }
            Thread.sleep(POLL.toMillis());
            last = probe(from, to, port);
        }
    }

    /** The flows of the demo namespace the flows service holds, newest last. */
    private List<JsonNode> flows() {
        Result observed = ok("observe", "--namespace", "demo", "--last", "1000", "-o", "json");
        List<JsonNode> flows = new ArrayList<>();
        for (String line : observed.out().lines().toList()) {
            JsonNode row = parse(line);
            if (row.has("flow")) {
                flows.add(row.path("flow"));
            }
        }
        return flows;
    }

    /** The pods that socket-LB translated connections to {@code service} to, from the SOCK flows. */
    private Set<String> translatedTo(String service) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
        while (true) {
            Set<String> pods = new TreeSet<>();
            for (JsonNode flow : flows()) {
                if (flow.path("verdict").asText().equals("TRANSLATED")
                        && flow.path("destination_service")
                                .path("name")
                                .asText()
                                .equals(service)) {
                    pods.add(flow.path("destination").path("pod_name").asText());
                }
            }
            if (pods.size() > 1 || System.nanoTime() >= deadline) {
                return pods;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private void awaitFlow(Predicate<JsonNode> wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
        while (flows().stream().noneMatch(wanted)) {
            if (System.nanoTime() >= deadline) {
                fail("no flow: " + what + " after " + CONVERGE_GUARD + "\n"
                        + cli("observe", "--namespace", "demo", "--last", "30"));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    // ---- real sockets in a namespace ---------------------------------------------------------------------------

    private static <T> T in(ExecutorService namespace, Callable<T> work) throws Exception {
        Future<T> done = namespace.submit(work);
        return done.get(30, TimeUnit.SECONDS);
    }

    private static Socket connect(String address, int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getByName(address), port), 5000);
        socket.setSoTimeout(5000);
        return socket;
    }

    private static String echo(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] answer = in.readNBytes(text.getBytes(StandardCharsets.UTF_8).length);
        return new String(answer, StandardCharsets.UTF_8);
    }

    /**
     * The address the socket is really connected to, as the kernel's socket table says ({@code ss}): getpeername
     * would answer the frontend, which socket-LB's getpeername program puts back.
     */
    private static String peerOf(Path netns, Socket socket) throws IOException, InterruptedException {
        int localPort = socket.getLocalPort();
        Process ss = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        netns.getFileName().toString(),
                        "ss",
                        "-tnH",
                        "sport",
                        "=",
                        ":" + localPort)
                .redirectErrorStream(true)
                .start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        ss.waitFor(10, TimeUnit.SECONDS);
        String[] fields = out.split("\\s+");
        if (fields.length < 5) {
            throw new AssertionError("ss shows no connection from port " + localPort + ": " + out);
        }
        String peer = fields[4];
        // The JDK's sockets are dual-stack: an IPv4 peer shows as [::ffff:a.b.c.d].
        return peer.substring(0, peer.lastIndexOf(':'))
                .replace("[", "")
                .replace("]", "")
                .replace("::ffff:", "");
    }

    private boolean hasEndpoint(String pod) {
        return stream(json(ok("get", "endpoints", "-n", "demo", "-o", "json")))
                .anyMatch(e -> e.path("pod").asText().equals(pod));
    }

    /** How many entries {@code node}'s agent holds in its IPv4 LB backends map (all Services' backends). */
    private int lbBackendEntries(String node) {
        String agent = "agent-" + node.substring("node-".length());
        String url = StackFile.read(dataDir).orElseThrow().components().stream()
                .filter(c -> c.name().equals(agent))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + agent + " in stack.json"))
                .url();
        try {
            HttpResponse<String> maps = AdminTls.http(dataDir)
                    .send(
                            HttpRequest.newBuilder(URI.create(url + "/v1/maps"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(maps.statusCode()).as(maps.body()).isEqualTo(200);
            return stream(parse(maps.body()))
                    .filter(m -> m.path("name").asText().equals("cilium_lb4_backends_v3"))
                    .findFirst()
                    .map(m -> m.path("entries").asInt())
                    .orElse(0);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitCondition(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + CONVERGE_GUARD.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= deadline) {
                fail(what + ": not after " + CONVERGE_GUARD);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    // ---- the CLI ----------------------------------------------------------------------------------------------

    private Result cli(String... args) {
        return new StackCli(dataDir).run(args);
    }

    private Result ok(String... args) {
        return new StackCli(dataDir).ok(args);
    }

    private static JsonNode json(Result result) {
        return StackCli.json(result);
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StackCli.stream(array);
    }
}
