package dev.tendril.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.cli.stack.StackFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;

/**
 * Load driver for docs/BENCHMARKS.md, "Kernel datapath: policy change to the first dropped packet" (issue 14 (a)); not
 * a test. Starts the real launcher on the kernel datapath (two agents, its own ports and data directory), applies two
 * pods of namespace {@code bench}, {@code sender} on node-1 and {@code receiver} on node-2 (UDP port 7007, which the
 * receiver's agent answers as the pod's echo responder), and sends from the sender pod's network namespace one UDP
 * datagram every {@code intervalMicros} to the receiver, each from a socket of its own (a new source port, so a new
 * connection-tracking entry: an established flow would keep passing across the change, as in Cilium). A datagram
 * whose echo does not come back within {@code lostAfterMillis} is dropped.
 *
 * <p>Each change: {@code PUT /v1/policies} of a NetworkPolicy that denies all ingress of {@code receiver} at the
 * policy service, then the time from the call's start to the send time of the first datagram of a run of {@code
 * run} dropped ones; then {@code DELETE} of that policy and the time to the first of {@code run} answered ones. A
 * consumer of {@code tendril.policy} notes when the receiver identity's new policy map was published (the record's
 * timestamp, the policy service's producer clock), which splits the time into the service's part (REST, event store,
 * compile, publish) and the rest (Kafka to the agent, its reconcile and map write, the kernel's next lookup).
 *
 * <pre>
 * ./mvnw -B -o -q -pl deploy -am test-compile -Pbench-policy-drop [-Dchanges=100 -Dwarmup=5 -DintervalMicros=1000]
 * </pre>
 */
