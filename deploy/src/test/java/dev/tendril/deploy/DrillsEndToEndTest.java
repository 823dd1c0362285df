package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.cli.status.HealthProbe;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Drills (issue 12): the real launcher with two agents; for each component in turn a write burst through the
 * agents' endpoint API, the policy service and IPAM, a {@code kill -9} of the component in the middle of it, the
 * supervisor's restart, and then: every acknowledged write is in the services' state (REST reads), nothing is
 * duplicated (an address, an identity's labels), every agent's maps hold the services' state (ipcache,
 * cilium_lxc, each local endpoint's policy map against the policy service's), and, for Kafka and PostgreSQL, some
 * service's readiness was DOWN while it was gone. One line of figures per drill; docs/reliability.md has the last run.
 * {@code -Dtendril.drills.seconds=60} makes every burst longer (default 12 s).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillsEndToEndTest {

    // Clear of LauncherEndToEndTest (1000) and WalkthroughEndToEndTest (2000).
    private static final int PORT_OFFSET = 5000;
    private static final Duration BURST = Duration.ofSeconds(Long.getLong("tendril.drills.seconds", 12));
    // Failure guards only; nothing waits for them to pass.
    private static final Duration READY_GUARD = Duration.ofMinutes(4);
    private static final Duration RECOVERY_GUARD = Duration.ofMinutes(2);
    private static final Duration CONVERGE_GUARD = Duration.ofMinutes(2);
    private static final Duration EXIT_GUARD = TestLauncher.STOP_GUARD;
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    // The relay's defaults (15 s send timeout, 10 s of failures) outlast a broker restart; the drills shorten them
    // so that an outage of a few seconds shows in readiness. They do not change what is acknowledged.
    private static final Map<String, String> SERVICE_ENV = Map.of(
            "TENDRIL_EVENTSTORE_RELAY_UNREADY_AFTER", "1s",
            "TENDRIL_EVENTSTORE_RELAY_SEND_TIMEOUT", "6s");
    private static final String NS = "drills";
    private static final int LIVE_PODS_PER_DRILL = 40;
    private static final int DIRECT_ALLOCATIONS_PER_DRILL = 6;
    private static final List<String> NODES = List.of("node-1", "node-2");
    private static final ObjectMapper JSON = new ObjectMapper();
    // As the admin, once the stack made its credentials (AdminTls).
    private static HttpClient HTTP;

    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();
    private LauncherOutput output;
    private HealthProbe probe;
    private final List<ProcessHandle> everStarted = new CopyOnWriteArrayList<>();
    private final Model model = new Model();
    private final List<String> figures = new ArrayList<>();
    private Path dataDir;
    private Process launcher;

    @BeforeAll
    void startStack() throws Exception {
        List<Path> missing = new StackConfig(
                        repo, repo.resolve(".tendril"), false, 2, 0, 0, PORT_OFFSET, Duration.ofSeconds(1))
                .components().stream()
                        .map(ComponentSpec::jar)
                        .filter(Files::notExists)
                        .toList();
        if (!missing.isEmpty()) {
            String reason = "service/agent jars not built, skipping the drills: " + missing;
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        removePins();
        Files.createDirectories(repo.resolve("deploy/target"));
        // Not a JUnit @TempDir (mode 700): PostgreSQL runs as "nobody" when started by root and must reach its files.
        dataDir = Files.createTempDirectory(repo.resolve("deploy/target"), "drills-stack-");
        ProcessBuilder builder = new ProcessBuilder(TestLauncher.command(
                        "256m",
                        repo,
                        dataDir,
                        PORT_OFFSET,
                        "--nodes",
                        "2",
                        // The model: the drills check acknowledged writes and the agents' maps, which are the same on
                        // both datapaths; the programs enforcing across a kill -9 of an agent are the agent
                        // module's KernelFailStaticTest.
                        "--datapath",
                        "model",
                        "--ready-timeout",
                        "180s"))
                .redirectErrorStream(true);
        builder.environment().putAll(SERVICE_ENV);
        launcher = builder.start();
        output = LauncherOutput.of(launcher);
        output.awaitLine("Tendril is ready.", READY_GUARD);
        HTTP = AdminTls.http(dataDir);
        probe = new HealthProbe(AdminTls.of(dataDir));
        everStarted.addAll(launcher.descendants().toList());
        expect2xx(put(url("identity") + "/v1/namespaces/" + NS, "{\"labels\":{\"team\":\"drills\"}}"), "namespace");
        System.out.printf("[drills] stack ready; bursts of %d s (-Dtendril.drills.seconds)%n", BURST.toSeconds());
    }

    @AfterAll
    void stopStack() throws Exception {
        figures.forEach(f -> System.out.println("[drills] " + f));
        if (launcher != null) {
            everStarted.addAll(launcher.descendants().toList());
            if (dataDir != null) {
                StackFile.read(dataDir)
                        .ifPresent(stack -> stack.components().stream()
                                .filter(c -> c.pid() != null)
                                .forEach(c -> ProcessHandle.of(c.pid()).ifPresent(everStarted::add)));
            }
            launcher.toHandle().destroy();
            if (!launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS)) {
                launcher.destroyForcibly();
            }
            await("every process the launcher started is gone")
                    .atMost(EXIT_GUARD)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> everStarted.stream().noneMatch(ProcessHandle::isAlive));
        }
        if (dataDir != null) {
            new DataDir(dataDir).postmaster().ifPresent(ProcessHandle::destroyForcibly);
            keepLogs();
            try (Stream<Path> tree = Files.walk(dataDir)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        removePins();
    }

    /** As root the agents pin real bpf maps per agent port (LocalStack); the drills leave none behind. */
    private static void removePins() throws IOException {
        for (String node : NODES) {
            Path pins = Path.of("/sys/fs/bpf/tendril/port-"
                    + (StackConfig.AGENT_PORT_BASE + Integer.parseInt(node.substring("node-".length())) + PORT_OFFSET));
            if (Files.isDirectory(pins)) {
                try (Stream<Path> tree = Files.walk(pins)) {
                    tree.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** The components' logs of the last run stay in deploy/target/drills-logs, for a drill that failed. */
    private void keepLogs() throws IOException {
        Path kept = repo.resolve("deploy/target/drills-logs");
        if (Files.isDirectory(kept)) {
            try (Stream<Path> old = Files.walk(kept)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(kept);
        try (Stream<Path> logs = Files.list(dataDir.resolve("logs"))) {
            for (Path log : logs.toList()) {
                Files.copy(log, kept.resolve(log.getFileName()));
            }
        }
    }

    @Test
    @Order(1)
    void identityKilledDuringABurst() throws Exception {
        drill("identity", false);
    }

    @Test
    @Order(2)
    void ipamKilledDuringABurst() throws Exception {
        drill("ipam", false);
    }

    @Test
    @Order(3)
    void policyKilledDuringABurst() throws Exception {
        drill("policy", false);
    }

    @Test
    @Order(4)
    void flowsKilledDuringABurstOfWritesAndProbes() throws Exception {
        drill("flows", false);
    }

    @Test
    @Order(5)
    void agentKilledDuringABurst() throws Exception {
        drill("agent-1", false);
    }

    @Test
    @Order(6)
    void kafkaKilledDuringABurst() throws Exception {
        drill("kafka", true);
    }

    @Test
    @Order(7)
    void postgresKilledDuringABurst() throws Exception {
        drill("postgres", true);
    }

    // ---- one drill ---------------------------------------------------------------------------------------------

    private void drill(String victim, boolean readinessMustGoDown) throws Exception {
        Workload workload = new Workload(victim);
        if (victim.equals("flows")) {
            workload.probePods();
        }
        ReadinessWatch watch = new ReadinessWatch(victim);
        int restartsBefore = supervised(victim).restarts();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofPlatform().name("drill-writer-" + victim).start(() -> workload.run(writing));
        Thread watcher =
                Thread.ofPlatform().daemon().name("drill-readiness-" + victim).start(watch::run);
        Instant startedAt = Instant.now();
        Instant killedAt;
        Instant backAt;
        try {
            await("a third of the burst, with writes acknowledged")
                    .atMost(BURST.plus(WRITE_TIMEOUT))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() ->
                            workload.acknowledged > 0 && Instant.now().isAfter(startedAt.plus(BURST.dividedBy(3))));
            killedAt = kill(victim);
            await(victim + " started again and healthy")
                    .atMost(RECOVERY_GUARD)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        SupervisorFile.Supervised now = supervised(victim);
                        return now.restarts() > restartsBefore && "running".equals(now.state());
                    });
            backAt = Instant.now();
            // The rest of the burst, at least a third of it, runs against the restarted component.
            Instant burstEnd = Stream.of(
                            killedAt.plus(BURST.multipliedBy(2).dividedBy(3)), backAt.plus(BURST.dividedBy(3)))
                    .max(Comparator.naturalOrder())
                    .orElseThrow();
            await("the rest of the burst")
                    .atMost(BURST.plusSeconds(1))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> Instant.now().isAfter(burstEnd));
        } finally {
            writing.set(false);
            writer.join(WRITE_TIMEOUT.multipliedBy(3).toMillis());
        }
        Instant stoppedWriting = Instant.now();
        int retried = workload.settle();
        Instant settledAt = Instant.now();
        AtomicReference<Verdict> last = new AtomicReference<>();
        try {
            await("every agent converged to the services' state")
                    .atMost(CONVERGE_GUARD)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        last.set(converged());
                        return last.get().converged();
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Asserted below, after the figures.
        }
        Verdict verdict = last.get() == null ? new Verdict(false, List.of("never checked")) : last.get();
        Instant convergedAt = Instant.now();
        List<String> flowsLost = new ArrayList<>();
        List<String> flowsDuplicated = new ArrayList<>();
        if (!workload.probed.isEmpty()) {
            awaitFlows(workload, startedAt, flowsLost, flowsDuplicated);
        }
        watch.stop();
        watcher.join(5_000);

        Set<String> downWhileGone = watch.downBetween(killedAt, backAt);
        Check check = checkWrites();
        check.lost().addAll(flowsLost);
        check.duplicated().addAll(flowsDuplicated);
        String line = String.format(
                Locale.ROOT,
                "drill %-8s writes %4d acknowledged%s, %3d failed, %d lost, %d duplicated; down %.1f s; "
                        + "%d unacknowledged retried (%.1f s); converged %.1f s after the last write, %.1f s after "
                        + "the restart; readiness DOWN: %s",
                victim,
                workload.acknowledged,
                workload.probed.isEmpty() ? "" : " (" + workload.probed.size() + " probes)",
                workload.failed,
                check.lost().size(),
                check.duplicated().size(),
                seconds(killedAt, backAt),
                retried,
                seconds(stoppedWriting, settledAt),
                seconds(settledAt, convergedAt),
                seconds(backAt, convergedAt),
                downWhileGone.isEmpty() ? "none" : String.join(",", downWhileGone));
        if (!verdict.converged()) {
            line = line.replace(
                    "; converged ", "; NOT converged within " + CONVERGE_GUARD.toSeconds() + " s, checked ");
        }
        figures.add(line);
        System.out.println("[drills] " + line);
        assertThat(workload.acknowledged)
                .as("writes acknowledged during the " + victim + " drill")
                .isPositive();
        assertThat(check.lost())
                .as("acknowledged writes lost (" + victim + " drill)")
                .isEmpty();
        assertThat(check.duplicated()).as("duplicates (" + victim + " drill)").isEmpty();
        assertThat(verdict.differences())
                .as("what the agents hold and the services do not, or the reverse, " + CONVERGE_GUARD.toSeconds()
                        + " s after the " + victim + " drill's last write")
                .isEmpty();
        if (readinessMustGoDown) {
            assertThat(downWhileGone)
                    .as("services whose readiness was DOWN while " + victim + " was gone")
                    .isNotEmpty();
        }
    }

    /** SIGKILL to the component's process; for PostgreSQL also to its postmaster and every backend (the server dies). */
    private Instant kill(String victim) {
        long pid = supervised(victim).pid();
        List<ProcessHandle> targets = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(targets::add);
        if (victim.equals("postgres")) {
            new DataDir(dataDir).postmaster().ifPresent(postmaster -> {
                targets.add(postmaster);
                targets.addAll(postmaster.descendants().toList());
            });
        }
        Instant at = Instant.now();
        targets.forEach(ProcessHandle::destroyForcibly);
        System.out.printf(
                "[drills] kill -9 %s: %s%n",
                victim, targets.stream().map(ProcessHandle::pid).toList());
        return at;
    }

    // ---- the write burst ---------------------------------------------------------------------------------------

    /** What the writes acknowledged say the services hold; the unacknowledged leave an entry UNKNOWN. */
    private static final class Model {
        final Map<String, Pod> pods = new ConcurrentHashMap<>();
        final Map<String, Known> policies = new ConcurrentHashMap<>();
        final Map<String, Allocation> allocations = new ConcurrentHashMap<>();
    }

    private enum Known {
        PRESENT,
        ABSENT,
        UNKNOWN
    }

    private record Pod(String drill, String pod, String node, String uid, String app, List<String> ips, Known known) {
        Pod with(Known k) {
            return new Pod(drill, pod, node, uid, app, ips, k);
        }
    }

    private record Allocation(String node, String owner, String uid, List<String> ips) {}

    private final class Workload {
        final String drill;
        final Random random;
        volatile int acknowledged;
        volatile int failed;
        int pods;
        int policies;
        int allocations;
        final Set<Integer> probed = ConcurrentHashMap.newKeySet();
        private boolean probing;
        private int probePort = 20_000;

        Workload(String drill) {
            this.drill = drill;
            this.random = new Random(drill.hashCode());
        }

        void run(AtomicBoolean writing) {
            while (writing.get()) {
                boolean ok;
                try {
                    ok = once();
                } catch (RuntimeException e) {
                    ok = false;
                }
                if (ok) {
                    acknowledged++;
                } else {
                    failed++;
                    try {
                        Thread.sleep(100); // a client's pause before it tries again, not a synchronisation
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        /** One write; true when it was acknowledged (2xx). */
        boolean once() {
            List<Pod> live = model.pods.values().stream()
                    .filter(p -> p.drill().equals(drill) && p.known() == Known.PRESENT)
                    .toList();
            List<String> livePolicies = model.policies.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(drill + "-") && e.getValue() == Known.PRESENT)
                    .map(Map.Entry::getKey)
                    .sorted()
                    .toList();
            if (probing && random.nextInt(3) == 0) {
                return probe();
            }
            int r = random.nextInt(100);
            if (r < 8 && !livePolicies.isEmpty()) {
                return deletePolicy(livePolicies.get(random.nextInt(livePolicies.size())));
            }
            if (r < 25) {
                return applyPolicy();
            }
            if (r < 30 && allocations < DIRECT_ALLOCATIONS_PER_DRILL) {
                return allocate();
            }
            if (r < 45 && !live.isEmpty()) {
                return relabel(live.get(random.nextInt(live.size())));
            }
            if ((r < 60 && !live.isEmpty()) || live.size() >= LIVE_PODS_PER_DRILL) {
                return deletePod(live.get(random.nextInt(live.size())));
            }
            return createPod();
        }

        /**
         * What a kubelet and an operator do after failed calls: a pod whose ADD, relabel or DEL was not acknowledged
         * is deleted (CNI DEL is retried until it succeeds), an unacknowledged policy apply or delete is sent again,
         * an unacknowledged allocation is released. Afterwards nothing of this drill is UNKNOWN. Returns the count.
         */
        int settle() {
            int settled = 0;
            for (Pod pod : List.copyOf(model.pods.values())) {
                if (pod.drill().equals(drill) && pod.known() == Known.UNKNOWN) {
                    retry(
                            "DEL " + pod.pod(),
                            () -> send(
                                    "DELETE",
                                    agentUrl(pod.node()) + "/v1/endpoints/" + NS + "/" + pod.pod() + "?uid="
                                            + pod.uid(),
                                    null),
                            404);
                    model.pods.put(pod.pod(), pod.with(Known.ABSENT));
                    settled++;
                }
            }
            for (Map.Entry<String, Known> policy : List.copyOf(model.policies.entrySet())) {
                if (policy.getKey().startsWith(drill + "-") && policy.getValue() == Known.UNKNOWN) {
                    retry(
                            "delete policy " + policy.getKey(),
                            () -> send(
                                    "DELETE",
                                    url("policy") + "/v1/policies/NetworkPolicy/" + NS + "/" + policy.getKey(),
                                    null),
                            404);
                    model.policies.put(policy.getKey(), Known.ABSENT);
                    settled++;
                }
            }
            for (Allocation a : List.copyOf(model.allocations.values())) {
                if (a.owner().startsWith(NS + "/" + drill + "-") && a.ips() == null) {
                    retry(
                            "release " + a.owner(),
                            () -> send(
                                    "DELETE",
                                    url("ipam") + "/v1/nodes/" + a.node() + "/allocations?uid=" + a.uid()
                                            + "&rollback=true",
                                    null),
                            404);
                    model.allocations.remove(a.uid());
                    settled++;
                }
            }
            return settled;
        }

        private void retry(String what, java.util.function.Supplier<Response> call, int alsoDone) {
            await(what + " retried until it succeeds")
                    .atMost(RECOVERY_GUARD)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        Response response = call.get();
                        return response.ok() || response.status() == alsoDone;
                    });
        }

        /** Two pods whose probes the flows drill records: probe-src on node-1, probe-dst on node-2. */
        void probePods() {
            for (String pod : List.of("probe-src", "probe-dst")) {
                String node = pod.equals("probe-src") ? "node-1" : "node-2";
                String uid = UUID.randomUUID().toString();
                Response response = post(agentUrl(node) + "/v1/endpoints", endpointBody(pod, uid, "probe"));
                expect2xx(response, "pod " + pod);
                JsonNode body = response.json();
                model.pods.put(
                        pod,
                        new Pod(
                                "probe",
                                pod,
                                node,
                                uid,
                                "probe",
                                List.of(
                                        body.path("ipv4").asText(),
                                        body.path("ipv6").asText()),
                                Known.PRESENT));
            }
            probing = true;
        }

        /** A probe: each answered one (200) is a flow record of node-1's egress decision, destination port unique. */
        boolean probe() {
            int port = probePort++;
            Response response = post(
                    agentUrl("node-1") + "/v1/probe",
                    "{\"from\":\"" + NS + "/probe-src\",\"to\":\"" + NS + "/probe-dst\",\"port\":" + port
                            + ",\"protocol\":\"TCP\"}");
            if (!response.ok()) {
                return false;
            }
            probed.add(port);
            return true;
        }

        boolean createPod() {
            String pod = drill + "-" + (pods++);
            String node = NODES.get(pods % NODES.size());
            String uid = UUID.randomUUID().toString();
            String app = app();
            Pod unknown = new Pod(drill, pod, node, uid, app, List.of(), Known.UNKNOWN);
            model.pods.put(pod, unknown);
            Response response = post(agentUrl(node) + "/v1/endpoints", endpointBody(pod, uid, app));
            if (!response.ok()) {
                return false;
            }
            JsonNode body = response.json();
            List<String> ips = Stream.of(
                            body.path("ipv4").asText(null), body.path("ipv6").asText(null))
                    .filter(ip -> ip != null && !ip.isEmpty())
                    .toList();
            model.pods.put(pod, new Pod(drill, pod, node, uid, app, ips, Known.PRESENT));
            return true;
        }

        boolean relabel(Pod pod) {
            String app = app();
            model.pods.put(pod.pod(), pod.with(Known.UNKNOWN));
            Response response = post(agentUrl(pod.node()) + "/v1/endpoints", endpointBody(pod.pod(), pod.uid(), app));
            if (!response.ok()) {
                return false;
            }
            model.pods.put(pod.pod(), new Pod(drill, pod.pod(), pod.node(), pod.uid(), app, pod.ips(), Known.PRESENT));
            return true;
        }

        boolean deletePod(Pod pod) {
            model.pods.put(pod.pod(), pod.with(Known.UNKNOWN));
            Response response = send(
                    "DELETE",
                    agentUrl(pod.node()) + "/v1/endpoints/" + NS + "/" + pod.pod() + "?uid=" + pod.uid(),
                    null);
            if (!response.ok()) {
                return false;
            }
            model.pods.put(pod.pod(), pod.with(Known.ABSENT));
            return true;
        }

        boolean applyPolicy() {
            String name = drill + "-" + (policies++);
            model.policies.put(name, Known.UNKNOWN);
            String manifest = String.format(Locale.ROOT, """
                    {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy",
                     "metadata":{"name":"%s","namespace":"%s"},
                     "spec":{"podSelector":{"matchLabels":{"app":"%s"}},"policyTypes":["Ingress"],
                             "ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"%s"}}}],
                                         "ports":[{"protocol":"TCP","port":%d}]}]}}""", name, NS, app(), app(), 8000 + policies);
            Response response = put(url("policy") + "/v1/policies", manifest);
            if (!response.ok()) {
                return false;
            }
            model.policies.put(name, Known.PRESENT);
            return true;
        }

        boolean deletePolicy(String name) {
            model.policies.put(name, Known.UNKNOWN);
            Response response = send("DELETE", url("policy") + "/v1/policies/NetworkPolicy/" + NS + "/" + name, null);
            if (!response.ok()) {
                return false;
            }
            model.policies.put(name, Known.ABSENT);
            return true;
        }

        boolean allocate() {
            String node = NODES.get(allocations++ % NODES.size());
            String owner = NS + "/" + drill + "-direct-" + allocations;
            String uid = UUID.randomUUID().toString();
            model.allocations.put(uid, new Allocation(node, owner, uid, null));
            Response response = post(
                    url("ipam") + "/v1/nodes/" + node + "/allocations",
                    "{\"owner\":\"" + owner + "\",\"uid\":\"" + uid + "\"}");
            if (!response.ok()) {
                return false;
            }
            List<String> ips = new ArrayList<>();
            response.json().path("ips").forEach(ip -> ips.add(ip.asText()));
            model.allocations.put(uid, new Allocation(node, owner, uid, ips));
            return true;
        }

        private String app() {
            return drill + "-" + random.nextInt(3);
        }

        private String endpointBody(String pod, String uid, String app) {
            return "{\"namespace\":\"" + NS + "\",\"pod\":\"" + pod + "\",\"uid\":\"" + uid
                    + "\",\"labels\":{\"app\":\"" + app + "\"}}";
        }
    }

    // ---- after the burst: acknowledged writes, duplicates ------------------------------------------------------

    /** Mutable lists: the flows drill adds its own. */
    private record Check(List<String> lost, List<String> duplicated) {}

    /** Every acknowledged write of every drill so far against the services' state; duplicates of any kind. */
    private Check checkWrites() {
        List<String> lost = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        Map<String, JsonNode> endpoints = serviceEndpoints();
        for (Pod pod : model.pods.values()) {
            JsonNode ep = endpoints.get(NS + "/" + pod.pod());
            if (pod.known() == Known.PRESENT) {
                if (ep == null) {
                    lost.add("endpoint " + pod.pod() + " (created or relabelled) is not at the identity service");
                } else if (!ep.path("uid").asText().equals(pod.uid())
                        || !ep.path("labels").path("app").asText().equals(pod.app())
                        || !ep.path("node").asText().equals(pod.node())
                        || !texts(ep.path("ips")).equals(new TreeSet<>(pod.ips()))) {
                    lost.add("endpoint " + pod.pod() + " is " + ep + ", acknowledged as " + pod);
                }
            } else if (pod.known() == Known.ABSENT && ep != null) {
                lost.add("endpoint " + pod.pod() + " was deleted but is still there: " + ep);
            }
        }
        Set<String> policies = new TreeSet<>();
        getJson(url("policy") + "/v1/policies?namespace=" + NS)
                .forEach(p -> policies.add(p.path("name").asText()));
        model.policies.forEach((name, known) -> {
            if (known == Known.PRESENT && !policies.contains(name)) {
                lost.add("policy " + name + " (applied) is not at the policy service");
            } else if (known == Known.ABSENT && policies.contains(name)) {
                lost.add("policy " + name + " was deleted but is still there");
            }
        });
        Map<String, List<JsonNode>> byIp = new TreeMap<>();
        for (String node : NODES) {
            getJson(url("ipam") + "/v1/nodes/" + node + "/allocations")
                    .forEach(a -> byIp.computeIfAbsent(a.path("ip").asText(), ip -> new ArrayList<>())
                            .add(a));
        }
        byIp.forEach((ip, holders) -> {
            if (holders.size() > 1) {
                duplicated.add("address " + ip + " allocated " + holders.size() + " times: " + holders);
            }
        });
        Map<String, String> uidOfIp = new HashMap<>();
        byIp.forEach(
                (ip, holders) -> uidOfIp.put(ip, holders.getFirst().path("uid").asText()));
        model.allocations.values().stream()
                .filter(a -> a.ips() != null)
                .forEach(a -> a.ips().forEach(ip -> {
                    if (!a.uid().equals(uidOfIp.get(ip))) {
                        lost.add("allocation " + ip + " of " + a.owner() + " is " + byIp.get(ip));
                    }
                }));
        model.pods.values().stream()
                .filter(p -> p.known() == Known.PRESENT)
                .forEach(p -> p.ips().forEach(ip -> {
                    if (!p.uid().equals(uidOfIp.get(ip))) {
                        lost.add("address " + ip + " of endpoint " + p.pod() + " is allocated as " + byIp.get(ip));
                    }
                }));
        Map<String, List<String>> endpointsByIp = new TreeMap<>();
        endpoints.forEach((key, ep) -> ep.path("ips")
                .forEach(ip -> endpointsByIp
                        .computeIfAbsent(ip.asText(), i -> new ArrayList<>())
                        .add(key)));
        endpointsByIp.forEach((ip, holders) -> {
            if (holders.size() > 1) {
                duplicated.add("address " + ip + " registered for " + holders);
            }
        });
        Map<Set<String>, List<Long>> identitiesByLabels = new HashMap<>();
        getJson(url("identity") + "/v1/identities")
                .forEach(i -> identitiesByLabels
                        .computeIfAbsent(texts(i.path("labels")), l -> new ArrayList<>())
                        .add(i.path("id").asLong()));
        identitiesByLabels.forEach((labels, ids) -> {
            if (ids.size() > 1) {
                duplicated.add("identities " + ids + " share the labels " + labels);
            }
        });
        return new Check(lost, duplicated);
    }

    /**
     * The flows service (restarted or not) shows node-1's egress record of every probe answered during the burst,
     * once each: the records were on Kafka while it was gone, and it reads them back.
     */
    private void awaitFlows(Workload workload, Instant since, List<String> lost, List<String> duplicated) {
        Map<Integer, Integer> seen = new TreeMap<>();
        try {
            await("the flows service shows every answered probe")
                    .atMost(CONVERGE_GUARD)
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        seen.clear();
                        getJson(url("flows") + "/v1/flows?from-pod=" + NS + "/probe-src&traffic-direction=egress&since="
                                        + since.minusSeconds(5) + "&first=100000")
                                .forEach(row -> {
                                    JsonNode port = row.findValue("destination_port");
                                    if (port != null) {
                                        seen.merge(port.asInt(), 1, Integer::sum);
                                    }
                                });
                        return seen.keySet().containsAll(workload.probed);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Counted below.
        }
        workload.probed.stream()
                .filter(p -> !seen.containsKey(p))
                .sorted()
                .forEach(p -> lost.add("flow of the probe to port " + p));
        seen.forEach((port, count) -> {
            if (count > 1) {
                duplicated.add("flow of the probe to port " + port + " recorded " + count + " times");
            }
        });
    }

    // ---- convergence -------------------------------------------------------------------------------------------

    private record Verdict(boolean converged, List<String> differences) {
        @Override
        public String toString() {
            return converged
                    ? "converged"
                    : String.join("\n", differences.subList(0, Math.min(20, differences.size())));
        }
    }

    /**
     * Every agent's ipcache holds every endpoint address with its identity (and no other pod address),
     * cilium_lxc holds the node's endpoints, the node has one policy map per local endpoint (no stale one), and each
     * local endpoint's policy map is the policy service's map of its identity.
     */
    private Verdict converged() {
        List<String> differences = new ArrayList<>();
        try {
            Map<String, JsonNode> endpoints = serviceEndpoints();
            Map<String, Long> podPrefixes = new TreeMap<>();
            endpoints
                    .values()
                    .forEach(ep -> ep.path("ips")
                            .forEach(ip -> podPrefixes.put(
                                    hostPrefix(ip.asText()), ep.path("identity").asLong())));
            Map<Long, Set<String>> policyMaps = new HashMap<>();
            for (String node : NODES) {
                String agent = agentUrl(node);
                Map<String, Long> ipcache = new TreeMap<>();
                getJson(agent + "/v1/maps/ipcache").path("rows").forEach(r -> {
                    String prefix = r.path("prefix").asText();
                    long identity = r.path("identity").asLong();
                    // Host (1) and remote-node (6) entries are the nodes'; the rest of the /32 and /128 are pods'.
                    if ((prefix.endsWith("/32") || prefix.endsWith("/128")) && identity != 1 && identity != 6) {
                        ipcache.put(prefix, identity);
                    }
                });
                diff(node + " ipcache", podPrefixes, ipcache, differences);
                Map<String, Long> lxcWanted = new TreeMap<>();
                endpoints.values().stream()
                        .filter(ep -> ep.path("node").asText().equals(node))
                        .forEach(ep -> ep.path("ips")
                                .forEach(ip -> lxcWanted.put(
                                        ip.asText(), ep.path("identity").asLong())));
                Map<String, Long> lxc = new TreeMap<>();
                getJson(agent + "/v1/maps/endpoints")
                        .path("rows")
                        .forEach(r -> lxc.put(
                                r.path("ip").asText(), r.path("identity").asLong()));
                diff(node + " cilium_lxc", lxcWanted, lxc, differences);
                long local = endpoints.values().stream()
                        .filter(ep -> ep.path("node").asText().equals(node))
                        .count();
                List<String> policyMapNames = new ArrayList<>();
                getJson(agent + "/v1/maps").forEach(m -> {
                    if (m.path("name").asText().startsWith("cilium_policy_v2_")) {
                        policyMapNames.add(m.path("name").asText());
                    }
                });
                if (policyMapNames.size() != local) {
                    differences.add(node + " has " + policyMapNames.size() + " policy maps for " + local
                            + " endpoints: " + policyMapNames);
                }
                for (JsonNode ep : endpoints.values()) {
                    if (!ep.path("node").asText().equals(node)) {
                        continue;
                    }
                    long identity = ep.path("identity").asLong();
                    Set<String> wanted = policyMaps.computeIfAbsent(identity, this::servicePolicyMap);
                    Response dump = send(
                            "GET",
                            agent + "/v1/maps/policy/" + NS + "/"
                                    + ep.path("pod").asText(),
                            null);
                    if (!dump.ok()) {
                        differences.add(node + " has no policy map for "
                                + ep.path("pod").asText() + ": " + dump);
                        continue;
                    }
                    Set<String> actual = new TreeSet<>();
                    dump.json().path("rows").forEach(row -> actual.add(agentRow(row)));
                    if (!actual.equals(wanted)) {
                        differences.add(
                                node + " policy map of " + ep.path("pod").asText() + " (identity " + identity + "): "
                                        + actual + ", the policy service has " + wanted);
                    }
                }
            }
        } catch (RuntimeException e) {
            differences.add(e.toString());
        }
        return new Verdict(differences.isEmpty(), differences);
    }

    /** The policy service's map of a subject identity as {@code direction identity protocol port verdict}. */
    private Set<String> servicePolicyMap(long identity) {
        Response response = send("GET", url("policy") + "/v1/identities/" + identity + "/policymap", null);
        if (!response.ok()) {
            throw new IllegalStateException("policy map of identity " + identity + ": " + response);
        }
        Set<String> rows = new TreeSet<>();
        response.json()
                .path("entries")
                .forEach(e -> rows.add(e.path("direction").asText() + " "
                        + e.path("identity").asLong() + " " + e.path("protocol").asText() + " "
                        + e.path("port").asText() + " "
                        + e.path("verdict").asText()));
        return rows;
    }

    /** An agent's policy-map row in {@link #servicePolicyMap}'s form. */
    private static String agentRow(JsonNode row) {
        int bits = row.path("portPrefixBits").asInt();
        int port = row.path("port").asInt();
        String ports;
        if (bits == 0) {
            ports = "ANY";
        } else if (bits == 16) {
            ports = Integer.toString(port);
        } else {
            int first = port & (0xFFFF << (16 - bits)) & 0xFFFF;
            ports = first + "-" + (first | (0xFFFF >>> bits));
        }
        String protocol = bits == 0 && row.path("protocol").asText().equals("ANY")
                ? "ANY"
                : row.path("protocol").asText();
        return row.path("direction").asText() + " " + row.path("identity").asLong() + " " + protocol + " " + ports + " "
                + (row.path("deny").asBoolean() ? "deny" : "allow");
    }

    private static void diff(
            String what, Map<String, Long> wanted, Map<String, Long> actual, List<String> differences) {
        if (wanted.equals(actual)) {
            return;
        }
        Map<String, String> wrong = new TreeMap<>();
        wanted.forEach((k, v) -> {
            if (!v.equals(actual.get(k))) {
                wrong.put(k, "wanted " + v + ", has " + actual.get(k));
            }
        });
        actual.forEach((k, v) -> {
            if (!wanted.containsKey(k)) {
                wrong.put(k, "wanted none, has " + v);
            }
        });
        differences.add(what + ": "
                + wrong.entrySet().stream().limit(10).map(Object::toString).collect(Collectors.joining(", "))
                + (wrong.size() > 10 ? " (" + wrong.size() + " in all)" : ""));
    }

    private Map<String, JsonNode> serviceEndpoints() {
        Map<String, JsonNode> endpoints = new TreeMap<>();
        getJson(url("identity") + "/v1/endpoints?namespace=" + NS)
                .forEach(ep -> endpoints.put(
                        ep.path("namespace").asText() + "/" + ep.path("pod").asText(), ep));
        return endpoints;
    }

    // ---- readiness ---------------------------------------------------------------------------------------------

    /** Polls the services' readiness; remembers when each answered DOWN (503), not when one did not answer at all. */
    private final class ReadinessWatch {
        private final List<Map.Entry<String, Instant>> down = new CopyOnWriteArrayList<>();
        private final String victim;
        private volatile boolean running = true;

        ReadinessWatch(String victim) {
            this.victim = victim;
        }

        void run() {
            while (running) {
                for (String service : StackConfig.SERVICES) {
                    if (service.equals(victim)) {
                        continue; // a service starting again is not ready yet; that is not what is asked
                    }
                    Response response = send("GET", url(service) + "/q/health/ready", null);
                    if (response.status() == 503) {
                        down.add(Map.entry(service, Instant.now()));
                    }
                }
                try {
                    Thread.sleep(200); // a sampling period, not a synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        Set<String> downBetween(Instant from, Instant to) {
            return down.stream()
                    .filter(d -> !d.getValue().isBefore(from) && !d.getValue().isAfter(to))
                    .map(Map.Entry::getKey)
                    .collect(Collectors.toCollection(TreeSet::new));
        }

        void stop() {
            running = false;
        }
    }

    // ---- HTTP --------------------------------------------------------------------------------------------------

    private record Response(int status, String body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }

    private static Response post(String url, String json) {
        return send("POST", url, json);
    }

    private static Response put(String url, String json) {
        return send("PUT", url, json);
    }

    /** Status 0 when nothing answered (refused, reset, timed out). */
    private static Response send(String method, String url, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(WRITE_TIMEOUT);
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Response(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response(0, e.toString());
        }
    }

    private static JsonNode getJson(String url) {
        Response response = send("GET", url, null);
        if (!response.ok()) {
            throw new IllegalStateException("GET " + url + " -> " + response);
        }
        return response.json();
    }

    private static void expect2xx(Response response, String what) {
        assertThat(response.ok()).as(what + ": " + response).isTrue();
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> texts = new TreeSet<>();
        array.forEach(t -> texts.add(t.asText()));
        return texts;
    }

    private static String hostPrefix(String ip) {
        return ip + (ip.contains(":") ? "/128" : "/32");
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    // ---- the stack ---------------------------------------------------------------------------------------------

    private final Map<String, String> urls = new ConcurrentHashMap<>();

    private String url(String component) {
        return urls.computeIfAbsent(component, name -> component(name).url());
    }

    private String agentUrl(String node) {
        return url("agent-" + node.substring("node-".length()));
    }

    private Component component(String name) {
        return StackFiles.component(dataDir, name);
    }

    private SupervisorFile.Supervised supervised(String name) {
        return StackFiles.supervised(dataDir, name);
    }
}
