package dev.tendril.agent.bench;

import dev.tendril.agent.adapters.PolicyMapsServer;
import dev.tendril.agent.sim.AgentHost;
import dev.tendril.agent.sim.ChurnDriver;
import dev.tendril.agent.sim.ClusterChurn;
import dev.tendril.agent.sim.LatencyHistogram;
import dev.tendril.agent.sim.ServicesChurnDriver;
import dev.tendril.agent.sim.SimulatedCluster;
import dev.tendril.agent.sim.StateTopics;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.KafkaCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Load driver for docs/BENCHMARKS.md "Agents: 1,000 under churn" (issue 20; not a test): the in-process KRaft broker
 * of libs/testing in this JVM, {@code agents} simulated agents in {@code jvms} child JVMs
 * ({@code dev.tendril.agent.sim.AgentHostProcess}: each agent its own consumer, decoding, image and in-memory maps),
 * and {@link ChurnDriver} publishing the cluster's churn as the identity and policy services do: pods starting and
 * stopping at {@code podRate}/s, a new identity every {@code podsPerNewIdentity} pods, a policy change every
 * {@code policyIntervalMillis} over {@code subjectsPerChange} identities, and one agent restarted from empty maps every
 * {@code restartEverySeconds} (bootstrap under load). Then every agent's maps are compared with the topics' content,
 * and one table is printed.
 *
 * <pre>
 * ./mvnw -B -o -q -pl agent -am test-compile -Pbench-scale [-Dagents=1000 -Djvms=4 -DdurationSeconds=90 ...]
 * </pre>
 *
 * <p>{@code -Dnodes} (default: {@code agents}) makes the cluster larger than the agents run: they follow the first
 * {@code agents} nodes of {@code nodes}, as many agents of a large cluster would (deliverable 3's bytes per agent).
 *
 * <p>{@code -Dservices=real}: the real identity and policy services run beside the broker, each a JVM from its runner
 * jar ({@link ServiceJvms}, with an embedded PostgreSQL), and {@link ServicesChurnDriver} drives the same plan through
 * their APIs; the agents read what the services publish and fetch their maps from the policy service.
 *
 * <pre>
 * ./mvnw -B -o -q -pl services/identity,services/policy package -DskipTests
 * ./mvnw -B -o -q -pl agent test-compile -Pbench-scale -Dservices=real [-DserviceHeap=768m ...]
 * </pre>
 */
public final class ChurnScaleBenchmark {

    private static final String ANSWER = "@@ ";
    /** {@link #consumed}'s key prefix for a topic's records (its bytes are under the topic's name). */
    private static final String RECORDS = "records:";

    private final int agents = Integer.getInteger("agents", 1000);
    private final int jvms = Integer.getInteger("jvms", 4);
    private final String heap = System.getProperty("agentHeap", "1400m");
    private final ChurnDriver.Plan plan = new ChurnDriver.Plan(
            Integer.getInteger("nodes", agents),
            "scale",
            Integer.getInteger("identities", 1000),
            Integer.getInteger("podsPerNode", 5),
            Integer.getInteger("policyEntries", 8),
            Double.parseDouble(System.getProperty("podRate", "100")),
            Integer.getInteger("livePods", 2000),
            Integer.getInteger("podsPerNewIdentity", 10),
            Duration.ofMillis(Integer.getInteger("policyIntervalMillis", 3000)),
            Integer.getInteger("subjectsPerChange", 10),
            Duration.ofSeconds(Integer.getInteger("durationSeconds", 90)));
    private final int restartEverySeconds = Integer.getInteger("restartEverySeconds", 60);
    private final int partitions = Integer.getInteger("partitions", 1);
    /** 1, or 3 for a KRaft cluster of three in-process nodes (the layout of {@code ./tendril up --brokers 3}). */
    private final int brokers = Integer.getInteger("brokers", 1);
    /**
     * {@code fetch} (the agents' default): agents follow the revisions topic and fetch their own subjects' maps from a
     * {@code PolicyMaps} server in this JVM, fed as the policy service is; {@code topic}: every agent reads every map.
     */
    private final boolean fetch = !"topic".equals(System.getProperty("policySource", "fetch"));
    /**
     * {@code topics} (default): {@link ChurnDriver} publishes what the identity and policy services would; {@code real}:
     * the real services run beside the broker ({@link ServiceJvms}) and {@link ServicesChurnDriver} drives them.
     */
    private final boolean realServices = "real".equals(System.getProperty("services", "topics"));

    private final String serviceHeap = System.getProperty("serviceHeap", "768m");

    /** One child JVM and its answers. */
    private record Host(int index, int first, int count, Process process, PrintWriter in, BlockingQueue<String> out) {

        String await(String prefix, Duration guard) throws InterruptedException {
            long deadline = System.nanoTime() + guard.toNanos();
            while (true) {
                String line = out.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException("agent JVM " + index + ": no " + prefix + " within " + guard);
                }
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length()).trim();
                }
                if (line.startsWith("FAILED") || line.startsWith("ERROR")) {
                    throw new IllegalStateException("agent JVM " + index + ": " + line);
                }
            }
        }

        void send(String command) {
            in.println(command);
            in.flush();
        }

        /** The answer lines up to {@code END}. */
        List<String> untilEnd(Duration guard) throws InterruptedException {
            List<String> lines = new ArrayList<>();
            long deadline = System.nanoTime() + guard.toNanos();
            while (true) {
                String line = out.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException("agent JVM " + index + ": no END within " + guard);
                }
                if (line.equals("END")) {
                    return lines;
                }
                lines.add(line);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        new ChurnScaleBenchmark().run();
        System.exit(0);
    }

    private void run() throws Exception {
        quietKafkaLogs();
        Path dataDir = Files.createTempDirectory("tendril-bench-scale-");
        List<Host> hosts = new ArrayList<>();
        StringBuilder table = new StringBuilder();
        PolicyMapsServer policyService = null;
        ServiceJvms services = null;
        List<ServiceJvms> started = new ArrayList<>();
        // The services stop before the broker (resources close in reverse order), so they do not retry a dead one.
        try (Brokers kafka = Brokers.start(dataDir, brokers);
                AutoCloseable stopServices = () -> started.forEach(ServiceJvms::close)) {
            StateTopics topics =
                    StateTopics.prefixed("scale-" + UUID.randomUUID().toString().substring(0, 8));
            SimulatedCluster.createTopics(kafka.bootstrapServers(), topics, partitions);
            String policyMaps = null;
            if (realServices) {
                long t = System.nanoTime();
                services = ServiceJvms.start(dataDir, kafka.bootstrapServers(), topics, partitions, serviceHeap);
                started.add(services);
                System.out.printf(
                        "services ready in %,d ms: identity pid %d at %s, policy pid %d at %s; logs in %s%n",
                        millis(t),
                        services.identity().process().pid(),
                        services.identity().url(),
                        services.policy().process().pid(),
                        services.policy().url(),
                        services.logs());
                policyMaps = fetch ? "127.0.0.1:" + services.policy().port() : null;
            } else if (fetch) {
                policyService = PolicyMapsServer.onFreePort();
                policyMaps = "127.0.0.1:" + policyService.port();
            }
            try (ClusterChurn driver = driver(kafka.bootstrapServers(), topics, services, policyService)) {
                long t = System.nanoTime();
                driver.seed();
                System.out.printf("seed: %s, published in %d ms; %s%n", plan, millis(t), loadAverage());
                t = System.nanoTime();
                for (int i = 0; i < jvms; i++) {
                    int first = 1 + i * agents / jvms;
                    int count = (i + 1) * agents / jvms - i * agents / jvms;
                    hosts.add(spawn(i, kafka.bootstrapServers(), topics, first, count, policyMaps));
                }
                for (Host h : hosts) {
                    h.await("READY", Duration.ofMinutes(20));
                }
                long bootstrapAll = millis(t);
                System.out.printf("%d agents bootstrapped in %,d ms; %s%n", agents, bootstrapAll, loadAverage());

                Map<String, Long> bytesBefore = consumed(hosts);
                long agentCpuBefore = agentCpu(hosts);
                long brokerCpuBefore = processCpuNanos();
                long[] serviceCpuBefore = serviceCpu(services);
                long brokerOutBefore = brokerBytesOut();
                String loadBefore = loadAverage();
                long start = AgentHost.nowMicros() + 500_000;
                for (Host h : hosts) {
                    h.send("SCHEDULE " + start + " " + plan.podRate() + " "
                            + plan.policyInterval().toNanos() / 1000);
                    h.await("OK", Duration.ofMinutes(1));
                }
                List<Duration> restartTimes = new ArrayList<>();
                for (long s = restartEverySeconds / 3; s < plan.duration().toSeconds(); s += restartEverySeconds) {
                    restartTimes.add(Duration.ofSeconds(s));
                }
                ExecutorService restarts = Executors.newSingleThreadExecutor();
                List<java.util.concurrent.Future<String>> bootstraps = new ArrayList<>();
                Random random = new Random(20);
                long churnStart = System.nanoTime();
                ChurnDriver.Totals churned = driver.churn(start, restartTimes, r -> {
                    Host h = hosts.get(random.nextInt(hosts.size()));
                    String node = SimulatedCluster.nodeName(plan.nodePrefix(), h.first() + random.nextInt(h.count()));
                    bootstraps.add(restarts.submit(() -> {
                        h.send("RESTART " + node);
                        return h.await("BOOTSTRAP", Duration.ofMinutes(5));
                    }));
                });
                double churnSeconds = (System.nanoTime() - churnStart) / 1e9;
                long agentCpuChurn = agentCpu(hosts) - agentCpuBefore;
                long brokerCpuChurn = processCpuNanos() - brokerCpuBefore;
                long[] serviceCpuChurn = serviceCpu(services);
                // Real services: what the churn's calls caused is published some time after their answers.
                t = System.nanoTime();
                ChurnDriver.Totals totals = driver.settle(Duration.ofMinutes(5));
                long settleMillis = millis(t);
                List<String> bootstrapLines = new ArrayList<>();
                for (var f : bootstraps) {
                    bootstrapLines.add(f.get());
                }
                restarts.shutdown();
                String loadAfter = loadAverage();
                // Every agent has the churn's records before the counters are read: the audit waits for that.
                t = System.nanoTime();
                List<String> audit = new ArrayList<>();
                int differing = 0;
                long lost = 0;
                long stale = 0;
                for (Host h : hosts) {
                    h.send("AUDIT 300");
                }
                for (Host h : hosts) {
                    String[] a = h.await("AUDIT", Duration.ofMinutes(10)).split(" ");
                    differing += Integer.parseInt(a[1]);
                    lost += Long.parseLong(a[2]);
                    stale += Long.parseLong(a[3]);
                    audit.addAll(h.untilEnd(Duration.ofMinutes(1)));
                }
                long auditMillis = millis(t);
                Map<String, Long> bytesAfter = consumed(hosts);
                long agentCpu = agentCpu(hosts) - agentCpuBefore;
                long brokerCpu = processCpuNanos() - brokerCpuBefore;
                long brokerOut = brokerBytesOut() - brokerOutBefore;
                LatencyHistogram endpoints = new LatencyHistogram();
                LatencyHistogram policies = new LatencyHistogram();
                long heapUsed = 0;
                for (Host h : hosts) {
                    h.send("REPORT");
                    for (String line : h.untilEnd(Duration.ofMinutes(1))) {
                        if (line.startsWith("HIST endpoint ")) {
                            endpoints.add(LatencyHistogram.decode(line.substring("HIST endpoint ".length())));
                        } else if (line.startsWith("HIST policy ")) {
                            policies.add(LatencyHistogram.decode(line.substring("HIST policy ".length())));
                        } else if (line.startsWith("CPU ")) {
                            heapUsed += Long.parseLong(line.split(" ")[2]);
                        }
                    }
                }

                long endpointRecords = totals.podsStarted() + totals.podsStopped();
                long changes = endpointRecords + totals.identitiesCreated() + totals.policyRecords();
                Map<String, Long> delta = new TreeMap<>();
                // Kafka tags each topic's fetch metrics twice: by its name and by the name with '.' as '_'.
                bytesAfter.forEach((k, v) -> {
                    if ((k.contains(".") || k.equals(AgentHost.FETCHED)) && !k.startsWith(RECORDS)) {
                        delta.put(k, v - bytesBefore.getOrDefault(k, 0L));
                    }
                });
                long agentRecords = (long) agents * changes;
                row(
                        table,
                        "agents / JVMs / partitions per topic / Kafka nodes",
                        "%,d in %d JVMs (%s heap each), %d, %d",
                        agents,
                        jvms,
                        heap,
                        partitions,
                        brokers);
                row(
                        table,
                        "policy distribution",
                        "%s",
                        fetch
                                ? "fetch: agents follow the revisions topic and fetch their own subjects' maps over gRPC"
                                : "topic: every agent reads every policy map");
                row(
                        table,
                        "state published by",
                        "%s",
                        realServices
                                ? "the real identity and policy services (JVMs of their own; pods via gRPC"
                                        + " RegisterEndpoint/DeregisterEndpoint, policies via PUT/DELETE /v1/policies);"
                                        + " nodes by the driver, as IPAM would (IPAM not in the loop)"
                                : "the driver, as the identity and policy services would (services not in the loop)");
                row(
                        table,
                        "seed",
                        "%,d identities with %d policy entries, %,d pods on %,d nodes",
                        plan.seedIdentities(),
                        plan.policyEntries(),
                        plan.seedPodsPerNode() * plan.nodes(),
                        plan.nodes());
                row(table, "all agents bootstrapped (cold, together)", "%,d ms", bootstrapAll);
                row(
                        table,
                        "churn",
                        "%.0f s: %,d pod starts + %,d stops (%.0f/s each), %,d new identities, %,d policy changes (%,d policy records)",
                        churnSeconds,
                        totals.podsStarted(),
                        totals.podsStopped(),
                        plan.podRate(),
                        totals.identitiesCreated(),
                        totals.policyChanges(),
                        totals.policyRecords());
                row(table, "endpoint -> ipcache, every agent", "%s", describe(endpoints));
                row(table, "policy change -> every affected agent's map", "%s", describe(policies));
                row(
                        table,
                        "agent bootstrap under load (restarts)",
                        "%s",
                        bootstrapLines.stream()
                                .map(l -> l.split(" ")[0] + " " + l.split(" ")[1] + " ms")
                                .toList());
                row(
                        table,
                        "agent JVMs CPU",
                        "%.2f cores during the churn; %,.0f CPU-s to the audit's end: %.1f us per agent per record (%,d records per agent)",
                        agentCpuChurn / 1e9 / churnSeconds,
                        agentCpu / 1e9,
                        agentCpu / 1e3 / agentRecords,
                        changes);
                row(
                        table,
                        "broker JVM CPU (with the driver)",
                        "%.2f cores during the churn; %,.0f CPU-s to the audit's end",
                        brokerCpuChurn / 1e9 / churnSeconds,
                        brokerCpu / 1e9);
                row(
                        table,
                        "broker bytes sent per change",
                        "%,d (%,d bytes out over %,d changes)",
                        brokerOut / Math.max(1, changes),
                        brokerOut,
                        changes);
                delta.keySet().removeIf(topic -> recordsOf(topic, totals) == 0);
                // Records: those the agents' consumers counted (a restarted agent's re-read included) against the
                // events the driver made; the services may publish more than one record per event.
                delta.forEach((topic, bytes) -> row(
                        table,
                        "bytes received per agent per record: " + topic.replaceFirst("^scale-[^.]*\\.", ""),
                        "%,d (%,d events; %,d records received per agent)",
                        bytes / agents / recordsOf(topic, totals),
                        recordsOf(topic, totals),
                        (bytesAfter.getOrDefault(RECORDS + topic, 0L) - bytesBefore.getOrDefault(RECORDS + topic, 0L))
                                / agents));
                row(
                        table,
                        "policy bytes an agent needed / received",
                        "%.2f%% (%,d of %,d bytes per agent, mean over the cluster's %,d nodes)",
                        100.0 * totals.policyBytesNeeded() / Math.max(1, (long) plan.nodes() * totals.policyBytes()),
                        totals.policyBytesNeeded() / plan.nodes(),
                        totals.policyBytes(),
                        plan.nodes());
                if (driver instanceof ServicesChurnDriver real) {
                    row(
                            table,
                            "policy recompute per change (PUT -> last subject's map on the topic)",
                            "%s; %d changes not published; topics settled %,d ms after the churn",
                            describe(real.recompute()),
                            real.changesNotPublished(),
                            settleMillis);
                    row(table, "service calls failed", "%s", real.failures());
                    for (int i = 0; i < 2; i++) {
                        row(
                                table,
                                (i == 0 ? "identity" : "policy") + " service JVM CPU",
                                "%.2f cores during the churn; %,.0f CPU-s to the audit's end",
                                (serviceCpuChurn[i] - serviceCpuBefore[i]) / 1e9 / churnSeconds,
                                (serviceCpu(services)[i] - serviceCpuBefore[i]) / 1e9);
                    }
                } else {
                    row(
                            table,
                            "policy recompute per change",
                            "%s",
                            "not in this run (the topics are fed as the policy service publishes)");
                }
                row(
                        table,
                        "final audit (every agent's maps vs the topics)",
                        "%d agents differ: %,d lost, %,d stale entries (%,d ms)",
                        differing,
                        lost,
                        stale,
                        auditMillis);
                row(
                        table,
                        "agent JVMs heap live after the run (after a GC)",
                        "%,d MB (%,d KB per agent)",
                        heapUsed >> 20,
                        heapUsed / 1024 / agents);
                row(
                        table,
                        "machine",
                        "%d CPUs; before churn %s; after %s",
                        Runtime.getRuntime().availableProcessors(),
                        loadBefore,
                        loadAfter);
                System.out.println();
                System.out.print(table);
                audit.forEach(l -> System.out.println("  " + l));
            }
        } finally {
            for (Host h : hosts) {
                h.send("QUIT");
                if (!h.process().waitFor(60, TimeUnit.SECONDS)) {
                    h.process().destroyForcibly();
                }
            }
            if (policyService != null) {
                policyService.stop();
            }
            deleteRecursively(dataDir);
        }
    }

    private long recordsOf(String topic, ChurnDriver.Totals totals) {
        if (topic.endsWith(".endpoints")) {
            return totals.podsStarted() + totals.podsStopped();
        }
        if (topic.endsWith(".identities")) {
            return totals.identitiesCreated();
        }
        // Per policy record published: a revision every agent reads, a map fetched by the agents that need it.
        if (topic.endsWith(".policy") || topic.endsWith(".revisions") || topic.equals(AgentHost.FETCHED)) {
            return totals.policyRecords();
        }
        return 0;
    }

    private static void row(StringBuilder table, String name, String format, Object... args) {
        table.append(String.format("| %-48s | %s |%n", name, String.format(format, args)));
    }

    private static String describe(LatencyHistogram h) {
        return String.format(
                "p50 %,d ms, p99 %,d ms, max %,d ms (%,d samples)",
                h.percentile(0.50), h.percentile(0.99), h.max(), h.count());
    }

    private Host spawn(int index, String servers, StateTopics topics, int first, int count, String policyMaps)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "-XX:+UseParallelGC",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Dorg.jboss.logging.provider=jboss"));
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("consumer."))
                .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
        if (policyMaps != null) {
            command.add("-Dpolicy.maps=" + policyMaps);
        }
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                "dev.tendril.agent.sim.AgentHostProcess",
                servers,
                topics.identities().substring(0, topics.identities().lastIndexOf('.')),
                plan.nodePrefix(),
                Integer.toString(first),
                Integer.toString(count)));
        Process p = new ProcessBuilder(command)
                // Its stderr in a file of its own: why a JVM died is there (deleted with the run's data otherwise).
                .redirectError(
                        Path.of(System.getProperty("java.io.tmpdir"), "tendril-churn-agent-jvm-" + index + ".err")
                                .toFile())
                .start();
        BlockingQueue<String> out = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("agent-jvm-" + index).start(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.startsWith(ANSWER)) {
                        out.add(line.substring(ANSWER.length()));
                    }
                }
            } catch (IOException e) {
                out.add("FAILED " + e);
            }
            out.add("FAILED exited (its stderr: " + System.getProperty("java.io.tmpdir") + "/tendril-churn-agent-jvm-"
                    + index + ".err)");
        });
        return new Host(
                index, first, count, p, new PrintWriter(p.getOutputStream(), false, StandardCharsets.UTF_8), out);
    }

    /** Topics mode: {@link ChurnDriver}, feeding {@code policyService} in fetch mode; real: the services' driver. */
    private ClusterChurn driver(
            String servers, StateTopics topics, ServiceJvms services, PolicyMapsServer policyService) {
        if (services != null) {
            return new ServicesChurnDriver(
                    plan,
                    servers,
                    topics,
                    "127.0.0.1:" + services.identity().port(),
                    services.policy().url());
        }
        ChurnDriver driver = new ChurnDriver(plan, servers, topics, Map.of());
        if (policyService != null) {
            driver.servingMapsTo(policyService::put);
        }
        return driver;
    }

    /** The identity and the policy service's CPU so far (zeros in topics mode). */
    private static long[] serviceCpu(ServiceJvms services) {
        return services == null
                ? new long[2]
                : new long[] {services.identity().cpuNanos(), services.policy().cpuNanos()};
    }

    /** Per topic the bytes the agents consumed so far, and under {@link #RECORDS} + topic the records. */
    private static Map<String, Long> consumed(List<Host> hosts) throws InterruptedException {
        Map<String, Long> bytes = new TreeMap<>();
        for (Host h : hosts) {
            h.send("CONSUMED");
            for (String line : h.untilEnd(Duration.ofMinutes(1))) {
                String[] f = line.split(" ");
                bytes.merge(f[1], Long.parseLong(f[2]), Long::sum);
                bytes.merge(RECORDS + f[1], Long.parseLong(f[3]), Long::sum);
            }
        }
        return bytes;
    }

    private static long agentCpu(List<Host> hosts) {
        long sum = 0;
        for (Host h : hosts) {
            sum += h.process().info().totalCpuDuration().orElse(Duration.ZERO).toNanos();
        }
        return sum;
    }

    /** One broker, or a {@link KafkaCluster} of three in-process KRaft nodes (three copies, min ISR 2). */
    private record Brokers(KafkaBroker single, KafkaCluster cluster) implements AutoCloseable {

        static Brokers start(Path dataDir, int count) {
            if (count == 1) {
                return new Brokers(KafkaBroker.start(dataDir.resolve("kafka"), 0), null);
            }
            if (count != 3) {
                throw new IllegalArgumentException("-Dbrokers must be 1 or 3, was " + count);
            }
            return new Brokers(null, KafkaCluster.start(dataDir, count));
        }

        String bootstrapServers() {
            return single != null ? single.bootstrapServers() : cluster.bootstrapServers();
        }

        @Override
        public void close() {
            if (single != null) {
                single.stop();
            } else {
                cluster.stop();
            }
        }
    }

    /** The broker's BytesOutPerSec meter (all topics), or -1 where it is not registered. */
    private static long brokerBytesOut() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            return ((Number) server.getAttribute(
                            new ObjectName("kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec"), "Count"))
                    .longValue();
        } catch (javax.management.JMException e) {
            return -1;
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    // Strong references: a collected logger would lose its level.
    private static final List<java.util.logging.Logger> QUIETED = new ArrayList<>();

    private static void quietKafkaLogs() {
        for (String name : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
            java.util.logging.Logger logger =
                    org.jboss.logmanager.LogContext.getSystemLogContext().getLogger(name);
            logger.setLevel(java.util.logging.Level.WARNING);
            QUIETED.add(logger);
        }
    }

    private static long millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static String loadAverage() {
        return "load average " + dev.tendril.testing.MachineLoad.averages();
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
