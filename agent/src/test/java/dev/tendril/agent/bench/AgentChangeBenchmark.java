package dev.tendril.agent.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.adapters.DatapathMaps;
import dev.tendril.agent.adapters.NodeStateConsumer;
import dev.tendril.agent.bpf.BpfSyscalls;
import dev.tendril.agent.bpf.KernelBpfMap;
import dev.tendril.agent.bpf.KernelMapBackend;
import dev.tendril.agent.sim.StandaloneAgentConfig;
import dev.tendril.agent.state.InMemoryMapBackend;
import dev.tendril.agent.state.MapBackend;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Load driver for docs/BENCHMARKS.md (not a test; {@code verify} never runs it): what one change of the
 * cluster costs a node agent writing real kernel eBPF maps, in bpf(2) calls and CPU. The production
 * {@link NodeStateConsumer} and {@link DatapathMaps} run on a {@link KernelMapBackend} pinned in a fresh
 * directory under the bpffs (removed at the end), or with {@code -Dbackend=memory} on the
 * {@link InMemoryMapBackend} the simulated agents use; records go in through the consumer's own entry points
 * ({@link NodeStateConsumer#bootstrap} with a snapshot of the four topics, then
 * {@link NodeStateConsumer#apply} with one record per batch, as a poll returns it while changes trickle
 * in), so Kafka's own cost is left out and every figure is the agent's.
 *
 * <p>The cluster: {@code nodes} nodes, {@code endpoints} endpoints of which {@code localEndpoints} on this
 * agent's node ({@code node-1}), {@code identities} identities each with a policy of {@code policyEntries}
 * entries; the ipcache holds every endpoint and node address. Then, each timed on the calling thread
 * (thread CPU, user + system, so the kernel's work in bpf(2) counts) and counted in bpf(2) calls
 * ({@link BpfSyscalls}):
 *
 * <ul>
 *   <li>{@code changes} endpoint changes on other nodes, in turn a new endpoint, an endpoint whose
 *       identity changed, an endpoint deleted;</li>
 *   <li>{@code policyChanges} new revisions of a local endpoint's identity's policy, one entry changed;</li>
 *   <li>{@code localChanges} local endpoints whose identity changed (a relabel).</li>
 * </ul>
 *
 * Before them, {@code warmup} remote endpoint changes (one per batch, not reported) let the JIT compile the
 * path; after the one-per-batch phase, the remote endpoint changes are repeated for every batch size of
 * {@code batches} above 1 ({@code changes} records, {@code batch} per {@link NodeStateConsumer#apply} call,
 * as a poll returns them when records arrive faster than the agent follows): CPU per record is the batch's
 * CPU divided by its records, so the share of a batch's fixed cost shows. Every phase also reports the bytes
 * the thread allocated per record (the copies a batch makes).
 *
 * <p>At the end a full reconcile (the agent's periodic pass) says how many entries the per-batch writes had
 * left wrong: 0 expected. Needs root or CAP_BPF and a bpffs at {@code bpffs}.
 *
 * <p>System properties (defaults): {@code endpoints} (149000), {@code nodes} (1000: with the endpoints a
 * 150,000-entry ipcache), {@code localEndpoints} (150), {@code identities} (10000), {@code policyEntries}
 * (8), {@code changes} (1000), {@code policyChanges} (100), {@code localChanges} (100), {@code bpffs}
 * ({@code /sys/fs/bpf}), {@code backend} ({@code bpf}, or {@code memory}: no root needed), {@code warmup} (0),
 * {@code batches} (1: records per batch of the remote endpoint changes, a comma-separated list).
 */
public final class AgentChangeBenchmark {

    private static final int FIRST_IDENTITY = 256;
    private static final String NODE = "node-1";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.ThreadMXBean ALLOCATIONS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final int endpoints = Integer.getInteger("endpoints", 149_000);
    private final int nodes = Integer.getInteger("nodes", 1_000);
    private final int localEndpoints = Integer.getInteger("localEndpoints", 150);
    private final int identities = Integer.getInteger("identities", 10_000);
    private final int policyEntries = Integer.getInteger("policyEntries", 8);
    private final int changes = Integer.getInteger("changes", 1_000);
    private final int policyChanges = Integer.getInteger("policyChanges", 100);
    private final int localChanges = Integer.getInteger("localChanges", 100);
    private final int warmup = Integer.getInteger("warmup", 0);
    private final int[] batches = Arrays.stream(
                    System.getProperty("batches", "1").split(","))
            .map(String::trim)
            .mapToInt(Integer::parseInt)
            .toArray();
    private final boolean memory = System.getProperty("backend", "bpf").equals("memory");
    private final StandaloneAgentConfig config;
    private final Map<String, Long> offsets = new TreeMap<>();
    /** The identity and policy revision each endpoint and subject has now, by index. */
    private final long[] endpointIdentity;

    private final long[] policyRevision;
    /** Remote endpoint changes made so far, over every phase: each new endpoint gets an index of its own. */
    private int remoteChanges;

    private AgentChangeBenchmark(StandaloneAgentConfig config) {
        this.config = config;
        int remote = warmup
                + changes * (int) Arrays.stream(batches).filter(b -> b > 1).count()
                + changes;
        this.endpointIdentity = new long[endpoints + remote / 3 + 1];
        this.policyRevision = new long[identities];
        if (localEndpoints + 2 * (remote / 3 + 1) >= endpoints) {
            throw new IllegalArgumentException("too few endpoints for " + remote + " remote changes");
        }
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("backend", "bpf").equals("memory")) {
            Path stateDir = Files.createTempDirectory("tendril-bench-changes-");
            try {
                new AgentChangeBenchmark(StandaloneAgentConfig.withoutPeriodicPass(
                                NODE, AgentConfig.Datapath.MEMORY, stateDir.resolve("bpffs"), stateDir))
                        .run();
            } finally {
                deleteRecursively(stateDir);
            }
            return;
        }
        KernelBpfMap.unavailableReason().ifPresent(reason -> {
            System.out.println("agent change benchmark skipped: " + reason);
            System.exit(0);
        });
        Path pins = Path.of(System.getProperty("bpffs", "/sys/fs/bpf"))
                .resolve("tendril-bench-" + UUID.randomUUID().toString().substring(0, 8));
        Path stateDir = Files.createTempDirectory("tendril-bench-changes-");
        try {
            new AgentChangeBenchmark(
                            StandaloneAgentConfig.withoutPeriodicPass(NODE, AgentConfig.Datapath.BPF, pins, stateDir))
                    .run();
        } finally {
            deleteRecursively(pins);
            deleteRecursively(stateDir);
        }
    }

    private void run() {
        System.out.printf(
                "agent change benchmark: %,d endpoints (%d on %s), %,d nodes, %,d identities with %d policy entries; "
                        + "%s; Java %s, %d CPUs, kernel %s, %s%n",
                endpoints,
                localEndpoints,
                NODE,
                nodes,
                identities,
                policyEntries,
                memory ? "in-memory maps" : "bpf maps pinned under " + config.bpffsDir(),
                Runtime.version(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.version"),
                loadAverage());
        MapBackend backend = memory
                ? new InMemoryMapBackend()
                : new KernelMapBackend(config.bpffsDir().resolve(NODE));
        DatapathMaps maps = DatapathMaps.open(config, new SimpleMeterRegistry(), new ObjectMapper(), backend);
        try {
            NodeStateConsumer consumer = NodeStateConsumer.create(config, maps, "unused:9092", Map.of(), null);
            Sample boot = measure(() -> consumer.bootstrap(snapshot()));
            System.out.printf(
                    "bootstrap: %,d records, %,d ms, %,d ms CPU, %,d bpf(2) calls %s; ipcache %,d entries, %d local endpoints%n",
                    consumer.status().recordsApplied(),
                    boot.wallNanos / 1_000_000,
                    boot.cpuNanos / 1_000_000,
                    boot.calls,
                    boot.byCommand,
                    maps.ipcache().size(),
                    maps.localEndpoints().size());

            if (warmup > 0) {
                phase(consumer, warmup, 1, this::remoteChange);
            }
            report("endpoint changes on other nodes", 1, phase(consumer, changes, 1, this::remoteChange));
            for (int batch : batches) {
                if (batch > 1) {
                    report(
                            "endpoint changes on other nodes, " + batch + " per batch",
                            batch,
                            phase(consumer, changes, batch, this::remoteChange));
                }
            }
            report(
                    "policy changes of a local endpoint's identity",
                    1,
                    phase(consumer, policyChanges, 1, this::policyChange));
            report("local endpoint relabels", 1, phase(consumer, localChanges, 1, this::localChange));

            long calls = BpfSyscalls.total();
            NodeMapsReconciler.Outcome full = maps.reconcileCurrent("periodic").orElseThrow();
            System.out.printf(
                    "full reconcile after the changes: corrected %d entries %s (0: the per-batch writes left every map "
                            + "as a full diff wants it), %,d bpf(2) calls; ipcache %,d entries%n",
                    full.total(),
                    full.changes(),
                    BpfSyscalls.total() - calls,
                    maps.ipcache().size());
        } finally {
            maps.close();
        }
    }

    /** The four topics' content, as a bootstrap reads it from the beginning of each. */
    private List<ConsumerRecord<String, byte[]>> snapshot() {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>(2 * identities + nodes + endpoints);
        for (int i = 0; i < identities; i++) {
            long id = FIRST_IDENTITY + i;
            out.add(record(
                    config.sync().identitiesTopic(),
                    Long.toString(id),
                    identity(id).toByteArray()));
            policyRevision[i] = 1;
            out.add(record(
                    config.sync().policyTopic(),
                    Long.toString(id),
                    policy(id, 1).toByteArray()));
        }
        for (int n = 1; n <= nodes; n++) {
            out.add(record(config.sync().nodesTopic(), "node-" + n, node(n).toByteArray()));
        }
        for (int i = 0; i < endpoints; i++) {
            endpointIdentity[i] = FIRST_IDENTITY + i % identities;
            Endpoint e = endpoint(i);
            out.add(record(config.sync().endpointsTopic(), e.getNamespace() + "/" + e.getPod(), e.toByteArray()));
        }
        return out;
    }

    /** In turn: a new endpoint, an identity change, a deletion; never on this node. */
    private ConsumerRecord<String, byte[]> remoteChange(int ignored) {
        int i = remoteChanges++;
        int round = i / 3;
        int index = switch (i % 3) {
            case 0 -> endpoints + round;
            default -> localEndpoints + round * 2 + (i % 3 - 1);
        };
        if (i % 3 == 0) {
            endpointIdentity[index] = FIRST_IDENTITY + index % identities;
        } else if (i % 3 == 1) {
            endpointIdentity[index] = FIRST_IDENTITY + (endpointIdentity[index] - FIRST_IDENTITY + 1) % identities;
        }
        Endpoint e = endpoint(index);
        return record(
                config.sync().endpointsTopic(),
                e.getNamespace() + "/" + e.getPod(),
                i % 3 == 2 ? null : e.toByteArray());
    }

    /** A new revision of a local endpoint's identity's policy: one entry's port changes. */
    private ConsumerRecord<String, byte[]> policyChange(int i) {
        long subject = endpointIdentity[i % localEndpoints];
        int s = (int) (subject - FIRST_IDENTITY);
        policyRevision[s]++;
        return record(
                config.sync().policyTopic(),
                Long.toString(subject),
                policy(subject, policyRevision[s]).toByteArray());
    }

    /** A local endpoint relabelled: another identity, with its own published policy. */
    private ConsumerRecord<String, byte[]> localChange(int i) {
        int index = i % localEndpoints;
        endpointIdentity[index] =
                FIRST_IDENTITY + (endpointIdentity[index] - FIRST_IDENTITY + localEndpoints) % identities;
        Endpoint e = endpoint(index);
        return record(config.sync().endpointsTopic(), e.getNamespace() + "/" + e.getPod(), e.toByteArray());
    }

    private ConsumerRecord<String, byte[]> record(String topic, String key, byte[] value) {
        long offset = offsets.merge(topic, 1L, Long::sum) - 1;
        return new ConsumerRecord<>(topic, 0, offset, key, value);
    }

    /** {@code n} changes, {@code size} records per batch (records of a batch are made before it is timed). */
    private static List<Sample> phase(
            NodeStateConsumer consumer, int n, int size, IntFunction<ConsumerRecord<String, byte[]>> change) {
        List<Sample> out = new ArrayList<>(n / size + 1);
        for (int i = 0; i < n; i += size) {
            List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>(size);
            for (int j = i; j < Math.min(n, i + size); j++) {
                batch.add(change.apply(j));
            }
            out.add(measure(() -> consumer.apply(batch)));
        }
        return out;
    }

    /**
     * One run of {@code work} on this thread: wall time, this thread's CPU (user + system), the bytes it
     * allocated, bpf(2) calls.
     */
    private record Sample(long wallNanos, long cpuNanos, long allocated, long calls, Map<String, Long> byCommand) {}

    private static Sample measure(Runnable work) {
        Map<String, Long> before = BpfSyscalls.byCommand();
        long calls = BpfSyscalls.total();
        long bytes = ALLOCATIONS.getCurrentThreadAllocatedBytes();
        long cpu = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        work.run();
        long wall = System.nanoTime() - t0;
        long used = THREADS.getCurrentThreadCpuTime() - cpu;
        long allocated = ALLOCATIONS.getCurrentThreadAllocatedBytes() - bytes;
        Map<String, Long> by = new TreeMap<>();
        BpfSyscalls.byCommand().forEach((cmd, count) -> {
            long d = count - before.getOrDefault(cmd, 0L);
            if (d > 0) {
                by.put(cmd, d);
            }
        });
        return new Sample(wall, used, allocated, BpfSyscalls.total() - calls, by);
    }

    private static void report(String label, int size, List<Sample> samples) {
        if (samples.isEmpty()) {
            return;
        }
        int n = samples.size();
        long[] calls = samples.stream().mapToLong(Sample::calls).sorted().toArray();
        long[] cpu = samples.stream().mapToLong(Sample::cpuNanos).sorted().toArray();
        long[] wall = samples.stream().mapToLong(Sample::wallNanos).sorted().toArray();
        Map<String, Long> byCommand = new TreeMap<>();
        samples.forEach(s -> s.byCommand.forEach((cmd, c) -> byCommand.merge(cmd, c, Long::sum)));
        StringBuilder perCommand = new StringBuilder();
        byCommand.forEach((cmd, c) -> perCommand
                .append(perCommand.isEmpty() ? "" : ", ")
                .append(cmd)
                .append(' ')
                .append(String.format("%.1f", c / (double) n)));
        List<Sample> warm = samples.subList(Math.min(n - 1, n / 10), n);
        if (size > 1) {
            long records = (long) n * size;
            System.out.printf("%s: %,d changes in %,d batches%n", label, records, n);
            System.out.printf(
                    "  CPU per record: mean %s; after the first tenth (warm-up) mean %s; per batch p50 %s, p99 %s; "
                            + "allocated per record %,d bytes; bpf(2) calls per record %.2f (%s)%n",
                    us(Arrays.stream(cpu).average().orElse(0) / size),
                    us(warm.stream().mapToLong(Sample::cpuNanos).average().orElse(0) / size),
                    us(pct(cpu, 0.5)),
                    us(pct(cpu, 0.99)),
                    samples.stream().mapToLong(Sample::allocated).sum() / records,
                    Arrays.stream(calls).sum() / (double) records,
                    perCommand);
            System.out.printf(
                    "  wall per record: mean %s%n",
                    us(Arrays.stream(wall).average().orElse(0) / size));
            return;
        }
        System.out.printf("%s: %,d changes, one per batch%n", label, n);
        System.out.printf(
                "  bpf(2) calls per change: mean %.1f, p50 %d, min %d, max %d (%s)%n",
                Arrays.stream(calls).average().orElse(0), pct(calls, 0.5), calls[0], calls[n - 1], perCommand);
        System.out.printf(
                "  CPU per change: mean %s, p50 %s, p99 %s, max %s; after the first tenth (warm-up) mean %s%n",
                us(Arrays.stream(cpu).average().orElse(0)),
                us(pct(cpu, 0.5)),
                us(pct(cpu, 0.99)),
                us(cpu[n - 1]),
                us(warm.stream().mapToLong(Sample::cpuNanos).average().orElse(0)));
        System.out.printf(
                "  allocated per change: mean %,d bytes%n",
                samples.stream().mapToLong(Sample::allocated).sum() / n);
        System.out.printf(
                "  wall per change: mean %s, p50 %s, p99 %s%n",
                us(Arrays.stream(wall).average().orElse(0)), us(pct(wall, 0.5)), us(pct(wall, 0.99)));
    }

    private static long pct(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static String us(double nanos) {
        return nanos >= 1_000_000
                ? String.format("%,.1f ms", nanos / 1e6)
                : nanos >= 100_000 ? String.format("%,.0f us", nanos / 1e3) : String.format("%,.1f us", nanos / 1e3);
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

    /** Allow-all egress and TCP ingress from a few peers; each revision moves the first peer's port. */
    private SubjectPolicyMap policy(long subject, long revision) {
        SubjectPolicyMap.Builder b = SubjectPolicyMap.newBuilder()
                .setSubject((int) subject)
                .setRevision(revision)
                .setPolicyRevision(revision);
        b.addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), List.of()));
        for (int j = 1; j < policyEntries; j++) {
            long peer = FIRST_IDENTITY + (subject + j) % identities;
            int port = j == 1 ? 8000 + (int) (revision % 1000) * 10 : 8000 + j;
            b.addEntries(entry(
                    PolicyMapKey.of(peer, Direction.INGRESS, IpProtocol.TCP, port),
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

    private static Node node(int n) {
        return Node.newBuilder()
                .setName("node-" + n)
                .addIps("172.16." + (n >> 8) + "." + (n & 0xFF))
                .addPodCidrs("10." + (64 + (n >> 8)) + "." + (n & 0xFF) + ".0/24")
                .setCluster("default")
                .build();
    }

    /** Endpoint i: the first {@code localEndpoints} on this node, the others spread over the other nodes. */
    private Endpoint endpoint(int i) {
        long identity = endpointIdentity[i];
        String node = i < localEndpoints ? NODE : "node-" + (2 + i % (nodes - 1));
        return Endpoint.newBuilder()
                .setNamespace("ns-" + i % 100)
                .setPod("pod-" + i)
                .setUid(new UUID(0x7e4d, i).toString())
                .setNode(node)
                .setIpv4("10." + ((i >> 16) & 0x3F) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF))
                .setIdentity((int) identity)
                .putLabels("app", "app-" + identity)
                .setServiceAccount("default")
                .build();
    }

    private static String loadAverage() {
        return "load average " + dev.tendril.testing.MachineLoad.averages();
    }

    /** Removing a pin unpins the map; the kernel frees it with the last reference. */
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
