package dev.tendril.policy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.api.v1.SubjectPolicyRevision;
import dev.tendril.eventstore.KafkaTopics;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.PostgresServer;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
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
 * Load driver for docs/BENCHMARKS.md "Policy", "Policy change to tendril.policy publish" (not a test;
 * {@code verify} never runs it): the time from a {@code PUT /v1/policies} that changes one policy to the
 * arrival of the affected subjects' records on the compacted topic {@code tendril.policy}, end to end
 * through the real service.
 *
 * <p>It starts a Kafka broker (in this JVM, KRaft) and a durable PostgreSQL ({@code fsync=on},
 * {@code synchronous_commit=on}), both on data directories under {@code target/bench-publish}, publishes
 * {@code namespaces} x {@code perNamespace} pod identities to {@code tendril.identities} as the identity
 * service writes them, then launches the policy service's {@code quarkus-run.jar} as a child JVM (as the
 * launcher does: system properties for the datasource, Kafka, port), waits for readiness, PUTs the base
 * policies in batches and waits until {@code tendril.policy} is quiet. Then it measures {@code changes}
 * single-policy changes of two kinds (port toggled 80 / 8080):
 * <ul>
 *   <li><b>namespace</b>: {@code allow-namespace} of a random namespace (selects all pods of it: 100 subjects);</li>
 *   <li><b>app</b>: {@code allow-app-<k>} of a random namespace (selects one app: 4 subjects).</li>
 * </ul>
 * One consumer, positioned at the end of {@code tendril.policy} and {@code tendril.policy.revisions} before each
 * change, collects the records; the PUT is sent asynchronously so records can arrive before its answer. A subject's
 * revision (what agents in fetch mode follow) is sent after its map record is acknowledged, so "last revision
 * received" is when the last affected agent could start fetching.
 *
 * <pre>./mvnw -B -o -q -pl services/policy package -DskipTests
 * ./mvnw -B -o -q -pl services/policy test-compile -Pbench-publish [-Dchanges=200 -Dwarmup=20 -Dnamespaces=100 -DperNamespace=100 -Dbatch=100 -DserviceHeap=1g]</pre>
 */
public final class PolicyPublishLatencyBenchmark {

    private static final String IDENTITIES = "tendril.identities";
    private static final String ENDPOINTS = "tendril.endpoints";
    private static final String POLICY = "tendril.policy";
    private static final String REVISIONS = "tendril.policy.revisions";
    private static final int FIRST_ID = 256;
    private static final int APPS = 25;
    private static final int TIERS = 4;
    private static final int TEAMS = 10;
    private static final int APP_POLICIES = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int namespaces;
    private final int perNamespace;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Integer> ports = new HashMap<>();
    private String base;

    private PolicyPublishLatencyBenchmark(int namespaces, int perNamespace) {
        this.namespaces = namespaces;
        this.perNamespace = perNamespace;
    }

    public static void main(String[] args) throws Exception {
        int namespaces = Integer.getInteger("namespaces", 100);
        int perNamespace = Integer.getInteger("perNamespace", APPS * TIERS);
        int changes = Integer.getInteger("changes", 200);
        int warmup = Integer.getInteger("warmup", 20);
        int batch = Integer.getInteger("batch", 100);
        String heap = System.getProperty("serviceHeap", "1g");
        Path jar = Path.of(System.getProperty("bench.jar", "services/policy/target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        Path work = Path.of(System.getProperty("bench.dir", "services/policy/target/bench-publish"))
                .toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar + " is missing: ./mvnw -B -o -q -pl services/policy package -DskipTests");
        }
        deleteRecursively(work);
        Files.createDirectories(work);
        System.out.printf(
                "policy publish benchmark: %d namespaces x %d identities, %d policies, %d changes per kind (+%d warm-up); "
                        + "Java %s, %d CPUs, load average %s; service jar %s%n",
                namespaces,
                perNamespace,
                namespaces * (2 + APP_POLICIES),
                changes,
                warmup,
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                loadAverage(),
                jar);
        new PolicyPublishLatencyBenchmark(namespaces, perNamespace).run(jar, work, heap, changes, warmup, batch);
    }

