package dev.tendril.flows.bench;

import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.adapters.HubbleFlows;
import dev.tendril.flows.domain.FilterSpec;
import dev.tendril.flows.domain.FlowQuery;
import dev.tendril.flows.domain.FlowSelection;
import dev.tendril.flows.domain.FlowStore;
import dev.tendril.flows.domain.ObserveFilters;
import dev.tendril.testing.SharedInfrastructure;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Load driver for docs/BENCHMARKS.md "Flows" (not a test): ingest rate into the rings (in memory, and
 * from Kafka end to end), memory per buffered flow, and latency of filtered queries over 16 full rings
 * (1,048,560 flows). {@code -Dflows=} in-memory flows, {@code -DkafkaFlows=} flows through Kafka
 * (0 skips), {@code -Dqueries=} queries per kind.
 */
public final class FlowsLoadDriver {

    private static final int NODES = 16;
    private static final int CAPACITY = 65535;

    public static void main(String[] args) throws Exception {
        int flows = Integer.getInteger("flows", 5_000_000);
        int kafkaFlows = Integer.getInteger("kafkaFlows", 1_000_000);
        int queries = Integer.getInteger("queries", 200);
        System.out.printf(
                "machine: %d CPUs, max heap %d MB, %s%n",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.vm.version"));
        System.out.println("load average at start (other builds share the machine): " + loadAverage());
        byte[][] corpus = corpus(8192);
        System.out.printf(
                "corpus: %d distinct flows, mean %d bytes serialized%n",
                corpus.length, Arrays.stream(corpus).mapToInt(b -> b.length).sum() / corpus.length);

        inMemoryIngest(corpus, flows);
        FlowStore full = memoryPerFlow(corpus);
        queryLatency(full, queries);
        if (kafkaFlows > 0) {
            kafkaIngest(corpus, kafkaFlows);
        }
        System.out.println("load average at end: " + loadAverage());
        System.exit(0);
    }

    /** Flows over 16 nodes, 400 pods in 20 namespaces; every 5th dropped by a named policy. */
    static byte[][] corpus(int size) {
        Random random = new Random(42);
        Instant t0 = Instant.parse("2026-11-26T12:00:00Z");
        byte[][] out = new byte[size][];
        for (int i = 0; i < size; i++) {
            int ns = random.nextInt(20);
            var src = HubbleFlows.pod(
                    "ns-" + ns,
                    "app-" + random.nextInt(20) + "-pod",
                    1000 + ns * 20 + random.nextInt(20),
                    "app-" + random.nextInt(20));
            var dst = HubbleFlows.pod(
                    "ns-" + ns,
                    "app-" + random.nextInt(20) + "-pod",
                    1000 + ns * 20 + random.nextInt(20),
                    "app-" + random.nextInt(20));
            String node = "node-" + (i % NODES);
            Flow flow = (i % 5 == 0)
                    ? HubbleFlows.denied(
                                    t0.plusMillis(i),
                                    node,
                                    src,
                                    "10.1." + ns + "." + random.nextInt(250),
                                    30000 + random.nextInt(30000),
                                    dst,
                                    "10.2." + ns + "." + random.nextInt(250),
                                    80 + random.nextInt(4),
                                    "ns-" + ns,
                                    "deny-" + ns)
                            .build()
                    : HubbleFlows.forwarded(
                                    t0.plusMillis(i),
                                    node,
                                    src,
                                    "10.1." + ns + "." + random.nextInt(250),
                                    30000 + random.nextInt(30000),
                                    dst,
                                    "10.2." + ns + "." + random.nextInt(250),
                                    80 + random.nextInt(4))
                            .build();
            out[i] = flow.toByteArray();
        }
        return out;
    }

    private static void inMemoryIngest(byte[][] corpus, int flows) throws Exception {
        FlowStore store = new FlowStore(CAPACITY);
        FlowCodec codec = new FlowCodec();
        int warm = Math.min(flows, 1_000_000);
        for (int i = 0; i < warm; i++) {
            byte[] bytes = corpus[i % corpus.length].clone();
            store.add(codec.decode(bytes, i, null), 0);
        }
        long cpu0 = cpuNanos();
        long start = System.nanoTime();
        for (int i = 0; i < flows; i++) {
            // A fresh array per flow, as Kafka's deserializer hands over.
            byte[] bytes = corpus[i % corpus.length].clone();
            store.add(codec.decode(bytes, i, null), 0);
        }
        long elapsed = System.nanoTime() - start;
        long written = store.rings().stream().mapToLong(r -> r.written()).sum();
        System.out.printf(
                "in-memory ingest (parse flow.Flow + decode + ring insert, 1 thread): %,d flows in %.2f s = %,.0f flows/s; "
                        + "rings saw %,d (lost %d); process CPU %.2f s%n",
                flows,
                elapsed / 1e9,
                flows / (elapsed / 1e9),
                written - warm,
                flows - (written - warm),
                (cpuNanos() - cpu0) / 1e9);
    }

    private static FlowStore memoryPerFlow(byte[][] corpus) throws Exception {
        long before = usedAfterGc();
        FlowStore store = new FlowStore(CAPACITY);
        FlowCodec codec = new FlowCodec();
        int n = NODES * CAPACITY;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            byte[] payload = corpus[i % corpus.length].clone();
            bytes += payload.length;
            store.add(codec.decode(payload, i, null), 0);
        }
        long after = usedAfterGc();
        System.out.printf(
                "memory: %,d buffered flows (%d rings x %d) use %,d MB of heap = %d bytes/flow "
                        + "(serialized flow %d bytes of it; %d interned peers)%n",
                n, NODES, CAPACITY, (after - before) >> 20, (after - before) / n, bytes / n, codec.internedPeers());
        return store;
    }

