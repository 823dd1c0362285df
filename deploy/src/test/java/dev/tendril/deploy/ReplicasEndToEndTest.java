package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.restart.SupervisorFile;
import dev.tendril.cli.stack.Component;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ./tendril up --replicas 2} with the built jars: two instances of every service, both listed by
 * {@code tendril status}; then, a few rounds, {@code kill -9} of the policy leader while a load driver writes
 * policies, and a policy change written through the surviving replica right after the kill must reach
 * tendril.policy (published by the former standby). The time from the kill to that record is printed as the
 * failover figure (docs/BENCHMARKS.md), not asserted. No acknowledged write is lost.
 */
class ReplicasEndToEndTest {

    // Clear of the other launcher tests (1000, 1500, 2000) and the drills (5000).
    private static final int PORT_OFFSET = 6000;
    private static final int ROUNDS = 3;
    // Failure guards only.
    private static final Duration READY_GUARD = Duration.ofMinutes(5);
    private static final Duration FAILOVER_GUARD = Duration.ofMinutes(2);
    private static final Duration EXIT_GUARD = TestLauncher.STOP_GUARD;
    private static final ObjectMapper JSON = new ObjectMapper();
    // As the admin, once the stack made its credentials (AdminTls).
    private static HttpClient HTTP;

    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();
    private LauncherOutput output;
    private Path dataDir;
    private Process launcher;
    private final Map<String, Integer> killedRestarts = new java.util.HashMap<>();

    @BeforeEach
    void requireBuiltJars() throws IOException {
        dataDir = TestLauncher.dataDirOrSkip(
                repo,
                new StackConfig(repo, repo.resolve(".tendril"), false, 0, 0, 0, PORT_OFFSET, Duration.ofSeconds(1), 2),
                "replicas end-to-end test",
                "replicas-stack-");
    }