    private void run(Path jar, Path work, String heap, int changes, int warmup, int batch) throws Exception {
        long t = System.nanoTime();
        try (PostgresServer postgres = PostgresServer.start(work.resolve("postgres"), 0);
                KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"), 0)) {
            postgres.createDatabaseIfMissing("tendril");
            phase("infrastructure (durable PostgreSQL, Kafka broker)", t);

            t = System.nanoTime();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(KafkaTopics.compacted(IDENTITIES, 1), KafkaTopics.compacted(ENDPOINTS, 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            publishIdentities(kafka.bootstrapServers());
            phase(String.format("%,d identities published to %s", namespaces * perNamespace, IDENTITIES), t);

            t = System.nanoTime();
            int httpPort = freePort();
            base = "http://127.0.0.1:" + httpPort;
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + heap,
                    "--enable-native-access=ALL-UNNAMED",
                    "-Dquarkus.http.port=" + httpPort,
                    "-Dquarkus.datasource.jdbc.url=" + postgres.jdbcUrl("tendril"),
                    "-Dquarkus.datasource.username=" + postgres.username(),
                    "-Dquarkus.datasource.password=" + postgres.password(),
                    "-Dkafka.bootstrap.servers=" + kafka.bootstrapServers(),
                    // Nothing listens there; the base policies have no CIDR peers, so it is never called.
                    "-Dtendril.policy.identity-url=http://127.0.0.1:9",
                    "-Dtendril.policy.topics.identities=" + IDENTITIES,
                    "-Dtendril.policy.topics.endpoints=" + ENDPOINTS,
                    "-Dtendril.policy.topics.policy=" + POLICY,
                    "-Dtendril.policy.topics.policy-revisions=" + REVISIONS,
                    "-jar",
                    jar.toString()));
            Path log = work.resolve("policy-service.log");
            Process service = new ProcessBuilder(command)
                    .directory(work.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            System.out.printf("policy service pid %d on port %d, log %s%n", service.pid(), httpPort, log);
            try {
                awaitReady(service, Duration.ofMinutes(5));
                phase("service started and ready (inputs bootstrapped)", t);
                runWithService(kafka.bootstrapServers(), service, changes, warmup, batch);
            } finally {
                service.destroy();
                if (!service.waitFor(20, TimeUnit.SECONDS)) {
                    service.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        System.out.printf("load average at the end: %s%n", loadAverage());
    }

    private void runWithService(String bootstrap, Process service, int changes, int warmup, int batch)
            throws Exception {
        long t = System.nanoTime();
        List<String> manifests = new ArrayList<>();
        for (int ns = 0; ns < namespaces; ns++) {
            manifests.add(defaultDeny(ns));
            manifests.add(allowNamespace(ns, 80));
            for (int k = 0; k < APP_POLICIES; k++) {
                manifests.add(allowApp(ns, k, 80));
            }
        }
        List<Long> putMillis = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i += batch) {
            String body = "[" + String.join(",", manifests.subList(i, Math.min(manifests.size(), i + batch))) + "]";
            long t0 = System.nanoTime();
            put(body);
            putMillis.add((System.nanoTime() - t0) / 1_000_000);
        }
        phase(
                String.format(
                        "%,d base policies PUT in %d requests of %d (each request ms: %s)",
                        manifests.size(), putMillis.size(), batch, putMillis),
                t);

        t = System.nanoTime();
        try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap)) {
            TopicPartition tp = new TopicPartition(POLICY, 0);
            TopicPartition revisions = new TopicPartition(REVISIONS, 0);
            consumer.assign(List.of(tp, revisions));
            consumer.seekToBeginning(List.of(tp, revisions));
            long records = 0;
            long bytes = 0;
            Set<String> keys = new HashSet<>();
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < 3_000_000_000L) {
                ConsumerRecords<String, byte[]> polled = consumer.poll(Duration.ofMillis(200));
                if (!polled.isEmpty()) {
                    quietSince = System.nanoTime();
                }
                for (ConsumerRecord<String, byte[]> r : polled.records(tp)) {
                    records++;
                    bytes += r.value() == null ? 0 : r.value().length;
                    keys.add(r.key());
                }
            }
            phase(
                    String.format(
                            "initial publish settled: %s holds %,d records (%,d subjects, %,d MB of values), quiet for 3 s",
                            POLICY, records, keys.size(), bytes >> 20),
                    t);

            Random random = new Random(42);
            Map<String, Integer> portOf = new HashMap<>();
            long cpu0 = cpuNanos(service);
            for (String kind : List.of("namespace", "app")) {
                List<Sample> samples = new ArrayList<>();
                t = System.nanoTime();
                double[] compile0 = warmup == 0 ? compileTimer() : null;
                for (int i = 0; i < warmup + changes; i++) {
                    int ns = random.nextInt(namespaces);
                    int k = random.nextInt(APP_POLICIES);
                    String name =
                            kind.equals("namespace") ? "ns-" + ns + "/allow-namespace" : "ns-" + ns + "/allow-app-" + k;
                    int port = portOf.getOrDefault(name, 80) == 80 ? 8080 : 80;
                    portOf.put(name, port);
                    String manifest = kind.equals("namespace") ? allowNamespace(ns, port) : allowApp(ns, k, port);
                    Set<String> expected = kind.equals("namespace") ? namespaceSubjects(ns) : appSubjects(ns, k);
                    Sample s = measure(consumer, tp, revisions, manifest, expected);
                    if (i >= warmup) {
                        samples.add(s);
                    }
                    if (i == warmup - 1) {
                        compile0 = compileTimer();
                    }
                }
                report(kind, samples, t);
                double[] compile1 = compileTimer();
                if (compile0 != null && compile1[0] > compile0[0]) {
                    System.out.printf(
                            Locale.ROOT,
                            "   engine mutation (tendril_policy_compile_seconds, mean over %d): %.1f ms%n",
                            (long) (compile1[0] - compile0[0]),
                            (compile1[1] - compile0[1]) * 1000 / (compile1[0] - compile0[0]));
                }
            }
            System.out.printf(
                    "policy service CPU during the measured changes: %.1f s%n", (cpuNanos(service) - cpu0) / 1e9);
        }
    }

