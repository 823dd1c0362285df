package dev.tendril.policy.bench;

import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.Transactions;
import dev.tendril.net.IpAddress;
import dev.tendril.policy.adapters.PolicyMeters;
import dev.tendril.policy.adapters.kafka.KeyedTopicPublisher;
import dev.tendril.policy.adapters.kafka.PolicyPublisher;
import dev.tendril.policy.adapters.kafka.ServicesPublisher;
import dev.tendril.policy.adapters.persistence.LbStore;
import dev.tendril.policy.adapters.persistence.PolicyLeadership;
import dev.tendril.policy.adapters.persistence.PolicyStore;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.app.RuntimeSettings;
import dev.tendril.policy.domain.EndpointInfo;
import dev.tendril.policy.lb.LbCommand;
import dev.tendril.policy.lb.LbCommand.ApplyService;
import dev.tendril.policy.lb.LbSettings;
import dev.tendril.policy.lb.ServicePort;
import dev.tendril.policy.lb.ServiceSpec;
import dev.tendril.policy.lb.TargetPort;
import dev.tendril.policy.manifest.Manifests;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.PostgresServer;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.flywaydb.core.Flyway;

/**
 * Load driver for docs/BENCHMARKS.md "Services control plane at scale" (not a test; {@code verify} never
 * runs it): the policy service's Service path in this JVM (its {@link PolicyRuntime} on a durable PostgreSQL,
 * publishing to a Kafka broker, both started here on data directories under {@code target/bench-services}),
 * for each size in {@code services} (100, 1,000, 10,000) selector Services of {@code backends} (5) pods each,
 * 100 Services to a namespace, every pod registered as the endpoint input would:
 * <ol>
 *   <li><b>apply</b>: one more Service ({@code LbRuntime.apply}, its 5 pods already registered) to its
 *       record arriving on tendril.services, {@code samples} times;</li>
 *   <li><b>move</b>: one pod relabelled into another Service's selector ({@code upsertEndpoint}) to that
 *       Service's record arriving, {@code samples} times (each moved back, untimed);</li>
 *   <li><b>restart</b>: a new runtime on the same database and topic: replay of the events, the endpoints
 *       registered again, then ready to {@code servicesPublishedAll} (the topic read back, nothing to send).</li>
 * </ol>
 *
 * <pre>./mvnw -B -o -q -pl services/policy test-compile -Pbench-services [-Dservices=100,1000,10000 -Dbackends=5 -Dsamples=50]</pre>
 */
public final class ServicesControlPlaneBenchmark {

    private static final int PER_NAMESPACE = 100;
    private static final int BATCH = 100;
    private static final Duration WAIT = Duration.ofMinutes(10);

    private final String bootstrap;
    private final AgroalDataSource pool;
    private final EventStore events;
    private final String policyTopic;
    private final String servicesTopic;
    private final int backends;
    private final List<EndpointInfo> registered = new ArrayList<>();

