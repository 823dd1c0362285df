package dev.tendril.agent.sim;

import dev.tendril.agent.adapters.PolicyFetcher;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.api.v1.GetPolicyMapsRequest;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.api.v1.PolicyMapsGrpc;
import dev.tendril.datapath.maps.BpfMap;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Simulated agents of one JVM in a churn run: each its own {@link SimulatedAgent} (own consumer, decoding, image and
 * in-memory maps), timed as it writes. Once a {@link Schedule} is set, the first write of churn pod {@code k}'s
 * address into an agent's ipcache, and the first write of policy change {@code j}'s entry into any of its policy
 * maps ({@link ChurnMarks}), are recorded against the event's scheduled time: open-loop latencies, a driver running
 * late counts against them. An agent restarted ({@link #restart}) starts from empty maps and is timed to its
 * bootstrap; its writes before that are not latencies.
 *
 * <p>With a policy service address ({@code host:port} of a {@code PolicyMaps} server), every agent runs in fetch mode:
 * it follows the revisions topic and fetches its own subjects' maps over a gRPC channel of its own, as a real agent
 * does; the answers' bytes are counted as {@link #FETCHED} in {@link #consumed()}.
 */
public final class AgentHost implements AutoCloseable {

    /** When churn pod {@code k} and policy change {@code j} were due, in microseconds since the epoch. */
    public record Schedule(long startMicros, double podsPerSecond, long policyIntervalMicros) {

        long podDue(int k) {
            return startMicros + (long) (k * 1e6 / podsPerSecond);
        }

        long changeDue(int j) {
            return startMicros + j * policyIntervalMicros;
        }
    }

    /** The name under which {@link #consumed()} counts the policy maps fetched over gRPC (bytes, maps). */
    public static final String FETCHED = "grpc:GetPolicyMaps";

    /** Consumer totals of the agents of this JVM, those restarted away included. */
    public record Consumed(Map<String, Long> bytesByTopic, Map<String, Long> recordsByTopic) {}

    private final String servers;
    private final StateTopics topics;
    private final Path stateDir;
    private final Map<String, String> consumerOverrides;
    // Null: the agents follow the policy topic whole.
    private final String policyMaps;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final AtomicLong fetchedBytes = new AtomicLong();
    private final AtomicLong fetchedMaps = new AtomicLong();
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final LatencyHistogram endpoints = new LatencyHistogram();
    private final LatencyHistogram policies = new LatencyHistogram();
    private final Map<String, Long> retiredBytes = new TreeMap<>();
    private final Map<String, Long> retiredRecords = new TreeMap<>();
    private volatile Schedule schedule;

    /** One agent and what it has written since it started. */
    private static final class Slot {
        final SimulatedAgent agent;
        final BitSet pods = new BitSet();
        final BitSet changes = new BitSet();

        Slot(SimulatedAgent agent) {
            this.agent = agent;
        }
    }

    public AgentHost(String servers, StateTopics topics, Path stateDir, Map<String, String> consumerOverrides) {
        this(servers, topics, stateDir, consumerOverrides, null);
    }

    /** {@code policyMaps}: the {@code host:port} of the policy service agents fetch from; null for topic mode. */
    public AgentHost(
            String servers,
            StateTopics topics,
            Path stateDir,
            Map<String, String> consumerOverrides,
            String policyMaps) {
        this.servers = servers;
        this.topics = topics;
        this.stateDir = stateDir;
        this.consumerOverrides = Map.copyOf(consumerOverrides);
        this.policyMaps = policyMaps;
    }

    /** Starts the agent of each node without waiting for its bootstrap. */
    public void start(List<String> nodes) {
        for (String node : nodes) {
            startAgent(node);
        }
    }

    private void startAgent(String node) {
        SimulatedAgent agent = SimulatedAgent.start(
                node, servers, topics, stateDir, this::written, consumerOverrides, policySource(node));
        slots.put(node, new Slot(agent));
    }

    /** The node's own channel to the policy service (a new one after a restart), counting what it receives. */
    private PolicyFetcher.Source policySource(String node) {
        if (policyMaps == null) {
            return null;
        }
        ManagedChannel channel = Grpc.newChannelBuilder(policyMaps, InsecureChannelCredentials.create())
                .build();
        ManagedChannel old = channels.put(node, channel);
        if (old != null) {
            old.shutdownNow();
        }
        return subjects -> {
            GetPolicyMapsResponse answer = PolicyMapsGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getPolicyMaps(GetPolicyMapsRequest.newBuilder()
                            .addAllSubjects(
                                    subjects.stream().map(Long::intValue).toList())
                            .build());
            fetchedBytes.addAndGet(answer.getSerializedSize());
            fetchedMaps.addAndGet(answer.getMapsCount());
            return answer;
        };
    }

    /** Waits until every agent bootstrapped; false when {@code guard} passed first. */
    public boolean awaitBootstrapped(Duration guard) throws InterruptedException {
        long deadline = System.nanoTime() + guard.toNanos();
        while (!slots.values().stream().allMatch(s -> s.agent.bootstrapped())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    public void schedule(Schedule schedule) {
        this.schedule = schedule;
    }

    private void written(SimulatedAgent agent, String map, List<BpfMap.Entry> entries) {
        Schedule s = schedule;
        Slot slot = slots.get(agent.nodeName());
        if (s == null || slot == null || slot.agent != agent) {
            return;
        }
        long now = nowMicros();
        boolean timed = agent.bootstrapped();
        boolean ipcache = map.equals(NodeMapsReconciler.IPCACHE_MAP);
        for (BpfMap.Entry e : entries) {
            if (ipcache) {
                int k = ChurnMarks.podOf(e.key());
                if (k >= 0 && !slot.pods.get(k)) {
                    slot.pods.set(k);
                    if (timed) {
                        endpoints.record(now - s.podDue(k));
                    }
                }
            } else {
                int j = ChurnMarks.changeOf(e.key());
                if (j >= 0 && !slot.changes.get(j)) {
                    slot.changes.set(j);
                    if (timed) {
                        policies.record(now - s.changeDue(j));
                    }
                }
            }
        }
    }

    /** Stops the node's agent and starts it again with empty maps; returns the time to its bootstrap. */
    public Duration restart(String node, Duration guard) throws InterruptedException {
        Slot old = slots.get(node);
        retire(node);
        old.agent.close();
        long start = System.nanoTime();
        startAgent(node);
        SimulatedAgent agent = slots.get(node).agent;
        long deadline = start + guard.toNanos();
        while (!agent.bootstrapped() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private synchronized void retire(String node) {
        consumerTotals("tendril-agent-" + node, retiredBytes, retiredRecords);
    }

    public synchronized Consumed consumed() {
        Map<String, Long> bytes = new TreeMap<>(retiredBytes);
        Map<String, Long> records = new TreeMap<>(retiredRecords);
        consumerTotals("tendril-agent-*", bytes, records);
        if (policyMaps != null) {
            bytes.put(FETCHED, fetchedBytes.get());
            records.put(FETCHED, fetchedMaps.get());
        }
        return new Consumed(bytes, records);
    }

    /** Adds the fetch metrics of the matching consumers, per topic, from this JVM's MBean server. */
    private static void consumerTotals(String clientId, Map<String, Long> bytes, Map<String, Long> records) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            ObjectName pattern = new ObjectName(
                    "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=" + clientId + ",topic=*");
            for (ObjectName name : server.queryNames(pattern, null)) {
                String topic = name.getKeyProperty("topic");
                bytes.merge(topic, ((Number) server.getAttribute(name, "bytes-consumed-total")).longValue(), Long::sum);
                records.merge(
                        topic, ((Number) server.getAttribute(name, "records-consumed-total")).longValue(), Long::sum);
            }
        } catch (javax.management.JMException e) {
            throw new IllegalStateException("cannot read the consumers' fetch metrics: " + e, e);
        }
    }

    public LatencyHistogram endpointLatencies() {
        return endpoints;
    }

    public LatencyHistogram policyLatencies() {
        return policies;
    }

    public List<SimulatedAgent> agents() {
        return slots.values().stream().map(s -> s.agent).toList();
    }

    /**
     * Every agent's maps against the topics' content, repeated while some differ (an agent still catching up)
     * until all match or {@code guard} passed: the diffs of the last pass, the differing ones only.
     */
    public List<MapsAudit.Diff> audit(Map<String, String> clientProperties, Duration guard)
            throws InterruptedException {
        NodeImage desired = MapsAudit.desired(servers, topics, clientProperties);
        long deadline = System.nanoTime() + guard.toNanos();
        while (true) {
            List<MapsAudit.Diff> differing = new ArrayList<>();
            for (SimulatedAgent agent : agents()) {
                MapsAudit.Diff d = MapsAudit.diff(agent, desired);
                if (!d.clean()) {
                    differing.add(d);
                }
            }
            if (differing.isEmpty() || System.nanoTime() > deadline) {
                return differing;
            }
            Thread.sleep(500);
        }
    }

    /** Microseconds since the epoch: the clock every JVM of a run shares. */
    public static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    @Override
    public void close() {
        slots.values().forEach(s -> s.agent.close());
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