final class PolicyDropBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    // As the admin, once the stack made its credentials (AdminTls).
    private static HttpClient HTTP;
    private static final Duration GUARD = Duration.ofSeconds(30);
    private static final String NAMESPACE = "bench";
    /** The receiver's UDP ports, {@value #FIRST_PORT} on: with the sender's source ports, distinct 5-tuples. */
    private static final int FIRST_PORT = 7001;

    private static final int PORTS = 8;
    /** The sender's source ports, bound in turn: never the same 5-tuple within PORTS x SOURCE_PORTS datagrams. */
    private static final int FIRST_SOURCE_PORT = 20_000;

    private static final int SOURCE_PORTS = 40_000;
    private static final String DENY = "deny-receiver-ingress";

    private final int changes = Integer.getInteger("changes", 100);
    private final int warmup = Integer.getInteger("warmup", 5);
    private final long intervalNanos = TimeUnit.MICROSECONDS.toNanos(Long.getLong("intervalMicros", 1000));
    private final long lostAfterNanos = TimeUnit.MILLISECONDS.toNanos(Long.getLong("lostAfterMillis", 1000));
    private final int run = Integer.getInteger("run", 50);
    private final int portOffset = Integer.getInteger("portOffset", 4000);
    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();
    private final Path dataDir = Path.of(System.getProperty(
                    "bench.dir", repo.resolve("deploy/target/bench-policy-drop").toString()))
            .toAbsolutePath()
            .normalize();

    /** Each datagram's send time (nanoTime) by sequence number, and what became of it once known. */
    private final Map<Long, Long> sent = new ConcurrentSkipListMap<>();

    private final Map<Long, Boolean> answered = new ConcurrentSkipListMap<>();
    private final LinkedBlockingQueue<long[]> published = new LinkedBlockingQueue<>();
    private volatile boolean stopping;

    public static void main(String[] args) throws Exception {
        new PolicyDropBenchmark().runAll();
        System.exit(0);
    }

    private void runAll() throws Exception {
        Files.createDirectories(dataDir);
        Process launcher = startLauncher();
        try {
            measure();
        } finally {
            stopping = true;
            launcher.destroy();
            if (!launcher.waitFor(2, TimeUnit.MINUTES)) {
                launcher.destroyForcibly();
            }
            // The launcher's stop keeps the pods' namespaces (fail-static); './tendril down' would remove them.
            FabricTeardown.system(StackFabric.of(dataDir), FabricTeardown.agentPinsOf(dataDir))
                    .removeReporting(System.out, "the bench's pod network");
        }
    }

    private Process startLauncher() throws IOException, InterruptedException {
        Process launcher = new ProcessBuilder(TestLauncher.command(
                        "512m", repo, dataDir, portOffset, "--fresh", "--nodes", "2", "--datapath", "kernel"))
                .redirectErrorStream(true)
                .start();
        LauncherOutput.of(launcher).awaitLine("Tendril is ready.", Duration.ofMinutes(4));
        HTTP = AdminTls.http(dataDir);
        return launcher;
    }

    private void measure() throws Exception {
        // Not in the data directory: '--fresh' refuses to wipe files the launcher did not create.
        Path manifest = Files.createTempFile("tendril-bench-", ".yaml");
        manifest.toFile().deleteOnExit();
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Namespace
                metadata: {name: bench}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: sender, namespace: bench, labels: {app: sender}}
                spec: {nodeName: node-1, containers: [{name: c, image: busybox}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: receiver, namespace: bench, labels: {app: receiver}}
                spec:
                  nodeName: node-2
                  containers:
                    - name: c
                      image: busybox
                      ports:
                %s""".formatted(ports()));
        cli("apply", "-f", manifest.toString());
        JsonNode endpoints = JSON.readTree(cli("get", "endpoints", "-n", NAMESPACE, "-o", "json"));
        String receiverIp = null;
        long receiverIdentity = 0;
        for (JsonNode e : endpoints) {
            if (e.path("pod").asText().equals("receiver")) {
                receiverIp = e.path("ips").get(0).asText();
                receiverIdentity = e.path("identity").asLong();
            }
        }
        if (receiverIp == null) {
            throw new IllegalStateException("no receiver endpoint: " + endpoints);
        }
        Path senderNetns =
                StackFabric.NETNS_DIR.resolve(StackFabric.of(dataDir).podNetns("node-1", NAMESPACE, "sender"));
        String target = receiverIp;
        Thread sender = Thread.ofPlatform().name("bench-sender").start(() -> send(senderNetns, target));
        String subject = Long.toString(receiverIdentity);
        Thread follower =
                Thread.ofPlatform().daemon().name("bench-policy-topic").start(() -> followPolicyTopic(subject));

        String policyUrl = component("policy").url() + "/v1/policies";
        String deny = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: %s, namespace: %s}
                spec: {podSelector: {matchLabels: {app: receiver}}, policyTypes: [Ingress]}
                """.formatted(DENY, NAMESPACE);
        awaitRun(System.nanoTime(), true);
        System.out.printf(
                "bench: %s -> %s:%d-%d/UDP every %d us, %d changes after %d warm-up ones%n",
                senderNetns.getFileName(),
                receiverIp,
                FIRST_PORT,
                FIRST_PORT + PORTS - 1,
                TimeUnit.NANOSECONDS.toMicros(intervalNanos),
                changes,
                warmup);

        List<Long> toDrop = new ArrayList<>();
        List<Long> toPublish = new ArrayList<>();
        List<Long> publishToDrop = new ArrayList<>();
        List<Long> restCall = new ArrayList<>();
        List<Long> toPass = new ArrayList<>();
        for (int i = 0; i < warmup + changes; i++) {
            published.clear();
            long startWall = System.currentTimeMillis();
            long start = System.nanoTime();
            http("PUT", policyUrl, deny);
            long answeredAt = System.nanoTime();
            long dropped = awaitRun(start, false);
            long publishedAt = awaitPublished(startWall);

            long revert = System.nanoTime();
            http("DELETE", policyUrl + "/NetworkPolicy/" + NAMESPACE + "/" + DENY, null);
            long passing = awaitRun(revert, true);
            if (i >= warmup) {
                long dropMillis = TimeUnit.NANOSECONDS.toMillis(dropped - start);
                toDrop.add(dropMillis);
                restCall.add(TimeUnit.NANOSECONDS.toMillis(answeredAt - start));
                toPublish.add(publishedAt - startWall);
                publishToDrop.add(dropMillis - (publishedAt - startWall));
                toPass.add(TimeUnit.NANOSECONDS.toMillis(passing - revert));
            }
            forgetBefore(passing);
        }
        stopping = true;
        sender.join();
        follower.join();

        System.out.printf("%nkernel datapath: policy change -> first packet dropped, %d changes (ms)%n", changes);
        System.out.printf("%-52s %6s %6s %6s %6s %6s%n", "", "p50", "p90", "p99", "max", "min");
        row("PUT deny -> first datagram dropped by the kernel", toDrop);
        row("  of which: the PUT's response", restCall);
        row("  PUT -> receiver's policy map on tendril.policy", toPublish);
        row("  tendril.policy record -> first drop", publishToDrop);
        row("DELETE deny -> first datagram answered again", toPass);
    }

    /** The receiver's container ports, one YAML list item per line. */
    private static String ports() {
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < PORTS; i++) {
            yaml.append("        - {name: echo-%d, containerPort: %d, protocol: UDP}%n".formatted(i, FIRST_PORT + i));
        }
        return yaml.toString();
    }

    /**
     * The sender pod's traffic: a new socket per datagram, its echo read by the same thread's selector. Each datagram
     * is a new 5-tuple (a source port bound in turn, then the next receiver port): an ephemeral port the kernel
     * handed out again would meet its earlier connection-tracking entry and pass as established.
     */
    private void send(Path netns, String target) {
        NetnsThread.enter(netns);
        Map<DatagramChannel, Long> open = new java.util.HashMap<>();
        ByteBuffer in = ByteBuffer.allocate(64);
        try (Selector selector = Selector.open()) {
            long seq = 0;
            long next = System.nanoTime();
            while (!stopping) {
                long now = System.nanoTime();
                if (now >= next) {
                    DatagramChannel channel = DatagramChannel.open();
                    channel.configureBlocking(false);
                    channel.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
                    channel.bind(new InetSocketAddress(FIRST_SOURCE_PORT + (int) (seq % SOURCE_PORTS)));
                    channel.connect(new InetSocketAddress(target, FIRST_PORT + (int) ((seq / SOURCE_PORTS) % PORTS)));
                    ByteBuffer out = ByteBuffer.allocate(Long.BYTES).putLong(0, seq);
                    sent.put(seq, System.nanoTime());
                    channel.write(out);
                    channel.register(selector, SelectionKey.OP_READ, seq);
                    open.put(channel, seq);
                    seq++;
                    next += intervalNanos;
                    if (next < now - intervalNanos * 100) {
                        next = now; // far behind (a pause of this JVM): no burst to catch up
                    }
                }
                selector.selectNow();
                for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    DatagramChannel channel = (DatagramChannel) key.channel();
                    in.clear();
                    try {
                        if (channel.read(in) >= Long.BYTES) {
                            answered.put(in.getLong(0), true);
                        }
                    } catch (IOException e) {
                        // Port unreachable and the like: the datagram arrived, so it was not dropped by policy.
                        answered.put((Long) key.attachment(), true);
                    }
                    open.remove(channel);
                    channel.close();
                }
                long expired = System.nanoTime() - lostAfterNanos;
                for (Iterator<Map.Entry<DatagramChannel, Long>> it =
                                open.entrySet().iterator();
                        it.hasNext(); ) {
                    Map.Entry<DatagramChannel, Long> e = it.next();
                    Long at = sent.get(e.getValue());
                    if (at != null && at < expired) {
                        answered.putIfAbsent(e.getValue(), false);
                        e.getKey().close();
                        it.remove();
                    }
                }
                LockSupport.parkNanos(Math.max(0, Math.min(intervalNanos / 4, next - System.nanoTime())));
            }
            for (DatagramChannel c : open.keySet()) {
                c.close();
            }
        } catch (IOException e) {
            throw new IllegalStateException("the sender pod's socket: " + e.getMessage(), e);
        }
    }

    /**
     * The send time of the first datagram sent at or after {@code since} that begins a run of {@link #run}
     * consecutive ones with the outcome {@code passing} (answered, or dropped when false).
     */
    private long awaitRun(long since, boolean passing) throws InterruptedException {
        long deadline = System.nanoTime() + GUARD.toNanos();
        while (System.nanoTime() < deadline) {
            Long first = null;
            int length = 0;
            for (Map.Entry<Long, Long> e : sent.entrySet()) {
                if (e.getValue() < since) {
                    continue;
                }
                Boolean outcome = answered.get(e.getKey());
                if (outcome == null) {
                    break;
                }
                if (outcome == passing) {
                    if (length == 0) {
                        first = e.getValue();
                    }
                    if (++length == run) {
                        return first;
                    }
                } else {
                    length = 0;
                }
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException(
                "no run of " + run + (passing ? " answered" : " dropped") + " datagrams within " + GUARD);
    }

    private void forgetBefore(long nanos) {
        for (Iterator<Map.Entry<Long, Long>> it = sent.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Long> e = it.next();
            if (e.getValue() >= nanos - lostAfterNanos * 2) {
                return;
            }
            if (answered.remove(e.getKey()) != null) {
                it.remove();
            }
        }
    }

    /** The wall-clock timestamp of the first record of the receiver's identity on tendril.policy since {@code since}. */
    private long awaitPublished(long since) throws InterruptedException {
        while (true) {
            long[] record = published.poll(GUARD.toMillis(), TimeUnit.MILLISECONDS);
            if (record == null) {
                throw new IllegalStateException("the receiver's policy map was not published within " + GUARD);
            }
            if (record[0] >= since) {
                return record[0];
            }
        }
    }

    private void followPolicyTopic(String key) {
        // The broker takes only the stack's certificates; the benchmark reads as the broker itself.
        Map<String, Object> props = new java.util.HashMap<>(KafkaProcess.superUserClient(new DataDir(dataDir)));
        props.put(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                component("kafka").url().replace("kafka://", ""));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor("tendril.policy").stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            // From the beginning, not the end: the end is resolved at the first poll, which may come after a change.
            consumer.seekToBeginning(partitions);
            while (!stopping && !Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    if (key.equals(r.key())) {
                        published.add(new long[] {r.timestamp()});
                    }
                }
            }
        }
    }

    private static void row(String what, List<Long> millis) {
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        System.out.printf(
                Locale.ROOT,
                "%-52s %6d %6d %6d %6d %6d%n",
                what,
                percentile(sorted, 50),
                percentile(sorted, 90),
                percentile(sorted, 99),
                sorted.getLast(),
                sorted.getFirst());
    }

    /** Nearest-rank percentile. */
    private static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static void http(String method, String url, String yaml) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        request = yaml == null
                ? request.method(method, HttpRequest.BodyPublishers.noBody())
                : request.header("Content-Type", "application/yaml")
                        .method(method, HttpRequest.BodyPublishers.ofString(yaml));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(
                    method + " " + url + " -> " + response.statusCode() + ": " + response.body());
        }
    }

    private Component component(String name) {
        return StackFile.read(dataDir).orElseThrow().components().stream()
                .filter(c -> c.name().equals(name) || (name.equals("kafka") && c.kind() == Kind.KAFKA))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + name + " in stack.json"));
    }

    private String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dataDir.toString()));
        int code = cmd.execute(all.toArray(String[]::new));
        if (code != 0) {
            throw new IllegalStateException(
                    "tendril " + String.join(" ", args) + " -> exit " + code + ": " + out + err);
        }
        return out.toString();
    }
}