    private ServicesControlPlaneBenchmark(
            String bootstrap, AgroalDataSource pool, String policyTopic, String servicesTopic, int backends) {
        this.bootstrap = bootstrap;
        this.pool = pool;
        this.events = new EventStore(new Transactions(pool));
        this.policyTopic = policyTopic;
        this.servicesTopic = servicesTopic;
        this.backends = backends;
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = Arrays.stream(
                        System.getProperty("services", "100,1000,10000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim()))
                .toArray();
        int backends = Integer.getInteger("backends", 5);
        int samples = Integer.getInteger("samples", 50);
        Path work = Path.of(System.getProperty("bench.dir", "target/bench-services"));
        System.out.printf(
                "services control plane benchmark: %s Services x %d backends, %d samples; Java %s, %d CPUs, "
                        + "load average %.2f%n",
                Arrays.toString(sizes),
                backends,
                samples,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        String run = Long.toString(System.currentTimeMillis(), 36);
        try (PostgresServer postgres = PostgresServer.start(work.resolve("postgres"), 0);
                KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"), 0)) {
            for (int size : sizes) {
                String database = "services_" + run + "_" + size;
                postgres.createDatabaseIfMissing(database);
                try (AgroalDataSource pool = pool(postgres, database)) {
                    Flyway.configure()
                            .dataSource(pool)
                            .schemas("policy")
                            .locations("classpath:db/eventstore", "classpath:db/policy")
                            .outOfOrder(true)
                            .load()
                            .migrate();
                    new ServicesControlPlaneBenchmark(
                                    kafka.bootstrapServers(),
                                    pool,
                                    "bench.policy." + run + "." + size,
                                    "bench.services." + run + "." + size,
                                    backends)
                            .run(size, samples);
                }
            }
        }
        System.exit(0);
    }

    private void run(int size, int samples) throws Exception {
        System.out.printf("%n== %,d Services x %d backends (%d namespaces)%n", size, backends, namespaces(size));
        PolicyRuntime runtime = runtime();
        runtime.start();
        long t = System.nanoTime();
        for (int i = 0; i < size + samples; i++) {
            registerPods(runtime, i, "svc-" + i);
        }
        phase(String.format("%,d endpoints registered", registered.size()), t);
        t = System.nanoTime();
        for (int from = 0; from < size; from += BATCH) {
            List<LbCommand> batch = new ArrayList<>();
            for (int i = from; i < Math.min(size, from + BATCH); i++) {
                batch.add(new ApplyService(service(i)));
            }
            runtime.services().apply(batch, false);
        }
        phase(String.format("%,d Services applied (before ready: not resolved)", size), t);
        t = System.nanoTime();
        ready(runtime);
        phase("ready to every Service published", t);

        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            long[] apply = new long[samples];
            for (int s = 0; s < samples; s++) {
                int i = size + s;
                String key = namespace(i) + "/svc-" + i;
                apply[s] = timeToRecord(
                        consumer, key, () -> runtime.services().apply(List.of(new ApplyService(service(i))), false));
            }
            report("(a) apply one more Service -> its record", apply);

            Random random = new Random(size);
            long[] move = new long[samples];
            for (int s = 0; s < samples; s++) {
                int from = random.nextInt(size);
                // Another Service of the pod's namespace.
                int base = from / PER_NAMESPACE * PER_NAMESPACE;
                int inNamespace = Math.min(PER_NAMESPACE, size - base);
                int to = base + (from - base + 1 + random.nextInt(inNamespace - 1)) % inNamespace;
                EndpointInfo pod = registered.get(from * backends);
                EndpointInfo moved = relabel(pod, "svc-" + to);
                move[s] = timeToRecord(consumer, namespace(to) + "/svc-" + to, () -> runtime.upsertEndpoint(moved));
                timeToRecord(consumer, namespace(from) + "/svc-" + from, () -> runtime.upsertEndpoint(pod));
            }
            report("(b) pod relabelled into a Service's selector -> its record", move);
        }

        runtime.stop();
        t = System.nanoTime();
        PolicyRuntime restarted = runtime();
        restarted.start();
        long replayed = System.nanoTime();
        registered.forEach(restarted::upsertEndpoint);
        long endpointsBack = System.nanoTime();
        ready(restarted);
        long done = System.nanoTime();
        System.out.printf(
                "(c) restart: %,d ms to all published (replay %,d ms, endpoints %,d ms, ready to all published %,d ms)%n",
                (done - t) / 1_000_000,
                (replayed - t) / 1_000_000,
                (endpointsBack - replayed) / 1_000_000,
                (done - endpointsBack) / 1_000_000);
        restarted.stop();
    }

    private PolicyRuntime runtime() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        return new PolicyRuntime(
                new RuntimeSettings("bench", 16_384, policyTopic),
                new PolicyStore(events),
                Manifests::policy,
                prefixes -> {},
                new PolicyLeadership(pool, policyTopic),
                new PolicyMeters(registry),
                new LbStore(events),
                LbSettings.defaults());
    }

    private void ready(PolicyRuntime runtime) {
        Map<String, Object> kafka = Map.of("bootstrap.servers", bootstrap);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runtime.ready(
                () -> KeyedTopicPublisher.readyToPublish(
                        new PolicyPublisher(kafka, policyTopic, policyTopic + ".revisions", 1, registry)),
                () -> KeyedTopicPublisher.readyToPublish(new ServicesPublisher(kafka, servicesTopic)));
        await(runtime::servicesPublishedAll, "every Service published");
    }

    private void registerPods(PolicyRuntime runtime, int service, String app) {
        for (int k = 0; k < backends; k++) {
            int n = service * backends + k + 1;
            EndpointInfo pod = new EndpointInfo(
                    namespace(service),
                    app + "-" + k,
                    256 + service,
                    Map.of("app", app),
                    List.of(),
                    Set.of(IpAddress.parse("10.%d.%d.%d".formatted(n >> 16, (n >> 8) & 255, n & 255))),
                    "node-" + (n % 10));
            registered.add(pod);
            runtime.upsertEndpoint(pod);
        }
    }

    private static EndpointInfo relabel(EndpointInfo pod, String app) {
        return new EndpointInfo(
                pod.namespace(),
                pod.pod(),
                pod.identity(),
                Map.of("app", app),
                pod.namedPorts(),
                pod.addresses(),
                pod.node());
    }

    private static ServiceSpec service(int i) {
        return new ServiceSpec(
                namespace(i),
                "svc-" + i,
                ServiceSpec.CLUSTER_IP,
                List.of(),
                List.of(new ServicePort("http", "TCP", 80, TargetPort.of(8080), 0)),
                Map.of("app", "svc-" + i),
                "None",
                0,
                "Cluster",
                "Cluster",
                List.of(),
                "");
    }

    private static String namespace(int service) {
        return "ns-" + service / PER_NAMESPACE;
    }

    private static int namespaces(int size) {
        return (size + PER_NAMESPACE - 1) / PER_NAMESPACE;
    }

    /** Nanoseconds from running {@code change} to a record of {@code key} arriving on tendril.services. */
    private long timeToRecord(KafkaConsumer<String, byte[]> consumer, String key, Runnable change) {
        TopicPartition partition = new TopicPartition(servicesTopic, 0);
        consumer.seekToEnd(List.of(partition));
        consumer.position(partition);
        long start = System.nanoTime();
        change.run();
        long deadline = start + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(5))) {
                if (key.equals(r.key())) {
                    return System.nanoTime() - start;
                }
            }
        }
        throw new IllegalStateException("no record of " + key + " within " + WAIT);
    }

    private KafkaConsumer<String, byte[]> consumer() {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        "bootstrap.servers",
                        bootstrap,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        "false",
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                        "5"),
                new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.assign(List.of(new TopicPartition(servicesTopic, 0)));
        return consumer;
    }

    private static AgroalDataSource pool(PostgresServer postgres, String database) throws Exception {
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(pool -> pool.maxSize(8)
                        .acquisitionTimeout(Duration.ofSeconds(30))
                        .connectionFactoryConfiguration(factory -> factory.jdbcUrl(postgres.jdbcUrl(database))
                                .principal(new NamePrincipal(postgres.username()))
                                .credential(new SimplePassword(postgres.password()))
                                .jdbcProperty("currentSchema", "policy"))));
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not " + what + " within " + WAIT);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static void phase(String what, long startNanos) {
        System.out.printf("%s: %,d ms%n", what, (System.nanoTime() - startNanos) / 1_000_000);
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf(
                "%s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples)%n",
                what,
                sorted[sorted.length / 2] / 1e6,
                sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)] / 1e6,
                sorted[sorted.length - 1] / 1e6,
                sorted.length);
    }
}