    /**
     * One change: seek to the end of both topics, PUT asynchronously, poll until every expected subject's map record
     * and revision arrived and the PUT answered.
     */
    private Sample measure(
            KafkaConsumer<String, byte[]> consumer,
            TopicPartition tp,
            TopicPartition revisions,
            String manifest,
            Set<String> expected)
            throws Exception {
        consumer.seekToEnd(List.of(tp, revisions));
        consumer.position(tp);
        consumer.position(revisions);
        Set<String> missing = new HashSet<>(expected);
        Set<String> missingRevisions = new HashSet<>(expected);
        Map<String, Long> mapRevisions = new HashMap<>();
        Map<String, Long> announced = new HashMap<>();
        long lastRevision = -1;
        long lastRevisionTs = -1;
        AtomicLong answered = new AtomicLong();
        long wall0 = System.currentTimeMillis();
        long t0 = System.nanoTime();
        CompletableFuture<HttpResponse<String>> response = http.sendAsync(
                        request(manifest), HttpResponse.BodyHandlers.ofString())
                .whenComplete((r, e) -> answered.set(System.nanoTime()));
        long first = -1;
        long last = -1;
        long firstTs = -1;
        long lastTs = -1;
        int records = 0;
        int unexpected = 0;
        List<Long> policyRevisions = new ArrayList<>();
        long deadline = t0 + 60_000_000_000L;
        while ((!missing.isEmpty() || !missingRevisions.isEmpty() || !response.isDone())
                && System.nanoTime() < deadline) {
            ConsumerRecords<String, byte[]> polled = consumer.poll(Duration.ofMillis(20));
            long now = System.nanoTime();
            for (ConsumerRecord<String, byte[]> r : polled.records(revisions)) {
                if (missingRevisions.remove(r.key())) {
                    lastRevision = now;
                    lastRevisionTs = r.timestamp();
                    announced.put(
                            r.key(), SubjectPolicyRevision.parseFrom(r.value()).getRevision());
                } else {
                    unexpected++;
                }
            }
            for (ConsumerRecord<String, byte[]> r : polled.records(tp)) {
                records++;
                if (first < 0) {
                    first = now;
                    firstTs = r.timestamp();
                }
                if (missing.remove(r.key())) {
                    last = now;
                    lastTs = r.timestamp();
                    SubjectPolicyMap map = SubjectPolicyMap.parseFrom(r.value());
                    policyRevisions.add(map.getPolicyRevision());
                    mapRevisions.put(r.key(), map.getRevision());
                } else {
                    unexpected++;
                }
            }
        }
        if (!missing.isEmpty() || !missingRevisions.isEmpty()) {
            throw new IllegalStateException(missing.size() + " maps and " + missingRevisions.size() + " revisions of "
                    + expected.size() + " subjects not published within 60 s");
        }
        if (!announced.equals(mapRevisions)) {
            throw new IllegalStateException("revisions " + announced + " do not name the maps sent " + mapRevisions);
        }
        HttpResponse<String> answer = response.get();
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("PUT answered " + answer.statusCode() + ": " + answer.body());
        }
        JsonNode body = JSON.readTree(answer.body());
        long revision = body.get("revision").asLong();
        if (!"configured".equals(body.get("policies").get(0).get("result").asText())
                || policyRevisions.stream().anyMatch(r -> r != revision)) {
            throw new IllegalStateException(
                    "unexpected answer " + answer.body() + " or record revisions " + policyRevisions);
        }
        // Records sent after the last expected one belong to this change too (the PUT answers after the publish).
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ZERO)) {
            records++;
            unexpected++;
        }
        return new Sample(
                answered.get() - t0,
                first - t0,
                last - t0,
                lastRevision - t0,
                firstTs - wall0,
                lastTs - wall0,
                lastRevisionTs - wall0,
                records,
                unexpected);
    }

    private record Sample(
            long putNanos,
            long firstNanos,
            long lastNanos,
            long lastRevisionNanos,
            long firstTsMillis,
            long lastTsMillis,
            long lastRevisionTsMillis,
            int records,
            int unexpected) {}

    private static void report(String kind, List<Sample> samples, long start) {
        int n = samples.size();
        System.out.printf(
                "== %s changes: %d measured in %.1f s (incl. warm-up), %d records each (min %d, max %d), %d unexpected records%n",
                kind,
                n,
                (System.nanoTime() - start) / 1e9,
                samples.get(0).records(),
                samples.stream().mapToInt(Sample::records).min().orElse(0),
                samples.stream().mapToInt(Sample::records).max().orElse(0),
                samples.stream().mapToInt(Sample::unexpected).sum());
        line("PUT answered", samples.stream().mapToLong(Sample::putNanos).toArray(), 1e6);
        line(
                "first record received",
                samples.stream().mapToLong(Sample::firstNanos).toArray(),
                1e6);
        line(
                "last affected received",
                samples.stream().mapToLong(Sample::lastNanos).toArray(),
                1e6);
        line(
                "last revision received",
                samples.stream().mapToLong(Sample::lastRevisionNanos).toArray(),
                1e6);
        line(
                "first record timestamp",
                samples.stream().mapToLong(Sample::firstTsMillis).toArray(),
                1);
        line(
                "last record timestamp",
                samples.stream().mapToLong(Sample::lastTsMillis).toArray(),
                1);
        line(
                "last revision timestamp",
                samples.stream().mapToLong(Sample::lastRevisionTsMillis).toArray(),
                1);
        long receivedAfterAnswer =
                samples.stream().filter(s -> s.lastNanos() > s.putNanos()).count();
        System.out.printf("   last record received after the PUT answer in %d of %d changes%n", receivedAfterAnswer, n);
    }

    private static void line(String what, long[] values, double unit) {
        long[] v = values.clone();
        Arrays.sort(v);
        System.out.printf(
                Locale.ROOT,
                "   %-24s ms: p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f  min %8.1f%n",
                what,
                rank(v, 0.50) / unit,
                rank(v, 0.90) / unit,
                rank(v, 0.99) / unit,
                v[v.length - 1] / unit,
                v[0] / unit);
    }

    private static long rank(long[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static void phase(String what, long start) {
        System.out.printf(
                "[%s] %-90s %7.1f s  (load %s)%n",
                Instant.now().toString().substring(11, 19), what, (System.nanoTime() - start) / 1e9, loadAverage());
    }

    // ---- model -------------------------------------------------------------------------------------------

    private long id(int ns, int pod) {
        return FIRST_ID + (long) ns * perNamespace + pod;
    }

    private static String app(int pod) {
        return "app-" + (pod % APPS);
    }

    private static String tier(int pod) {
        return "tier-" + (pod / APPS % TIERS);
    }

    private static String team(int ns) {
        return "team-" + (ns % TEAMS);
    }

    private Set<String> namespaceSubjects(int ns) {
        Set<String> out = new HashSet<>();
        for (int pod = 0; pod < perNamespace; pod++) {
            out.add(Long.toString(id(ns, pod)));
        }
        return out;
    }

    private Set<String> appSubjects(int ns, int k) {
        Set<String> out = new HashSet<>();
        for (int pod = 0; pod < perNamespace; pod++) {
            if (app(pod).equals("app-" + k)) {
                out.add(Long.toString(id(ns, pod)));
            }
        }
        return out;
    }

    /** Labels as the identity service publishes them (sorted by key), namespace labels included. */
    private void publishIdentities(String bootstrap) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int ns = 0; ns < namespaces; ns++) {
                for (int pod = 0; pod < perNamespace; pod++) {
                    Map<String, String> labels = new java.util.TreeMap<>();
                    labels.put("app", app(pod));
                    labels.put("tier", tier(pod));
                    labels.put("io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name", "ns-" + ns);
                    labels.put("io.cilium.k8s.namespace.labels.team", team(ns));
                    labels.put("io.cilium.k8s.namespace.labels.env", ns % 2 == 0 ? "prod" : "dev");
                    labels.put("io.kubernetes.pod.namespace", "ns-" + ns);
                    labels.put("io.cilium.k8s.policy.cluster", "default");
                    Identity.Builder identity = Identity.newBuilder().setId((int) id(ns, pod));
                    labels.forEach((k, v) -> identity.addLabels(
                            Label.newBuilder().setSource("k8s").setKey(k).setValue(v)));
                    producer.send(new ProducerRecord<>(
                            IDENTITIES,
                            Long.toString(id(ns, pod)),
                            identity.build().toByteArray()));
                }
            }
            producer.flush();
        }
    }

    private static String defaultDeny(int ns) {
        return "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"default-deny\",\"namespace\":\"ns-"
                + ns + "\"},\"spec\":{\"podSelector\":{},\"policyTypes\":[\"Ingress\"]}}";
    }

    /** Every pod of the namespace may reach every pod of it on {@code port}: selects all its subjects. */
    private static String allowNamespace(int ns, int port) {
        return "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"allow-namespace\",\"namespace\":\"ns-"
                + ns
                + "\"},\"spec\":{\"podSelector\":{},\"policyTypes\":[\"Ingress\"],\"ingress\":[{\"from\":[{\"podSelector\":{}}],"
                + "\"ports\":[{\"protocol\":\"TCP\",\"port\":" + port + "}]}]}}";
    }

    /** app-k accepts app-(k+1) of its namespace and app-k of the namespaces of its team on {@code port} and 443. */
    private static String allowApp(int ns, int k, int port) {
        return "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"allow-app-"
                + k
                + "\",\"namespace\":\"ns-" + ns + "\"},\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"app-" + k
                + "\"}},"
                + "\"policyTypes\":[\"Ingress\"],\"ingress\":[{\"from\":[{\"podSelector\":{\"matchLabels\":{\"app\":\"app-"
                + ((k + 1) % APPS)
                + "\"}}},{\"namespaceSelector\":{\"matchLabels\":{\"team\":\"" + team(ns)
                + "\"}},\"podSelector\":{\"matchLabels\":{\"app\":\"app-"
                + k + "\"}}}],\"ports\":[{\"protocol\":\"TCP\",\"port\":" + port
                + "},{\"protocol\":\"TCP\",\"port\":443}]}]}}";
    }

    // ---- plumbing ----------------------------------------------------------------------------------------

    private HttpRequest request(String json) {
        return HttpRequest.newBuilder(URI.create(base + "/v1/policies"))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json))
                .build();
    }

    private void put(String json) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(json), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("PUT /v1/policies answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** {count, sum seconds} of the service's compile timer (one engine mutation, publishing excluded). */
    private double[] compileTimer() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(base + "/q/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        double[] out = new double[2];
        for (String line : r.body().split("\n")) {
            if (line.startsWith("tendril_policy_compile_seconds_count")) {
                out[0] = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("tendril_policy_compile_seconds_sum")) {
                out[1] = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return out;
    }

    private void awaitReady(Process service, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("policy service exited with " + service.exitValue() + " (see its log)");
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(5))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("policy service not ready within " + timeout);
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static long cpuNanos(Process process) {
        return process.toHandle()
                .info()
                .totalCpuDuration()
                .map(Duration::toNanos)
                .orElse(0L);
    }

    private static int freePort() {
        return dev.tendril.testing.FreePorts.pick();
    }

    private static String loadAverage() {
        return dev.tendril.testing.MachineLoad.averages();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
