package dev.tendril.deploy;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.security.StackCredentials;
import dev.tendril.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Load driver for docs/BENCHMARKS.md, "ClusterMesh: MirrorMaker 2 bootstrap"; not a test. Starts a real stack
 * ({@code east}, id 1, {@code nodes} agents on the model datapath) with the launcher, and in this JVM a peer {@code west} (id 2) that is only what a
 * peer's MirrorMaker 2 reads: a secured Kafka with its own authority, a stack.json naming it, and {@code endpoints}
 * endpoints and {@code identities} identities produced straight into its {@code tendril.endpoints} and
 * {@code tendril.identities} (a real west's identity service would undo foreign records at its next audit). Then
 * {@code tendril clustermesh connect --to WEST} on east, and the time until east's {@code west.tendril.endpoints} and
 * {@code west.tendril.identities} hold every record; then {@code changes} single endpoint changes, one every
 * {@code intervalMillis}, and per change the time from its produce (the record's timestamp, kept by MirrorMaker 2)
 * to its arrival in east's remote topic and in every east agent's ipcache (the agent's {@code lastRecord} for the peer,
 * set once the record is written to its ipcache, reaching the record's timestamp). Then the partition drill: east's
 * MirrorMaker 2 is frozen (SIGSTOP) for {@code partitionSeconds} while west changes {@code partitionChanges} endpoints
 * (identity changes, deletions, new pods), then resumed (SIGCONT): the records and bytes it copies afterwards (a full
 * resync would copy every record again), the time until every agent applied the last change, and each agent's
 * ipcache compared entry by entry with west's final endpoints (nothing lost, nothing stale).
 *
 * <pre>
 * ./mvnw -B -o -q -pl deploy -am test-compile -Pbench-mesh-bootstrap [-Dendpoints=150000 -Didentities=10000 -Dchanges=200
 *     -Dnodes=2 -DpartitionChanges=1000 -DpartitionSeconds=60]
 * </pre>
 */
final class MeshBootstrapBenchmark {

    private static final Duration GUARD = Duration.ofMinutes(5);
    private static final int PORT_OFFSET = 4600;

    private final int endpoints = Integer.getInteger("endpoints", 150_000);
    private final int identities = Integer.getInteger("identities", 10_000);
    private final int changes = Integer.getInteger("changes", 200);
    private final int intervalMillis = Integer.getInteger("intervalMillis", 100);
    private final int nodes = Integer.getInteger("nodes", 2);
    private final int partitionChanges = Integer.getInteger("partitionChanges", 1000);
    private final int partitionSeconds = Integer.getInteger("partitionSeconds", 60);
    /** West's live endpoints as the driver produced them: key to value, for the ipcache comparison. */
    private final Map<String, Endpoint> westEndpoints = new java.util.TreeMap<>();

    private final Path repo =
            Path.of(System.getProperty("tendril.repo", "..")).toAbsolutePath().normalize();

    public static void main(String[] args) throws Exception {
        new MeshBootstrapBenchmark().run();
        System.exit(0);
    }

    private void run() throws Exception {
        Path target = Files.createDirectories(repo.resolve("deploy/target"));
        Path eastDir = Files.createTempDirectory(target, "bench-mesh-east-");
        Path westDir = Files.createTempDirectory(target, "bench-mesh-west-");
        MeshTestStack east = null;
        try (KafkaBroker west = startPeer(westDir)) {
            long produced = produce(west);
            // Maps pinned by an earlier run's agents on the same ports would be reopened with its entries in them.
            for (int node = 1; node <= nodes; node++) {
                Path pins = BpfFilesystem.agentPins(8090 + node + PORT_OFFSET);
                if (Files.isDirectory(pins)) {
                    try (Stream<Path> tree = Files.walk(pins)) {
                        tree.sorted(java.util.Comparator.reverseOrder())
                                .forEach(p -> p.toFile().delete());
                    }
                }
            }
            east = MeshTestStack.start(repo, eastDir, PORT_OFFSET, nodes, "east", 1, "10.1.0.0/16", "fd00:1::/104");
            east.awaitReady(GUARD);
            System.out.printf(
                    "peer west: %,d endpoints and %,d identities, %,d bytes of keys and values%n",
                    endpoints, identities, produced);

            long start = System.nanoTime();
            east.cli.ok("clustermesh", "connect", "--to", westDir.toString());
            double connected = (System.nanoTime() - start) / 1e9;
            awaitCount(east, "west.tendril.identities", identities);
            double identitiesDone = (System.nanoTime() - start) / 1e9;
            awaitCount(east, "west.tendril.endpoints", endpoints);
            double endpointsDone = (System.nanoTime() - start) / 1e9;
            MeshAgents agents = new MeshAgents(east.dataDir);
            agents.awaitPeer("west", endpoints, identities, GUARD);
            double agentsDone = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "bootstrap: connect returned after %.1f s; all identities after %.1f s, all endpoints after %.1f s "
                            + "in east's remote topics; in every agent's ipcache (%d agents) after %.1f s (from the start"
                            + " of 'clustermesh connect')%n",
                    connected, identitiesDone, endpointsDone, agents.count(), agentsDone);
            System.out.printf(
                    "remote topics on east's disk: %,d bytes (west's: %,d bytes)%n",
                    logBytes(eastDir.resolve("kafka"), "west.tendril."),
                    logBytes(westDir.resolve("kafka"), "tendril."));
            steadyState(west, east, agents);
            partition(west, east, agents);
        } finally {
            if (east != null) {
                east.stop(Boolean.getBoolean("keep"));
            }
            try (Stream<Path> tree = Files.walk(westDir)) {
                tree.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A secured broker with its own authority, and a stack.json that makes westDir look like a running stack. */
    private static KafkaBroker startPeer(Path westDir) {
        StackCredentials pki = StackCredentials.in(westDir.resolve(DataDir.PKI));
        pki.ensureAuthority(Instant.now());
        KafkaBroker broker =
                KafkaBroker.startSecured(westDir.resolve("kafka"), 0, KafkaProcess.security(pki, Instant.now()));
        new StackFile(
                        ProcessHandle.current().pid(),
                        westDir.toString(),
                        Instant.now().toString(),
                        true,
                        List.of(new Component(
                                "kafka", Kind.KAFKA, broker.port(), broker.bootstrapServers(), null, null)),
                        new StackFile.Cluster("west", 2, List.of("10.64.0.0/10", "fd00:2::/104")))
                .write(westDir);
        return broker;
    }

    private long produce(KafkaBroker west) throws Exception {
        try (Admin admin = Admin.create(west.adminClientProperties())) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : MeshAcls.REPLICATED_TOPICS) {
                topics.add(new NewTopic(topic, 1, (short) 1)
                        .configs(Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0")));
            }
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = producer(west)) {
            for (int i = 0; i < identities; i++) {
                int id = (2 << 16) + 256 + i;
                byte[] value = Identity.newBuilder()
                        .setId(id)
                        .addLabels(label("k8s", "app", "app-" + i))
                        .addLabels(label("k8s", "io.cilium.k8s.policy.cluster", "west"))
                        .addLabels(label("k8s", "io.kubernetes.pod.namespace", "bench"))
                        .build()
                        .toByteArray();
                bytes += send(producer, KafkaAcls.IDENTITIES, Integer.toString(id), value);
            }
            for (int i = 0; i < endpoints; i++) {
                bytes += send(producer, KafkaAcls.ENDPOINTS, "bench/pod-" + i, endpoint(i, 0, i % identities));
            }
            producer.flush();
        }
        return bytes;
    }

    /** Pod {@code i} of west (an address of its own in 10.64.0.0/10), recorded as west's live endpoint. */
    private byte[] endpoint(int i, int generation, int identityIndex) {
        Endpoint ep = Endpoint.newBuilder()
                .setNamespace("bench")
                .setPod("pod-" + i)
                .setUid("uid-" + i + "-" + generation)
                .setNode("node-" + (1 + i % 100))
                .setIpv4("10." + (64 + (i >> 16)) + "." + (i >> 8 & 0xff) + "." + (i & 0xff))
                .setIpv6("fd00:2::" + Integer.toHexString(i >> 16) + ":" + Integer.toHexString(i & 0xffff))
                .setIdentity((2 << 16) + 256 + identityIndex)
                .putLabels("app", "app-" + identityIndex)
                .setServiceAccount("default")
                .build();
        westEndpoints.put("bench/pod-" + i, ep);
        return ep.toByteArray();
    }

    /** One endpoint change at a time; per change the produce-to-arrival time in east's remote topic. */
    private void steadyState(KafkaBroker west, MeshTestStack east, MeshAgents agents) throws Exception {
        Map<String, Object> client = MeshClients.consumer(MeshClients.superUser(east.dataDir, east.kafka()));
        List<Long> latencies = new ArrayList<>();
        List<Long> toAgents = new ArrayList<>();
        TopicPartition remote = new TopicPartition("west.tendril.endpoints", 0);
        try (KafkaProducer<byte[], byte[]> producer = producer(west);
                KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(client)) {
            consumer.assign(List.of(remote));
            consumer.seekToEnd(List.of(remote));
            consumer.position(remote);
            for (int c = 0; c < changes; c++) {
                String key = "bench/pod-" + c;
                send(producer, KafkaAcls.ENDPOINTS, key, endpoint(c, c + 1, c % identities));
                producer.flush();
                long deadline = System.nanoTime() + GUARD.toNanos();
                boolean seen = false;
                while (!seen) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("change " + c + " did not arrive within " + GUARD);
                    }
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(5))) {
                        if (new String(record.key(), StandardCharsets.UTF_8).equals(key)) {
                            latencies.add(System.currentTimeMillis() - record.timestamp());
                            agents.awaitApplied("west", record.timestamp(), GUARD);
                            toAgents.add(System.currentTimeMillis() - record.timestamp());
                            seen = true;
                        }
                    }
                }
                Thread.sleep(intervalMillis);
            }
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                "steady state: %d changes, one every %d ms: produce to east's remote topic p50 %d ms, p99 %d ms, "
                        + "max %d ms%n",
                sorted.length,
                intervalMillis,
                percentile(sorted, 50),
                percentile(sorted, 99),
                sorted[sorted.length - 1]);
        long[] applied = toAgents.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                "steady state: produce to every agent's ipcache (%d agents) p50 %d ms, p99 %d ms, max %d ms%n",
                agents.count(), percentile(applied, 50), percentile(applied, 99), applied[applied.length - 1]);
    }

    /**
     * East's MirrorMaker 2 frozen while west changes {@code partitionChanges} endpoints over {@code partitionSeconds}:
     * a quarter get a new identity, a quarter another, a quarter are deleted, a quarter are new pods.
     */
    private void partition(KafkaBroker west, MeshTestStack east, MeshAgents agents) throws Exception {
        long mirror = StackFile.read(east.dataDir).orElseThrow().components().stream()
                .filter(c -> c.name().equals("mirror-west"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no mirror-west in east's stack.json"))
                .pid();
        String remoteTopic = "west.tendril.endpoints";
        long offsetBefore = endOffset(east, remoteTopic);
        long diskBefore = logBytes(east.dataDir.resolve("kafka"), "west.tendril.");
        signal("STOP", mirror);
        long bytes = 0;
        long lastTimestamp = 0;
        long pausedAt = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = producer(west)) {
            for (int k = 0; k < partitionChanges; k++) {
                int i = endpoints / 2 + k;
                String key = "bench/pod-" + i;
                byte[] value = switch (k % 4) {
                    case 0, 1 -> endpoint(i, 1000 + k, (i + 1 + k % 4) % identities);
                    case 2 -> null;
                    default -> endpoint(endpoints + k, 0, k % identities);
                };
                // Before the send, which stamps the record: the last record's timestamp is not earlier than this.
                lastTimestamp = System.currentTimeMillis();
                if (value == null) {
                    westEndpoints.remove(key);
                    producer.send(
                            new ProducerRecord<>(KafkaAcls.ENDPOINTS, key.getBytes(StandardCharsets.UTF_8), null));
                    bytes += key.length();
                } else {
                    String written = k % 4 == 3 ? "bench/pod-" + (endpoints + k) : key;
                    bytes += send(producer, KafkaAcls.ENDPOINTS, written, value);
                }
                long due = pausedAt + (long) ((k + 1) * (partitionSeconds * 1e9 / partitionChanges));
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            producer.flush();
        }
        // The partition lasts partitionSeconds whatever the producing took.
        long left = pausedAt + partitionSeconds * 1_000_000_000L - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
        long resumed = System.nanoTime();
        signal("CONT", mirror);
        awaitCount(east, remoteTopic, offsetBefore + partitionChanges);
        double copied = (System.nanoTime() - resumed) / 1e9;
        agents.awaitApplied("west", lastTimestamp, GUARD);
        double applied = (System.nanoTime() - resumed) / 1e9;
        long records = endOffset(east, remoteTopic) - offsetBefore;
        System.out.printf(
                "partition: MirrorMaker 2 stopped %d s while west made %,d endpoint changes (%,d bytes of keys and"
                        + " values); after resuming it copied %,d records (a full resync: %,d) and east's remote topics"
                        + " grew by %,d bytes on disk; all in east's topic after %.1f s, in every agent's ipcache after"
                        + " %.1f s%n",
                partitionSeconds,
                partitionChanges,
                bytes,
                records,
                offsetBefore + partitionChanges,
                logBytes(east.dataDir.resolve("kafka"), "west.tendril.") - diskBefore,
                copied,
                applied);
        Map<String, Long> expected = new java.util.TreeMap<>();
        for (Endpoint ep : westEndpoints.values()) {
            // As the agent prints addresses (RFC 5952: fd00:2::0 is fd00:2::).
            expected.put(
                    java.net.InetAddress.getByName(ep.getIpv4()).getHostAddress() + "/32", (long) ep.getIdentity());
            expected.put(rfc5952(ep.getIpv6()) + "/128", (long) ep.getIdentity());
        }
        for (String agent : agents.names()) {
            Map<String, Long> held = agents.remoteIpcache(agent, "west");
            long lost =
                    expected.keySet().stream().filter(k -> !held.containsKey(k)).count();
            long stale = held.entrySet().stream()
                    .filter(e -> !e.getValue().equals(expected.get(e.getKey())))
                    .count();
            System.out.printf(
                    "partition: %s's ipcache holds %,d of west's entries, %,d expected: %d lost, %d stale or wrong%n",
                    agent, held.size(), expected.size(), lost, stale);
            if (lost > 0 || stale > 0) {
                expected.keySet().stream()
                        .filter(k -> !held.containsKey(k))
                        .limit(5)
                        .forEach(k -> System.out.println("  lost: " + k + " -> " + expected.get(k)));
                held.entrySet().stream()
                        .filter(e -> !e.getValue().equals(expected.get(e.getKey())))
                        .limit(5)
                        .forEach(e -> System.out.println("  held: " + e.getKey() + " -> " + e.getValue() + ", expected "
                                + expected.get(e.getKey())));
                throw new IllegalStateException(agent + "'s ipcache differs from west's endpoints");
            }
        }
    }

    private static String rfc5952(String ip) throws java.net.UnknownHostException {
        return dev.tendril.net.IpAddress.parse(ip).toString();
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .inheritIO()
                .start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
        }
    }

    private static long endOffset(MeshTestStack east, String topic) {
        Map<String, Object> client = MeshClients.consumer(MeshClients.superUser(east.dataDir, east.kafka()));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(client)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            return consumer.endOffsets(List.of(partition), Duration.ofSeconds(10))
                    .get(partition);
        }
    }

    private static long percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static void awaitCount(MeshTestStack east, String topic, long expected) throws InterruptedException {
        Map<String, Object> client = MeshClients.consumer(MeshClients.superUser(east.dataDir, east.kafka()));
        long deadline = System.nanoTime() + GUARD.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(client)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            while (true) {
                if (consumer.listTopics(Duration.ofSeconds(5)).containsKey(topic)
                        && consumer.endOffsets(List.of(partition), Duration.ofSeconds(5))
                                        .get(partition)
                                >= expected) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(topic + " did not reach " + expected + " records within " + GUARD);
                }
                Thread.sleep(20);
            }
        }
    }

    private static long logBytes(Path kafkaDir, String prefix) throws Exception {
        try (Stream<Path> files = Files.walk(kafkaDir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getParent().getFileName().toString().startsWith(prefix))
                    .filter(f -> f.getFileName().toString().endsWith(".log"))
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaBroker broker) {
        Map<String, Object> properties = new HashMap<>(broker.adminClientProperties());
        properties.put("key.serializer", ByteArraySerializer.class.getName());
        properties.put("value.serializer", ByteArraySerializer.class.getName());
        properties.put("linger.ms", "5");
        properties.put("batch.size", "262144");
        return new KafkaProducer<>(properties);
    }

    private static long send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, keyBytes, value));
        return keyBytes.length + value.length;
    }

    private static Label label(String source, String key, String value) {
        return Label.newBuilder().setSource(source).setKey(key).setValue(value).build();
    }
}