    private static void queryLatency(FlowStore store, int queries) {
        long now = System.currentTimeMillis() * 1_000_000L;
        Object[][] kinds = {
            {
                "last 20, namespace=ns-3 verdict=DROPPED",
                Map.of("namespace", List.of("ns-3"), "verdict", List.of("DROPPED")),
                20L
            },
            {
                "last 100, from-label=k8s:app=app-7 to-port=81",
                Map.of("from-label", List.of("k8s:app=app-7"), "to-port", List.of("81")),
                100L
            },
            {
                "last 20, to-ip=10.2.5.0/24 protocol=tcp",
                Map.of("to-ip", List.of("10.2.5.0/24"), "protocol", List.of("tcp")),
                20L
            },
            {"last 20, matches nothing (full scan of 1,048,560)", Map.of("pod", List.of("ns-3/nope")), 20L},
            {
                "all DROPPED of one node (since 0, no number)",
                Map.of("node", List.of("node-7"), "verdict", List.of("DROPPED")),
                0L
            },
        };
        for (Object[] kind : kinds) {
            @SuppressWarnings("unchecked")
            List<FilterSpec> filters = ObserveFilters.whitelist((Map<String, List<String>>) kind[1]);
            FlowQuery query = new FlowQuery(
                    (Long) kind[2],
                    false,
                    false,
                    (Long) kind[2] == 0 ? 0 : Long.MIN_VALUE,
                    Long.MAX_VALUE,
                    FlowSelection.compile(filters, List.of()));
            for (int i = 0; i < 20; i++) {
                store.query(query, store.mark());
            }
            long[] samples = new long[queries];
            int results = 0;
            long cpu0 = cpuNanos();
            for (int i = 0; i < queries; i++) {
                long start = System.nanoTime();
                results = store.query(query, store.mark()).flows().size();
                samples[i] = System.nanoTime() - start;
            }
            long cpu = cpuNanos() - cpu0;
            Arrays.sort(samples);
            System.out.printf(
                    "query [%s]: %d results; p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d runs); process CPU %.2f ms/query%n",
                    kind[0],
                    results,
                    samples[queries / 2] / 1e6,
                    samples[(int) Math.ceil(queries * 0.99) - 1] / 1e6,
                    samples[queries - 1] / 1e6,
                    queries,
                    cpu / 1e6 / queries);
        }
        if (now < 0) {
            throw new IllegalStateException();
        }
    }

    private static void kafkaIngest(byte[][] corpus, int flows) throws Exception {
        String bootstrap = SharedInfrastructure.kafka().bootstrapServers();
        String topic = "bench.flows." + System.currentTimeMillis();
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin client = Admin.create(admin)) {
            client.createTopics(List.of(new NewTopic(topic, 3, (short) 1)))
                    .all()
                    .get();
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < flows; i++) {
                producer.send(new ProducerRecord<>(topic, "node-" + (i % NODES), corpus[i % corpus.length]));
            }
            producer.flush();
        }
        System.out.printf(
                "kafka: produced %,d flows in %.2f s (lz4, 3 partitions, in-process broker)%n",
                flows, (System.nanoTime() - start) / 1e9);

        FlowStore store = new FlowStore(CAPACITY);
        FlowCodec codec = new FlowCodec();
        Properties cprops = new Properties();
        cprops.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cprops.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        cprops.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        cprops.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(32 * 1024 * 1024));
        cprops.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        long cpu0 = cpuNanos();
        start = System.nanoTime();
        long ingested = 0;
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(cprops, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (ingested < flows && System.nanoTime() - start < 300_000_000_000L) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    store.add(codec.decode(record.value(), record.offset(), record.key()), 0);
                    ingested++;
                }
            }
        }
        long elapsed = System.nanoTime() - start;
        System.out.printf(
                "kafka end-to-end ingest (fetch + parse + decode + ring insert, 1 consumer thread): %,d of %,d flows "
                        + "in %.2f s = %,.0f flows/s; process CPU %.2f s (broker in the same JVM)%n",
                ingested, flows, elapsed / 1e9, ingested / (elapsed / 1e9), (cpuNanos() - cpu0) / 1e9);
    }

    private static String loadAverage() {
        return dev.tendril.testing.MachineLoad.averages();
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