    @AfterEach
    void cleanUp() throws IOException, InterruptedException {
        if (launcher != null && launcher.isAlive()) {
            launcher.toHandle().destroy();
            launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS);
            launcher.destroyForcibly();
        }
        if (dataDir != null) {
            try (Stream<Path> tree = Files.walk(dataDir)) {
                tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void runsTwoReplicasOfEveryServiceAndTheStandbyPublishesAfterTheLeaderIsKilled() throws Exception {
        launcher = new ProcessBuilder(TestLauncher.command(
                        "256m",
                        repo,
                        dataDir,
                        PORT_OFFSET,
                        "--nodes",
                        "0",
                        "--replicas",
                        "2",
                        "--brokers",
                        "3",
                        "--ready-timeout",
                        "240s"))
                .redirectErrorStream(true)
                .start();
        output = LauncherOutput.of(launcher);
        output.awaitLine("Tendril is ready.", READY_GUARD);
        HTTP = AdminTls.http(dataDir);
        List<ProcessHandle> everStarted = new ArrayList<>(launcher.descendants().toList());

        Result status = cli("status", "--data-dir", dataDir.toString(), "-o", "json");
        assertThat(status.exitCode()).as(status.out() + status.err()).isZero();
        List<String> names = new ArrayList<>();
        JSON.readTree(status.out())
                .path("components")
                .forEach(c -> names.add(c.path("name").asText()));
        assertThat(names)
                .contains("identity", "ipam", "policy", "flows", "identity-2", "ipam-2", "policy-2", "flows-2");
        assertThat(component("policy-2").port()).isEqualTo(8183 + PORT_OFFSET);
        assertThat(names).contains("kafka-1", "kafka-2", "kafka-3").doesNotContain("kafka");

        // A subject: one endpoint registered with the first identity replica.
        String ns = "failover";
        send("PUT", component("identity").url() + "/v1/namespaces/" + ns, "{\"labels\":{}}");
        JsonNode endpoint = send(
                "PUT",
                component("identity").url() + "/v1/endpoints/" + ns + "/db-0",
                "{\"uid\":\"db-0-uid\",\"node\":\"node-1\",\"ips\":[\"10.200.0.5\"],\"labels\":{\"app\":\"db\"}}");
        long subject = endpoint.path("identity").asLong();
        assertThat(subject).isPositive();

        try (KafkaConsumer<String, byte[]> policyTopic = policyTopic(kafkaBootstrap(), new DataDir(dataDir))) {
            awaitRecord(policyTopic, subject, List.of(), FAILOVER_GUARD);

            AtomicBoolean loading = new AtomicBoolean(true);
            AtomicInteger acknowledged = new AtomicInteger();
            Thread load = Thread.ofPlatform().name("policy-load").start(() -> loadDriver(loading, acknowledged));
            List<Long> failoverMillis = new ArrayList<>();
            List<String> markers = new ArrayList<>();
            Map<String, Integer> kills = new java.util.HashMap<>();
            try {
                for (int round = 1; round <= ROUNDS; round++) {
                    awaitRoles();
                    String leader = role("policy").equals("leader") ? "policy" : "policy-2";
                    String survivor = leader.equals("policy") ? "policy-2" : "policy";
                    long leaderPid = component(leader).pid();
                    String marker = "marker-" + round;
                    markers.add("NetworkPolicy/" + ns + "/" + marker);

                    if (round == 2) {
                        // A Kafka node down as well: its partitions' leadership moves, writes need two copies of three.
                        kill("kafka-2");
                    }
                    long killedAt = System.nanoTime();
                    assertThat(ProcessHandle.of(leaderPid).orElseThrow().destroyForcibly())
                            .isTrue();
                    int killed = kills.merge(leader, 1, Integer::sum);
                    send("PUT", component(survivor).url() + "/v1/policies", allow(ns, marker, 7000 + round));
                    awaitRecord(policyTopic, subject, markers, FAILOVER_GUARD);
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                    failoverMillis.add(millis);
                    System.out.printf(
                            "policy failover round %d: killed %s (pid %d), %s published %s after %d ms%n",
                            round, leader, leaderPid, survivor, marker, millis);
                    if (round == 2) {
                        await("kafka-2 started again")
                                .atMost(READY_GUARD)
                                .pollInterval(Duration.ofMillis(500))
                                .until(() -> supervised("kafka-2").restarts() >= killedRestarts.get("kafka-2")
                                        && supervised("kafka-2").state().equals("running"));
                    }
                    await(leader + " started again")
                            .atMost(READY_GUARD)
                            .pollInterval(Duration.ofMillis(500))
                            .until(() -> supervised(leader).restarts() == killed
                                    && supervised(leader).state().equals("running"));
                }
            } finally {
                loading.set(false);
                load.join(Duration.ofSeconds(30));
            }
            System.out.printf(
                    "policy failover (kill -9 of the leader to the next change on tendril.policy): %s ms; "
                            + "%d load writes acknowledged meanwhile%n",
                    failoverMillis, acknowledged.get());

            // No acknowledged write lost: both replicas list every marker and every acknowledged load policy.
            awaitRoles();
            for (String replica : List.of("policy", "policy-2")) {
                await().atMost(FAILOVER_GUARD).untilAsserted(() -> {
                    assertThat(send("GET", component(replica).url() + "/v1/policies?namespace=" + ns, null))
                            .hasSize(ROUNDS);
                    assertThat(send("GET", component(replica).url() + "/v1/policies?namespace=load", null)
                                    .size())
                            .isGreaterThanOrEqualTo(acknowledged.get());
                });
            }
        }

        everyTopicKeepsThreeCopies();
        servesOnWhileTheFirstReplicaIsKilled();

        everStarted.addAll(launcher.descendants().toList());
        launcher.toHandle().destroy();
        assertThat(launcher.waitFor(EXIT_GUARD.toSeconds(), TimeUnit.SECONDS))
                .as("launcher exits on SIGTERM")
                .isTrue();
        output.awaitEnd(EXIT_GUARD);
        assertThat(launcher.exitValue()).as(output.text()).isZero();
        for (String node : List.of("kafka-1", "kafka-2", "kafka-3")) {
            String log = Files.readString(dataDir.resolve("logs").resolve(node + ".log"));
            assertThat(log.substring(log.lastIndexOf("Stopping Kafka on")))
                    .as("%s stopped cleanly with the stack, not killed at the end of its grace", node)
                    .contains("Kafka stopped");
        }
        await("every process the launcher started is gone")
                .atMost(EXIT_GUARD)
                .until(() -> everStarted.stream().noneMatch(ProcessHandle::isAlive));
    }

    /** {@code 127.0.0.1:PORT,...} of the three Kafka nodes. */
    private String kafkaBootstrap() {
        return String.join(
                ",",
                Stream.of("kafka-1", "kafka-2", "kafka-3")
                        .map(n -> component(n).url())
                        .toList());
    }

    /**
     * Every topic of the stack on all three nodes, and (once kafka-2 caught up after its kill) every copy in sync: the
     * layout that lets a node die without losing an acknowledged write.
     */
    private void everyTopicKeepsThreeCopies() {
        Map<String, Object> props = new java.util.HashMap<>(KafkaProcess.superUserClient(new DataDir(dataDir)));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap());
        try (Admin admin = Admin.create(props)) {
            await("every partition of the tendril topics in sync on three nodes")
                    .atMost(FAILOVER_GUARD)
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        List<String> topics = admin.listTopics().names().get().stream()
                                .filter(t -> t.startsWith("tendril."))
                                .toList();
                        assertThat(topics).contains("tendril.policy", "tendril.identities", "tendril.endpoints");
                        admin.describeTopics(topics)
                                .allTopicNames()
                                .get()
                                .values()
                                .forEach(topic -> topic.partitions()
                                        .forEach(p -> assertThat(p.isr())
                                                .as("%s-%d", topic.name(), p.partition())
                                                .hasSize(3)));
                    });
        }
    }

    /**
     * identity, ipam and flows: kill -9 of the first replica, then every write through the second must be
     * acknowledged while the first is down, and once the first is back it holds them all (one database).
     */
    private void servesOnWhileTheFirstReplicaIsKilled() throws Exception {
        String ns = "replica-drill";
        send("PUT", component("identity").url() + "/v1/namespaces/" + ns, "{\"labels\":{}}");
        send("PUT", component("ipam").url() + "/v1/nodes/drill-node", "{\"ips\":[\"127.0.0.99\"]}");
        int writes = 20;

        kill("identity");
        for (int i = 0; i < writes; i++) {
            send(
                    "PUT",
                    component("identity-2").url() + "/v1/endpoints/" + ns + "/pod-" + i,
                    "{\"uid\":\"drill-uid-%d\",\"node\":\"node-1\",\"ips\":[\"10.201.0.%d\"],\"labels\":{\"app\":\"drill\"}}"
                            .formatted(i, i + 1));
        }
        awaitRestarted("identity");
        assertThat(send("GET", component("identity").url() + "/v1/endpoints?namespace=" + ns, null))
                .as("every endpoint acknowledged by identity-2 while identity was down")
                .hasSize(writes);

        kill("ipam");
        List<String> allocated = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            JsonNode allocation = send(
                    "POST",
                    component("ipam-2").url() + "/v1/nodes/drill-node/allocations",
                    "{\"owner\":\"%s/pod-%d\",\"uid\":\"drill-uid-%d\"}".formatted(ns, i, i));
            allocation.path("ips").forEach(ip -> allocated.add(ip.asText()));
        }
        assertThat(allocated)
                .as("distinct addresses from ipam-2")
                .doesNotHaveDuplicates()
                .hasSizeGreaterThanOrEqualTo(writes);
        awaitRestarted("ipam");
        List<String> held = new ArrayList<>();
        send("GET", component("ipam").url() + "/v1/nodes/drill-node/allocations", null)
                .forEach(a -> held.add(a.path("ip").asText()));
        assertThat(held)
                .as("ipam holds every address ipam-2 handed out while it was down")
                .containsAll(allocated);

        kill("flows");
        send("GET", component("flows-2").url() + "/v1/status", null);
        awaitRestarted("flows");
        System.out.printf(
                "replica drill: %d endpoints and %d addresses acknowledged by the second replicas while the"
                        + " first were killed, 0 lost; flows-2 answered while flows was down%n",
                writes, allocated.size());
    }

    private void kill(String name) {
        long pid = component(name).pid();
        int before = supervised(name).restarts();
        assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue();
        await(name + " is down")
                .atMost(EXIT_GUARD)
                .until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        killedRestarts.put(name, before + 1);
    }

    private void awaitRestarted(String name) {
        int expected = killedRestarts.get(name);
        await(name + " started again")
                .atMost(READY_GUARD)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> supervised(name).restarts() >= expected
                        && supervised(name).state().equals("running"));
        await(name + " ready")
                .atMost(READY_GUARD)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    try {
                        return HTTP.send(
                                                HttpRequest.newBuilder(URI.create(
                                                                component(name).url() + "/q/health/ready"))
                                                        .timeout(Duration.ofSeconds(2))
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofString())
                                        .statusCode()
                                == 200;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }

    /** Writes a new policy every 50 ms through either replica (whichever answers), counting the acknowledged. */
    private void loadDriver(AtomicBoolean loading, AtomicInteger acknowledged) {
        int i = 0;
        while (loading.get()) {
            String target = i % 2 == 0 ? "policy" : "policy-2";
            try {
                send("PUT", component(target).url() + "/v1/policies", allow("load", "load-" + i, 1000 + i % 5000));
                acknowledged.incrementAndGet();
            } catch (Exception | AssertionError e) {
                // the killed replica refuses until it is back; the write was not acknowledged
            }
            i++;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String allow(String ns, String name, int port) {
        return """
                {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": "%s", "namespace": "%s"},
                 "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                          "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                                       "ports": [{"port": %d, "protocol": "TCP"}]}]}}""".formatted(name, ns, port);
    }

    /** Both policy replicas ready, one leader and one standby. */
    private void awaitRoles() {
        await("one policy leader and one standby")
                .atMost(READY_GUARD)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> List.of(role("policy"), role("policy-2")).containsAll(List.of("leader", "standby")));
    }

    private String role(String replica) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(component(replica).url() + "/q/health/ready"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode health = JSON.readTree(response.body());
            if (response.statusCode() != 200) {
                return "down";
            }
            for (JsonNode check : health.path("checks")) {
                if (check.path("name").asText().equals("policy-inputs")) {
                    return check.path("data").path("role").asText("unknown");
                }
            }
            return "unknown";
        } catch (IOException e) {
            return "down";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "down";
        }
    }

    /** Polls tendril.policy until the subject's latest record is enforced by exactly {@code enforcedBy} (ingress). */
    private static void awaitRecord(
            KafkaConsumer<String, byte[]> topic, long subject, List<String> enforcedBy, Duration guard)
            throws Exception {
        long deadline = System.nanoTime() + guard.toNanos();
        String key = Long.toString(subject);
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : topic.poll(Duration.ofMillis(20))) {
                if (key.equals(r.key())
                        && r.value() != null
                        && SubjectPolicyMap.parseFrom(r.value()).getIngressEnforcedByList().stream()
                                .sorted()
                                .toList()
                                .equals(enforcedBy.stream().sorted().toList())) {
                    return;
                }
            }
        }
        fail("tendril.policy did not get subject " + subject + " enforced by " + enforcedBy + " within " + guard);
    }

    private static KafkaConsumer<String, byte[]> policyTopic(String bootstrap, DataDir dataDir) {
        // The broker takes only the stack's certificates; the test reads as the broker itself.
        Map<String, Object> props = new java.util.HashMap<>(KafkaProcess.superUserClient(dataDir));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap.replace("kafka://", ""));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        TopicPartition partition = new TopicPartition("tendril.policy", 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        return consumer;
    }

    private static JsonNode send(String method, String url, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Accept", "application/json");
        request = body == null
                ? request.method(method, HttpRequest.BodyPublishers.noBody())
                : request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as(method + " " + url + ": " + response.body())
                .isBetween(200, 299);
        return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    private Component component(String name) {
        return StackFiles.component(dataDir, name);
    }

    private SupervisorFile.Supervised supervised(String name) {
        return StackFiles.supervised(dataDir, name);
    }

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return new Result(cmd.execute(args), out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err) {}
}
