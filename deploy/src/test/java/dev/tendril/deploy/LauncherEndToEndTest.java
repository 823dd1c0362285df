package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.cli.status.HealthProbe;
import dev.tendril.deploy.StackCli.Result;
import dev.tendril.security.ClientTls;
import dev.tendril.security.Pem;
import dev.tendril.security.SecretFiles;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real launcher in a child JVM against the built service and agent jars, one stack for the whole class (each
 * start-up costs most of a minute on two cores): everything becomes ready and healthy; every service and agent serves
 * only TLS with the stack's certificates, no child carries key material on its command line, and {@code tendril
 * credentials rotate} changes the served certificates while requests keep succeeding; a service killed with SIGKILL
 * is started again, {@code tendril restart} restarts another, and {@code tendril status} shows both; SIGTERM stops
 * everything without restarting anything and leaves no process behind. Skipped when the jars are not built (the
 * reactor builds them before deploy).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LauncherEndToEndTest {

    // Service and agent HTTP ports are fixed; the offset keeps this run clear of a local stack on 8081-8092.
    private static final int PORT_OFFSET = 1000;
    // Failure guards only: a healthy run takes a fraction of these.
    private static final Duration READY_GUARD = Duration.ofMinutes(4);
    private static final Duration RECOVERY_GUARD = Duration.ofMinutes(3);
    private static final Duration EXIT_GUARD = TestLauncher.STOP_GUARD;
    /** The components reload their TLS files every 10 s; the guard leaves room for a slow machine. */
    private static final Duration RELOAD_GUARD = Duration.ofSeconds(90);

    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();
    private LauncherOutput output;
    private Path dataDir;
    private Process launcher;
    /** Every process the launcher started, gathered as the tests go (postgres is a daemon, not a descendant). */
    private final List<ProcessHandle> everStarted = new ArrayList<>();

    private boolean kernel;

    @BeforeAll
    void startStack() throws Exception {
        dataDir = TestLauncher.dataDirOrSkip(
                repo,
                new StackConfig(repo, repo.resolve(".tendril"), false, 1, 0, 0, PORT_OFFSET, Duration.ofSeconds(1)),
                "launcher end-to-end test",
                "e2e-stack-");
        // The default datapath, auto: the kernel where it runs (here as root), else the model with the reason.
        launcher = new ProcessBuilder(TestLauncher.command(
                        "1g", repo, dataDir, PORT_OFFSET, "--nodes", "1", "--ready-timeout", "180s"))
                .redirectErrorStream(true)
                .start();
        output = LauncherOutput.of(launcher);
        output.awaitLine("Tendril is ready.", READY_GUARD);
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (launcher != null && launcher.isAlive()) {
            launcher.toHandle().destroy();
            if (!launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS)) {
                launcher.destroyForcibly();
            }
        }
        if (dataDir != null) {
            FabricTeardown.system(StackFabric.of(dataDir)).removeReporting(System.out, "the test's pod network");
            BpfFilesystem.system(BpfFilesystem.PINS).removePins(List.of(StackConfig.AGENT_PORT_BASE + 1 + PORT_OFFSET));
            try (Stream<Path> tree = Files.walk(dataDir)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void startsEverythingHealthyAndRecordsItInTheStackFile() throws Exception {
        // up shows which datapath auto chose.
        assertThat(output.lines())
                .as(output.text())
                .contains("datapath   auto: network namespaces "
                        + StackFabric.of(dataDir).prefix() + "_<node>[_<namespace>_<pod>]");
        String podNetwork = output.lines().stream()
                .filter(line -> line.matches("agent-1 +pod network: .*"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no pod network line:\n" + output.text()));
        assertThat(podNetwork).matches("agent-1 +pod network: (kernel \\(tc\\), 0 programs|model: auto: .+)");
        kernel = podNetwork.contains("kernel (tc)");

        StackFile stack = StackFile.read(dataDir).orElseThrow();
        assertThat(stack.ready()).isTrue();
        assertThat(stack.launcherPid()).isEqualTo(launcher.pid());
        assertThat(stack.components())
                .extracting(Component::name)
                .containsExactly("postgres", "kafka", "identity", "ipam", "policy", "flows", "agent-1");
        HttpClient http = AdminTls.http(dataDir);
        ObjectMapper json = new ObjectMapper();
        for (Component c : stack.components()) {
            if (c.kind() == Kind.SERVICE || c.kind() == Kind.AGENT) {
                assertThat(c.port()).isGreaterThan(PORT_OFFSET);
                HttpResponse<String> ready = http.send(
                        HttpRequest.newBuilder(URI.create(c.url() + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(ready.statusCode()).as(c.name() + " readiness").isEqualTo(200);
                assertThat(json.readTree(ready.body()).path("status").asText())
                        .as(c.name())
                        .isEqualTo("UP");
            }
        }
        assertThat(dataDir.resolve("launcher.pid"))
                .content(StandardCharsets.UTF_8)
                .isEqualToIgnoringWhitespace(Long.toString(launcher.pid()));

        gatherStarted();
        assertThat(everStarted)
                .extracting(ProcessHandle::pid)
                .as("postgres and every service and agent run")
                .containsAll(stack.components().stream().map(Component::pid).toList());
    }

    @Test
    @Order(2)
    void servesOnlyTlsAndKeepsKeysOffCommandLinesAndOutOfTheQEndpoints() throws Exception {
        StackFile stack = StackFile.read(dataDir).orElseThrow();
        Component identity = component("identity");
        Component agent = component("agent-1");
        assertThat(identity.url()).startsWith("https://127.0.0.1:");
        assertThat(Files.getPosixFilePermissions(dataDir)).isEqualTo(SecretFiles.DIRECTORY);

        // A plaintext request to a TLS port is refused, and the CLI needs no flag: it finds the stack's tendril.conf.
        HttpClient plaintext =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plaintext.send(
                        HttpRequest.newBuilder(URI.create(identity.url().replace("https:", "http:") + "/v1/namespaces"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        cli().ok("status");

        // No child carries key material on its command line: the launcher passes paths.
        List<String> keys = keyFragments();
        for (Component c : stack.components()) {
            Path cmdline = Path.of("/proc", String.valueOf(c.pid()), "cmdline");
            if (c.pid() == null || !Files.exists(cmdline)) {
                continue;
            }
            String arguments = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
            assertThat(arguments).as(c.name() + "'s command line").doesNotContain("PRIVATE KEY");
            for (String key : keys) {
                assertThat(arguments).as(c.name() + "'s command line").doesNotContain(key);
            }
        }

        // Nor do the /q endpoints show configuration: no key, no path of one.
        HttpClient admin = AdminTls.http(dataDir);
        for (String path : List.of("/q/health", "/q/metrics", "/q/openapi")) {
            for (Component c : List.of(identity, agent)) {
                String body = admin.send(
                                HttpRequest.newBuilder(URI.create(c.url() + path))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(body).as(c.name() + path).doesNotContain("PRIVATE KEY", "/pki/", "tendril.tls");
                for (String key : keys) {
                    assertThat(body).as(c.name() + path).doesNotContain(key);
                }
            }
        }
    }

    @Test
    @Order(3)
    void credentialsRotateChangesTheServedCertificatesWhileRequestsKeepSucceeding() throws Exception {
        Component identity = component("identity");
        Component agent = component("agent-1");
        BigInteger identityBefore = served(identity.url());
        assertThat(identityBefore)
                .isEqualTo(Pem.readCertificate(dataDir.resolve("pki/services/identity.crt"))
                        .getSerialNumber());

        String identityKafkaBefore = Files.readString(dataDir.resolve("pki/kafka-clients/identity.pem"));
        String control = SupervisorFile.read(dataDir).orElseThrow().control();
        BigInteger controlBefore = served(control);

        cli().ok("credentials", "rotate");
        BigInteger identityNew = Pem.readCertificate(dataDir.resolve("pki/services/identity.crt"))
                .getSerialNumber();
        // The identity service's Kafka client reads this bundle again at its next connection to the broker.
        assertThat(Files.readString(dataDir.resolve("pki/kafka-clients/identity.pem")))
                .isNotEqualTo(identityKafkaBefore)
                .isEqualTo(Files.readString(dataDir.resolve("pki/kafka-clients/identity.key"))
                        + Files.readString(dataDir.resolve("pki/kafka-clients/identity.crt")));
        BigInteger agentNew =
                Pem.readCertificate(dataDir.resolve("pki/nodes/node-1.crt")).getSerialNumber();
        assertThat(identityNew).isNotEqualTo(identityBefore);
        // The launcher's control endpoint reads its bundle at every handshake: its next connection has the new one.
        assertThat(served(control))
                .as("the certificate of the launcher's control endpoint after the rotation")
                .isNotEqualTo(controlBefore)
                .isEqualTo(Pem.readCertificate(dataDir.resolve("pki/services/launcher.crt"))
                        .getSerialNumber());

        // Requests keep succeeding while the components reload their files, until they serve the new certificates.
        List<String> resets = new CopyOnWriteArrayList<>();
        List<String> failedRequests =
                requestUntil("identity and agent-1 serve the rotated certificates", "rot-", () -> {
                    assertThat(servedOrReset(identity.url(), resets)).isEqualTo(identityNew);
                    assertThat(servedOrReset(agent.url(), resets)).isEqualTo(agentNew);
                });
        assertThat(failedRequests)
                .as("the operator's requests while the components reload their files")
                .isEmpty();
        // A probe's new connection reset in its handshake while the server swaps its key store is counted and
        // printed, not fatal: the operator's requests above must all succeed, and do.
        System.out.println("LauncherEndToEndTest: probe handshakes reset during the reload: " + resets);
        // The agent's own gRPC calls still go through: it registers a pod at IPAM and the identity service.
        registerPod(agent, "rot-1", "after");
        assertThat(component("identity").pid()).as("identity was not restarted").isEqualTo(identity.pid());

        // Who changed what: the admin's policy write, and the pod registered by its node's agent.
        Path policy = dataDir.resolve("deny.yaml");
        Files.writeString(policy, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: deny-all
                  namespace: rot-1
                spec:
                  podSelector: {}
                  policyTypes: [Ingress]
                """);
        cli().ok("apply", "-f", policy.toString());
        Result policyHistory = cli().ok("history", "netpol/deny-all", "-n", "rot-1", "-o", "json");
        assertThat(principals(policyHistory)).containsOnly("admin");
        Result podHistory = cli().ok("history", "pod/after", "-n", "rot-1", "-o", "json");
        assertThat(principals(podHistory)).contains("node:node-1");
    }

    @Test
    @Order(4)
    void rotatingTheAuthorityKeepsEveryConnectionWorkingAndRetiresTheOldOne() throws Exception {
        Component identity = component("identity");
        Component agent = component("agent-1");
        Path bundle = dataDir.resolve("pki/ca.crt");
        X509Certificate old = Pem.readCertificate(bundle);

        // Trust first (the command waits 20 s for every component to reload the bundle), then the new authority signs.
        Result rotate = cli().ok("credentials", "rotate", "--authority");
        assertThat(rotate.out()).contains("New certificate authority", "signs from now on");
        List<X509Certificate> trusted = Pem.readCertificates(bundle);
        assertThat(trusted).hasSize(2).endsWith(old);
        X509Certificate next = trusted.getFirst();

        List<String> resets = new CopyOnWriteArrayList<>();
        List<String> failedRequests =
                requestUntil("identity and agent-1 serve certificates of the new authority", "ca-", () -> {
                    assertThat(issuedBy(servedCertificateOrReset(identity.url(), resets), next))
                            .as("identity's certificate is the new authority's")
                            .isTrue();
                    assertThat(issuedBy(servedCertificateOrReset(agent.url(), resets), next))
                            .as("agent-1's certificate is the new authority's")
                            .isTrue();
                });
        assertThat(failedRequests)
                .as("the operator's requests while the stack moves to the new authority")
                .isEmpty();
        System.out.println("LauncherEndToEndTest: probe handshakes reset during the authority change: " + resets);
        assertThat(issuedBy(
                        servedCertificate(
                                SupervisorFile.read(dataDir).orElseThrow().control()),
                        next))
                .as("the launcher's control endpoint")
                .isTrue();

        cli().ok("credentials", "retire-authority");
        assertThat(Pem.readCertificates(bundle)).containsExactly(next);
        // The agent's gRPC calls to IPAM and identity, over new connections with the new authority's certificates.
        registerPod(agent, "ca-1", "after-ca");
        assertThat(component("identity").pid()).as("identity was not restarted").isEqualTo(identity.pid());
        assertThat(component("agent-1").pid()).as("agent-1 was not restarted").isEqualTo(agent.pid());
        // The next test kills and restarts services: they come back on the new authority's Kafka and HTTP credentials.
    }

    @Test
    @Order(5)
    void restartsAKilledServiceAndOneOnRequestAndStatusCountsBoth() throws Exception {
        HealthProbe probe = new HealthProbe(AdminTls.of(dataDir));
        gatherStarted();

        // kill -9 a service: the supervisor starts it again after the first back-off step and counts one restart.
        Component identity = component("identity");
        ProcessHandle killed = ProcessHandle.of(identity.pid()).orElseThrow();
        assertThat(killed.destroyForcibly()).isTrue();
        await("identity healthy again with one restart")
                .atMost(RECOVERY_GUARD)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    SupervisorFile.Supervised now = supervised("identity");
                    assertThat(now.restarts()).isEqualTo(1);
                    assertThat(now.state()).isEqualTo("running");
                    assertThat(now.pid()).isNotEqualTo(identity.pid());
                    assertThat(now.lastExit().reason()).isEqualTo("killed by SIGKILL");
                    assertThat(probe.check(component("identity")).ok()).isTrue();
                });
        assertThat(component("identity").pid())
                .as("stack.json follows the new process")
                .isEqualTo(supervised("identity").pid());

        // tendril restart on another component: stopped, started at once, healthy again.
        Component policy = component("policy");
        Result restart = cli().ok("restart", "policy", "--wait", "--timeout", "180s");
        assertThat(restart.out()).startsWith("Restarted policy: pid " + policy.pid() + " -> ");
        SupervisorFile.Supervised restarted = supervised("policy");
        assertThat(restarted.restarts()).isEqualTo(1);
        assertThat(restarted.pid()).isNotEqualTo(policy.pid());
        assertThat(restarted.lastExit().reason()).isEqualTo("restarted on request");
        assertThat(ProcessHandle.of(policy.pid()).filter(ProcessHandle::isAlive))
                .isEmpty();

        Result unknown = cli().run("restart", "policy-9");
        assertThat(unknown.code()).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(unknown.err().lines()).singleElement().asString().startsWith("Error: unknown component 'policy-9'");

        Result status = cli().ok("status", "--wait", "--timeout", "120s", "-o", "json");
        JsonNode report = new ObjectMapper().readTree(status.out());
        for (JsonNode c : report.path("components")) {
            int expected = List.of("identity", "policy").contains(c.path("name").asText()) ? 1 : 0;
            assertThat(c.path("restarts").asInt(-1))
                    .as(c.path("name").asText() + " restarts")
                    .isEqualTo(expected);
        }
        assertThat(cli().run("status").out())
                .containsPattern("(?m)^identity\\s+OK\\s+\\S+\\s+restarts 1\\s+last exit: killed by SIGKILL");
    }

    @Test
    @Order(6)
    void sigtermStopsEverythingWithoutRestartingAndLeavesNoProcessBehind() throws Exception {
        gatherStarted();
        // As root (on the bpffs the launcher mounts when none is) the agent pins its maps here, unless bpf(2) is
        // refused.
        Path pins = BpfFilesystem.agentPins(StackConfig.AGENT_PORT_BASE + 1 + PORT_OFFSET);
        boolean pinned =
                BpfFilesystem.isRoot(Files.readAllLines(Path.of("/proc/self/status"))) && Files.isDirectory(pins);

        // SIGTERM through the handle: Process.destroy() would also close the output this test still reads.
        launcher.toHandle().destroy();
        assertThat(launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS))
                .as("launcher exits on SIGTERM")
                .isTrue();
        output.awaitEnd(EXIT_GUARD);
        assertThat(launcher.exitValue())
                .as("launcher exit code\n" + output.text())
                .isZero();
        List<String> printed = output.lines();
        assertThat(printed).contains("Tendril stopped.");
        List<String> afterStop =
                printed.subList(printed.indexOf("SIGTERM received: stopping Tendril..."), printed.size());
        assertThat(afterStop).as("nothing restarts while the stack stops").noneMatch(l -> l.contains("started again"));
        assertThat(supervised("kafka").state()).isEqualTo("stopped");

        if (pinned) {
            // The launcher's stop leaves the agent's maps and programs pinned (fail-static): a start finds them again.
            assertThat(pins).isDirectory();
        }
        FabricTeardown fabric = FabricTeardown.system(StackFabric.of(dataDir), FabricTeardown.agentPinsOf(dataDir));
        if (kernel) {
            // Fail-static: stopping keeps the node's namespace; './tendril down' removes it after the launcher.
            assertThat(printed)
                    .anyMatch(line -> line.startsWith("fabric     kept the kernel pod network "
                            + StackFabric.of(dataDir).prefix()));
            assertThat(fabric.namespaces()).contains(StackFabric.of(dataDir).nodeNetns("node-1"));
        }
        if (kernel || pinned) {
            // What ./tendril down runs after the launcher: nothing of the stack is left, its pins included.
            fabric.remove();
            assertThat(fabric.present()).isFalse();
            assertThat(pins).doesNotExist();
        }
        // PostgreSQL is a daemon, not the launcher's child: init reaps it a moment after it exits.
        List<ProcessHandle> alive = awaitGone(everStarted, EXIT_GUARD);
        assertThat(alive.stream()
                        .map(h -> h.pid() + " " + h.info().commandLine().orElse("(exited, not yet reaped)")))
                .as("processes alive after the launcher stopped")
                .isEmpty();
        assertThat(dataDir.resolve("launcher.pid")).doesNotExist();
    }

    /** Adds the launcher's descendants and the stack's components running now to {@link #everStarted}. */
    private void gatherStarted() {
        everStarted.addAll(launcher.descendants().toList());
        StackFile.read(dataDir)
                .orElseThrow()
                .components()
                .forEach(c -> ProcessHandle.of(c.pid()).ifPresent(everStarted::add));
    }

    private List<String> keyFragments() throws IOException {
        List<String> keys = new ArrayList<>();
        try (Stream<Path> tree = Files.walk(dataDir.resolve(StackPki.DIRECTORY))) {
            for (Path key : tree.filter(p -> p.toString().endsWith(".key")).toList()) {
                String pem = Files.readString(key);
                keys.add(pem.replaceAll("-----[A-Z ]+-----", "")
                        .replaceAll("\\s", "")
                        .substring(0, 40));
            }
        }
        return keys;
    }

    private static List<String> principals(Result history) {
        List<String> principals = new ArrayList<>();
        StackCli.json(history)
                .path("changes")
                .forEach(change -> principals.add(change.path("principal").asText()));
        assertThat(principals).as("changes recorded: " + history).isNotEmpty();
        return principals;
    }

    private Path manifest(String ns) throws IOException {
        Path file = dataDir.resolve(ns + ".yaml");
        Files.writeString(file, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n");
        return file;
    }

    /** Registers {@code namespace/pod} (uid {@code pod-1}, label app={@code pod}) at the agent, as the admin. */
    private void registerPod(Component agent, String namespace, String pod) throws Exception {
        HttpResponse<String> response = AdminTls.http(dataDir)
                .send(
                        HttpRequest.newBuilder(URI.create(agent.url() + "/v1/endpoints"))
                                .timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"namespace\":\"" + namespace
                                        + "\",\"pod\":\"" + pod + "\",\"uid\":\"" + pod + "-1\","
                                        + "\"labels\":{\"app\":\"" + pod + "\"}}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
    }

    /**
     * Applies a new namespace ({@code prefix} and a round number) and lists the namespaces through the CLI every 500 ms
     * until {@code done} holds (at most {@link #RELOAD_GUARD}); returns the rounds whose requests failed. They are
     * recorded, not retried into silence: the callers assert that there are none.
     */
    private List<String> requestUntil(String alias, String prefix, org.awaitility.core.ThrowingRunnable done) {
        int[] round = {0};
        List<String> failed = new CopyOnWriteArrayList<>();
        await(alias).atMost(RELOAD_GUARD).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            round[0]++;
            String ns = prefix + round[0];
            Result write = cli().run("apply", "-f", manifest(ns).toString());
            Result read = cli().run("get", "namespaces");
            if (write.code() != 0 || read.code() != 0 || !read.out().contains(ns)) {
                failed.add("round " + round[0] + ": " + write + "\n" + read);
            }
            done.run();
        });
        return failed;
    }

    /**
     * As {@link #served}, but a handshake the server resets (while it reloads its files) is recorded in {@code resets}
     * and reported as an assertion failure, so that the wait tries again.
     */
    private BigInteger servedOrReset(String url, List<String> resets) throws Exception {
        return servedCertificateOrReset(url, resets).getSerialNumber();
    }

    private static boolean issuedBy(X509Certificate certificate, X509Certificate authority) {
        try {
            certificate.verify(authority.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    /** The serial number of the certificate served at {@code url}, seen by a new connection as the admin. */
    private BigInteger served(String url) throws Exception {
        return servedCertificate(url).getSerialNumber();
    }

    private X509Certificate servedCertificateOrReset(String url, List<String> resets) throws Exception {
        try {
            return servedCertificate(url);
        } catch (SSLHandshakeException e) {
            resets.add(url + ": " + e.getMessage());
            throw new AssertionError("handshake reset by " + url + " while it reloads: " + e.getMessage(), e);
        }
    }

    /** The certificate served at {@code url}, seen by a new connection as the admin. */
    private X509Certificate servedCertificate(String url) throws Exception {
        ClientTls admin = AdminTls.of(dataDir);
        HttpResponse<String> response = admin.configure(HttpClient.newBuilder())
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create(url + "/q/health/live"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
    }

    private Component component(String name) {
        return StackFiles.component(dataDir, name);
    }

    private SupervisorFile.Supervised supervised(String name) {
        return StackFiles.supervised(dataDir, name);
    }

    private StackCli cli() {
        return new StackCli(dataDir);
    }

    private static List<ProcessHandle> awaitGone(List<ProcessHandle> processes, Duration guard)
            throws InterruptedException {
        long deadline = System.nanoTime() + guard.toNanos();
        List<ProcessHandle> alive =
                processes.stream().filter(ProcessHandle::isAlive).toList();
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            alive = alive.stream().filter(ProcessHandle::isAlive).toList();
        }
        return alive;
    }
}
