package dev.tendril.agent.bench;

import com.google.protobuf.ByteString;
import dev.tendril.agent.adapters.NodeStateConsumer;
import dev.tendril.agent.sim.SimulatedAgent;
import dev.tendril.agent.sim.SimulatedCluster;
import dev.tendril.agent.sim.StateTopics;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.maps.BpfMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import dev.tendril.security.Credential;
import dev.tendril.testing.BrokerSecurity;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.tls.TestPki;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Load driver for docs/BENCHMARKS.md (not a test; {@code verify} never runs it): agents of
 * {@code dev.tendril.agent.sim} (the production state consumer and reconciler, in-memory maps) against
 * the in-process KRaft broker of libs/testing, started in a temporary directory.
 *
 * <ul>
 *   <li>{@code cold}: the topics first get {@code identities} identities (each with a policy record of
 *       {@code policyEntries} entries), {@code nodes} nodes and {@code endpoints} endpoints spread over the
 *       nodes, as the services publish them; then {@code rounds} agents start one after another (a new
 *       node each, the previous one stopped) and each is timed from start to bootstrap complete with
 *       every map reconciled, with the consumer's phases.</li>
 *   <li>{@code latency}: {@code agents} agents bootstrap (topics holding their nodes, {@code identities}
 *       identities with policy and {@code baseEndpoints} endpoints); then endpoints are produced at
 *       {@code rate} per second for {@code durationSeconds}, each on one of the agents' nodes, and every
 *       agent reports when the endpoint's address is written into its ipcache. Latency = that write
 *       minus the moment the record was handed to the producer.</li>
 *   <li>{@code security} (not part of {@code both}): the {@code latency} scenario {@code securityRounds} times
 *       on each of two brokers, alternating: the plaintext one, and one that requires mutual TLS and authorizes
 *       by ACL (every agent with its own node certificate, allowed to read the four topics; the producer with the
 *       identity service's, allowed to write them), as issue 16's stack runs.</li>
 * </ul>
 *
 * System properties (defaults): {@code scenario} (both: cold, latency; or security),
 * {@code securityRounds} (2), {@code partitions} (3),
 * {@code endpoints} (150000), {@code identities} (10000), {@code nodes} (1000), {@code policyEntries} (8),
 * {@code rounds} (3), {@code agents} (100), {@code rate} (50), {@code durationSeconds} (60),
 * {@code warmupSeconds} (10, excluded from the second set of latency figures), {@code baseEndpoints} (0),
 * {@code latencyIdentities} (100).
 */
public final class AgentScaleBenchmark {

    private static final int FIRST_IDENTITY = 256;
    // Strong references: a collected logger would lose its level.
    private static final List<java.util.logging.Logger> QUIETED = new java.util.ArrayList<>();

    public static void main(String[] args) throws Exception {
        String scenario = System.getProperty("scenario", "both");
        int partitions = Integer.getInteger("partitions", 3);
        System.out.printf(
                "agent scale benchmark: scenario %s, %d partitions per topic, consumer overrides %s, Java %s, %d CPUs, %s%n",
                scenario,
                partitions,
                consumerOverrides(),
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                loadAverage());
        quietKafkaLogs();
        Path dataDir = Files.createTempDirectory("tendril-bench-kafka-");
        if (scenario.equals("security")) {
            try {
                securityComparison(dataDir, partitions);
            } finally {
                deleteRecursively(dataDir);
            }
            return;
        }
        try (KafkaBroker kafka = KafkaBroker.start(dataDir, 0)) {
            if (scenario.equals("both") || scenario.equals("cold")) {
                coldStart(kafka.bootstrapServers(), partitions);
            }
            if (scenario.equals("both") || scenario.equals("latency")) {
                latency(Transport.plaintext(kafka.bootstrapServers()), partitions);
            }
        } finally {
            deleteRecursively(dataDir);
        }
    }

    /**
     * Under exec:java, Kafka's slf4j calls go to the JBoss LogManager's own context (not the JDK's
     * java.util.logging, where libs/testing sets its levels), whose root accepts every level: the broker
     * would format each TRACE request dump only to drop it, a large share of two cores.
     */
    private static void quietKafkaLogs() {
        for (String name : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
            java.util.logging.Logger logger =
                    org.jboss.logmanager.LogContext.getSystemLogContext().getLogger(name);
            logger.setLevel(java.util.logging.Level.WARNING);
            QUIETED.add(logger);
        }
        if (org.slf4j.LoggerFactory.getLogger("kafka.network.RequestChannel$").isTraceEnabled()) {
            System.out.println(
                    "warning: Kafka TRACE logging is still enabled; the broker's figures include formatting it");
        }
    }

    private static void coldStart(String servers, int partitions) throws Exception {
        int endpoints = Integer.getInteger("endpoints", 150_000);
        int identities = Integer.getInteger("identities", 10_000);
        int nodes = Integer.getInteger("nodes", 1_000);
        int policyEntries = Integer.getInteger("policyEntries", 8);
        int rounds = Integer.getInteger("rounds", 3);
        StateTopics topics = StateTopics.prefixed(
                "bench-cold-" + UUID.randomUUID().toString().substring(0, 8));
        SimulatedCluster.createTopics(servers, topics, partitions);

        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = producer(servers, true)) {
            for (int i = 0; i < identities; i++) {
                long id = FIRST_IDENTITY + i;
                producer.send(new ProducerRecord<>(
                        topics.identities(), Long.toString(id), identity(id).toByteArray()));
                producer.send(new ProducerRecord<>(
                        topics.policy(),
                        Long.toString(id),
                        policy(id, identities, policyEntries).toByteArray()));
            }
            for (int n = 1; n <= nodes; n++) {
                producer.send(new ProducerRecord<>(
                        topics.nodes(), "node-" + n, node("node-" + n, n).toByteArray()));
            }
            for (int i = 0; i < endpoints; i++) {
                Endpoint e = endpoint(i, "node-" + (1 + i % nodes), FIRST_IDENTITY + i % identities);
                producer.send(
                        new ProducerRecord<>(topics.endpoints(), e.getNamespace() + "/" + e.getPod(), e.toByteArray()));
            }
            producer.flush();
        }
        int records = 2 * identities + nodes + endpoints;
        System.out.printf(
                "%ncold start: produced %,d records (%,d identities, %,d policy records of %d entries, %,d nodes, %,d endpoints) in %d ms%n",
                records, identities, identities, policyEntries, nodes, endpoints, millis(System.nanoTime() - t0));

        Path stateDir = Files.createTempDirectory("tendril-bench-cold-");
        try {
            for (int round = 1; round <= rounds; round++) {
                // A node of the cluster: its own endpoints get endpoint ids and filled policy maps.
                String node = "node-" + round;
                long start = System.nanoTime();
                long cpuStart = processCpuNanos();
                try (SimulatedAgent agent = SimulatedAgent.start(
                        node, servers, topics, stateDir, SimulatedAgent.IpcacheListener.NONE, consumerOverrides())) {
                    while (!agent.bootstrapped()) {
                        Thread.sleep(1);
                    }
                    long ready = System.nanoTime();
                    double cores = (processCpuNanos() - cpuStart) / (double) (ready - start);
                    NodeStateConsumer.Bootstrap b =
                            agent.consumer().lastBootstrap().orElseThrow();
                    System.out.printf(
                            "round %d (%s): start -> maps reconciled %,d ms (consume %,d ms incl. consumer creation, image %,d ms, reconcile %,d ms); %,d records; ipcache %,d entries, %d local endpoints with policy maps; this JVM used %.2f cores meanwhile; %s%n",
                            round,
                            node,
                            millis(ready - start),
                            b.consume().toMillis(),
                            b.apply().toMillis(),
                            b.reconcile().toMillis(),
                            b.records(),
                            agent.ipcache().size(),
                            agent.maps().localEndpoints().size(),
                            cores,
                            loadAverage());
                }
            }
        } finally {
            deleteRecursively(stateDir);
        }
    }

    /** {@code -Dconsumer.<kafka consumer property>=<value>}: over the agent's consumer settings. */
    private static Map<String, String> consumerOverrides() {
        Map<String, String> out = new TreeMap<>();
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("consumer."))
                .forEach(k -> out.put(k.substring("consumer.".length()), System.getProperty(k)));
        return out;
    }

    /** One produced endpoint waiting to appear in every agent's ipcache. */
    private record Pending(long sentNanos, Set<String> seenBy) {}

    /**
     * How the benchmark's clients reach a broker: its address, the admin's and producer's extra properties, and
     * each agent's consumer overrides by node name; {@code nodePrincipals} is null where the broker has no ACLs.
     */
    private record Transport(
            String name,
            String servers,
            Map<String, Object> admin,
            Map<String, Object> producer,
            Function<String, Map<String, String>> agent,
            String producerPrincipal,
            Function<String, String> nodePrincipal) {

        static Transport plaintext(String servers) {
            return new Transport(PLAINTEXT, servers, Map.of(), Map.of(), node -> consumerOverrides(), null, null);
        }
    }

    /**
     * Plaintext vs mutual TLS with ACLs, {@code securityRounds} times each, alternating (A, B, A, B). Each round
     * has a broker of its own, started for it and stopped after, so the arms never share the machine with an idle
     * broker of the other kind (with both kept running, a plaintext producer's flush once waited forever).
     */
    private static void securityComparison(Path dataDir, int partitions) throws Exception {
        int rounds = Integer.getInteger("securityRounds", 2);
        int agents = Integer.getInteger("agents", 100);
        TestPki pki = TestPki.create("identity");
        Instant now = Instant.now();
        pki.stack().ensureService("kafka", TestPki.HOST_NAMES, now);
        for (int n = 1; n <= agents; n++) {
            pki.stack().ensureNode(SimulatedCluster.nodeName("sim", n), List.of(), now);
        }
        Credential broker = pki.service("kafka");
        BrokerSecurity security = new BrokerSecurity(
                pki.authority(), broker.certificate(), broker.privateKey(), List.of("User:service:kafka"));
        Map<String, List<long[]>> samples = new TreeMap<>();
        for (int r = 1; r <= rounds; r++) {
            for (boolean on : List.of(false, true)) {
                Path dir = dataDir.resolve((on ? "secured-" : "plaintext-") + r);
                try (KafkaBroker kafka = on ? KafkaBroker.startSecured(dir, 0, security) : KafkaBroker.start(dir, 0)) {
                    Transport transport =
                            on ? secured(kafka, security, pki) : Transport.plaintext(kafka.bootstrapServers());
                    System.out.printf("%n=== security round %d, %s broker ===", r, transport.name());
                    samples.computeIfAbsent(transport.name(), k -> new ArrayList<>())
                            .add(latency(transport, partitions));
                }
            }
        }
        System.out.printf("%nsecurity comparison, %d rounds per broker, samples after warm-up:%n", rounds);
        Map<String, long[]> merged = new HashMap<>();
        for (String name : List.of(PLAINTEXT, SECURED)) {
            long[] all = samples.get(name).stream()
                    .flatMapToLong(Arrays::stream)
                    .sorted()
                    .toArray();
            merged.put(name, all);
            System.out.printf(
                    "  %-12s %,d samples, p50 %.1f ms, p99 %.1f ms, max %.1f ms; rounds' p99 %s%n",
                    name,
                    all.length,
                    ms(pct(all, 0.50)),
                    ms(pct(all, 0.99)),
                    ms(all[all.length - 1]),
                    samples.get(name).stream()
                            .map(run -> String.format("%.1f", ms(pct(run, 0.99))))
                            .toList());
        }
        long[] a = merged.get(PLAINTEXT);
        long[] b = merged.get(SECURED);
        System.out.printf(
                "  on/off: p50 %.2f, p99 %.2f; %s%n",
                (double) pct(b, 0.50) / pct(a, 0.50), (double) pct(b, 0.99) / pct(a, 0.99), loadAverage());
    }

    private static final String PLAINTEXT = "plaintext";
    private static final String SECURED = "mTLS + ACLs";

    /** Agents with their own node certificates, the producer with the identity service's, the admin the broker itself. */
    private static Transport secured(KafkaBroker kafka, BrokerSecurity security, TestPki pki) {
        Credential producer = pki.service("identity");
        return new Transport(
                SECURED,
                kafka.bootstrapServers(),
                security.superUserClientProperties(),
                BrokerSecurity.clientProperties(pki.authority(), producer.certificate(), producer.privateKey()),
                node -> {
                    Credential c = pki.node(node);
                    Map<String, String> overrides = new TreeMap<>(consumerOverrides());
                    BrokerSecurity.clientProperties(pki.authority(), c.certificate(), c.privateKey())
                            .forEach((k, v) -> overrides.put(k, v.toString()));
                    return overrides;
                },
                "User:service:identity",
                node -> "User:node:" + node);
    }

    /** The four topics as SimulatedCluster.createTopics makes them, and on a broker with ACLs the clients' grants. */
    private static void prepareTopics(Transport transport, StateTopics topics, int partitions, int agents)
            throws Exception {
        Map<String, Object> properties = new HashMap<>(transport.admin());
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, transport.servers());
        try (Admin admin = Admin.create(properties)) {
            admin.createTopics(topics.all().stream()
                            .map(t -> new NewTopic(t, partitions, (short) -1)
                                    .configs(Map.of(
                                            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                                            TopicConfig.DELETE_RETENTION_MS_CONFIG, "86400000",
                                            TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0")))
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
            if (transport.nodePrincipal() == null) {
                return;
            }
            List<AclBinding> acls = new ArrayList<>();
            for (String topic : topics.all()) {
                for (AclOperation op : List.of(AclOperation.WRITE, AclOperation.DESCRIBE)) {
                    acls.add(allow(transport.producerPrincipal(), topic, op));
                }
                for (int n = 1; n <= agents; n++) {
                    String principal = transport.nodePrincipal().apply(SimulatedCluster.nodeName("sim", n));
                    for (AclOperation op : List.of(AclOperation.READ, AclOperation.DESCRIBE)) {
                        acls.add(allow(principal, topic, op));
                    }
                }
            }
            admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
            System.out.printf("%n%d ACLs created on the secured broker", acls.size());
        }
    }

    private static AclBinding allow(String principal, String topic, AclOperation operation) {
        return new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    /** The agents of SimulatedCluster.start, each with its own consumer overrides (its own certificate). */
    private record Agents(List<SimulatedAgent> all) implements AutoCloseable {

        static Agents start(
                Transport transport,
                int size,
                String prefix,
                StateTopics topics,
                SimulatedAgent.IpcacheListener listener)
                throws IOException {
            Path stateDir = Files.createTempDirectory("tendril-sim-agents-");
            List<SimulatedAgent> agents = new ArrayList<>(size);
            for (int i = 1; i <= size; i++) {
                String node = SimulatedCluster.nodeName(prefix, i);
                agents.add(SimulatedAgent.start(
                        node,
                        transport.servers(),
                        topics,
                        stateDir,
                        listener,
                        transport.agent().apply(node)));
            }
            return new Agents(agents);
        }

        boolean allBootstrapped() {
            return all.stream().allMatch(SimulatedAgent::bootstrapped);
        }

        @Override
        public void close() {
            all.forEach(SimulatedAgent::close);
        }
    }

    /** Runs the latency scenario against {@code transport}'s broker; returns the latencies after the warm-up (ns). */
    private static long[] latency(Transport transport, int partitions) throws Exception {
        int agents = Integer.getInteger("agents", 100);
        int rate = Integer.getInteger("rate", 50);
        int seconds = Integer.getInteger("durationSeconds", 60);
        int warmup = Integer.getInteger("warmupSeconds", 10);
        int baseEndpoints = Integer.getInteger("baseEndpoints", 0);
        int identities = Integer.getInteger("latencyIdentities", 100);
        int policyEntries = Integer.getInteger("policyEntries", 8);
        StateTopics topics = StateTopics.prefixed(
                "bench-latency-" + UUID.randomUUID().toString().substring(0, 8));
        prepareTopics(transport, topics, partitions, agents);
        String prefix = "sim";

        try (KafkaProducer<String, byte[]> producer = producer(transport.servers(), transport.producer(), false)) {
            for (int i = 0; i < identities; i++) {
                long id = FIRST_IDENTITY + i;
                producer.send(new ProducerRecord<>(
                        topics.identities(), Long.toString(id), identity(id).toByteArray()));
                producer.send(new ProducerRecord<>(
                        topics.policy(),
                        Long.toString(id),
                        policy(id, identities, policyEntries).toByteArray()));
            }
            for (int n = 1; n <= agents; n++) {
                String name = SimulatedCluster.nodeName(prefix, n);
                producer.send(
                        new ProducerRecord<>(topics.nodes(), name, node(name, n).toByteArray()));
            }
            for (int i = 0; i < baseEndpoints; i++) {
                Endpoint e =
                        endpoint(i, SimulatedCluster.nodeName(prefix, 1 + i % agents), FIRST_IDENTITY + i % identities);
                producer.send(
                        new ProducerRecord<>(topics.endpoints(), e.getNamespace() + "/" + e.getPod(), e.toByteArray()));
            }
            producer.flush();

            int total = rate * seconds;
            AtomicLongArray latencies = new AtomicLongArray(total * agents);
            AtomicLongArray sentAt = new AtomicLongArray(total * agents);
            AtomicInteger samples = new AtomicInteger();
            ConcurrentHashMap<ByteBuffer, Pending> pending = new ConcurrentHashMap<>();
            SimulatedAgent.IpcacheListener listener = (agent, entries) -> {
                long now = System.nanoTime();
                for (BpfMap.Entry e : entries) {
                    Pending p = pending.get(ByteBuffer.wrap(e.key()));
                    if (p != null && p.seenBy().add(agent.nodeName())) {
                        int i = samples.getAndIncrement();
                        latencies.set(i, now - p.sentNanos());
                        sentAt.set(i, p.sentNanos());
                    }
                }
            };
            long t0 = System.nanoTime();
            try (Agents cluster = Agents.start(transport, agents, prefix, topics, listener)) {
                while (!cluster.allBootstrapped()) {
                    Thread.sleep(10);
                }
                System.out.printf(
                        "%nlatency: %d agents bootstrapped in %,d ms (%,d base endpoints, %d identities with policy, %d nodes); %s%n",
                        agents, millis(System.nanoTime() - t0), baseEndpoints, identities, agents, loadAverage());

                long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
                long[] cpuBefore = {processCpuNanos(), agentThreadsCpuNanos()};
                long begin = System.nanoTime();
                AtomicLong lateSends = new AtomicLong();
                for (int i = 0; i < total; i++) {
                    long due = begin + i * periodNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } else if (wait < -periodNanos) {
                        lateSends.incrementAndGet();
                    }
                    int n = baseEndpoints + i;
                    Endpoint e = endpoint(
                            n, SimulatedCluster.nodeName(prefix, 1 + n % agents), FIRST_IDENTITY + n % identities);
                    pending.put(
                            ByteBuffer.wrap(IpcacheKey.ofAddress(e.getIpv4()).encode()),
                            new Pending(System.nanoTime(), ConcurrentHashMap.newKeySet()));
                    producer.send(new ProducerRecord<>(
                            topics.endpoints(), e.getNamespace() + "/" + e.getPod(), e.toByteArray()));
                    if (i > 0 && i % (rate * 10) == 0) {
                        System.out.printf(
                                "  %d s: %,d produced, %,d of %,d agent entries seen; %s%n",
                                (System.nanoTime() - begin) / 1_000_000_000L,
                                i,
                                samples.get(),
                                (long) i * agents,
                                loadAverage());
                    }
                }
                long produced = System.nanoTime();
                long[] cpuAfter = {processCpuNanos(), agentThreadsCpuNanos()};
                long deadline = produced + TimeUnit.SECONDS.toNanos(30);
                while (samples.get() < total * agents && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                int n = samples.get();
                System.out.printf(
                        "latency: %,d endpoints produced over %,d ms (%d sends more than one period late); %,d of %,d (endpoint, agent) entries seen; %s%n",
                        total, millis(produced - begin), lateSends.get(), n, (long) total * agents, loadAverage());
                double wall = (produced - begin) / 1e9;
                System.out.printf(
                        "  CPU while producing: this JVM %.2f cores (broker, producer and agents; of 2), the agents' consumer threads %.2f cores = %.0f us per (record, agent)%n",
                        (cpuAfter[0] - cpuBefore[0]) / 1e9 / wall,
                        (cpuAfter[1] - cpuBefore[1]) / 1e9 / wall,
                        (cpuAfter[1] - cpuBefore[1]) / 1e3 / ((double) total * agents));
                report("all", latencies, n, i -> true);
                long warmEnd = begin + TimeUnit.SECONDS.toNanos(warmup);
                return report("after " + warmup + " s warm-up", latencies, n, i -> sentAt.get(i) >= warmEnd);
            }
        }
    }

    private interface SampleFilter {
        boolean keep(int i);
    }

    private static long[] report(String label, AtomicLongArray latencies, int n, SampleFilter filter) {
        long[] kept = IntStream.range(0, n)
                .filter(filter::keep)
                .mapToLong(latencies::get)
                .toArray();
        if (kept.length == 0) {
            System.out.printf("  %s: no samples%n", label);
            return kept;
        }
        Arrays.sort(kept);
        System.out.printf(
                "  %s: %,d samples, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms%n",
                label,
                kept.length,
                ms(pct(kept, 0.50)),
                ms(pct(kept, 0.90)),
                ms(pct(kept, 0.99)),
                ms(pct(kept, 0.999)),
                ms(kept[kept.length - 1]));
        return kept;
    }

    private static long pct(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static Identity identity(long id) {
        return Identity.newBuilder()
                .setId((int) id)
                .addLabels(Label.newBuilder().setSource("k8s").setKey("app").setValue("app-" + id))
                .addLabels(Label.newBuilder()
                        .setSource("k8s")
                        .setKey("io.kubernetes.pod.namespace")
                        .setValue("ns-" + id % 100))
                .build();
    }

    /** What the policy service publishes for a subject: allow-all egress, ingress TCP from a few peers. */
    private static SubjectPolicyMap policy(long subject, int identities, int entries) {
        SubjectPolicyMap.Builder b = SubjectPolicyMap.newBuilder()
                .setSubject((int) subject)
                .setRevision(1)
                .setPolicyRevision(1);
        b.addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), List.of()));
        for (int j = 1; j < entries; j++) {
            long peer = FIRST_IDENTITY + (subject + j) % identities;
            b.addEntries(entry(
                    PolicyMapKey.of(peer, Direction.INGRESS, IpProtocol.TCP, 8000 + j),
                    List.of("NetworkPolicy/ns-" + subject % 100 + "/allow-" + j)));
        }
        return b.build();
    }

    private static PolicyMapEntry entry(PolicyMapKey key, List<String> policies) {
        return PolicyMapEntry.newBuilder()
                .setKey(ByteString.copyFrom(key.encode()))
                .setValue(ByteString.copyFrom(PolicyMapValue.allow(key).encode()))
                .addAllPolicies(policies)
                .build();
    }

    private static Node node(String name, int n) {
        return Node.newBuilder()
                .setName(name)
                .addIps("172.16." + (n >> 8) + "." + (n & 0xFF))
                .addPodCidrs("10." + (64 + (n >> 8)) + "." + (n & 0xFF) + ".0/24")
                .setCluster("default")
                .build();
    }

    /** Endpoint i: a unique IPv4 address in 10.0.0.0/10, as the identity service publishes it. */
    private static Endpoint endpoint(int i, String node, long identity) {
        String ns = "ns-" + identity % 100;
        return Endpoint.newBuilder()
                .setNamespace(ns)
                .setPod("pod-" + i)
                .setUid(new UUID(0x7e4d, i).toString())
                .setNode(node)
                .setIpv4("10." + ((i >> 16) & 0x3F) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF))
                .setIdentity((int) identity)
                .putLabels("app", "app-" + identity)
                .setServiceAccount("default")
                .build();
    }

    private static KafkaProducer<String, byte[]> producer(String servers, boolean bulk) {
        return producer(servers, Map.of(), bulk);
    }

    private static KafkaProducer<String, byte[]> producer(String servers, Map<String, Object> extra, boolean bulk) {
        Properties p = new Properties();
        p.putAll(extra);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        if (bulk) {
            p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        } else {
            // As the services' relays publish one event: no waiting for a batch.
            p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        }
        return new KafkaProducer<>(p);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** CPU of the agents' threads (poll, image, reconcile), by their production names {@code tendril-agent-*}. */
    private static long agentThreadsCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("tendril-agent-")) {
                sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    private static String loadAverage() {
        return "load average " + dev.tendril.testing.MachineLoad.averages();
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
