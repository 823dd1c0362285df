package dev.tendril.agent.sim;

import com.google.protobuf.ByteString;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.api.v1.SubjectPolicyRevision;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a cluster's state and its churn as the identity and policy services do, into the state topics: a seed
 * ({@code nodes} nodes, {@code seedIdentities} identities each with its policy map, {@code seedPodsPerNode} pods per
 * node), then for {@code duration}, open loop on a fixed schedule: churn pod {@code k} starts at {@code k / podRate}
 * seconds on node {@code k mod nodes} (every {@code podsPerNewIdentity}-th with a new identity, published with its
 * policy map first) and, once {@code livePods} run, the oldest churn pod stops (a tombstone) at the same moment; every
 * {@code policyInterval} policy change {@code j} republishes the maps of {@code subjectsPerChange} seed identities
 * (whose pods never stop) with an ingress entry on port {@link ChurnMarks#changePort}({@code j}) added. Addresses and
 * ports follow {@link ChurnMarks}, so agents' writes can be timed against the schedule.
 */
public final class ChurnDriver implements ClusterChurn {

    /** The shape of a run; see the class comment. */
    public record Plan(
            int nodes,
            String nodePrefix,
            int seedIdentities,
            int seedPodsPerNode,
            int policyEntries,
            double podRate,
            int livePods,
            int podsPerNewIdentity,
            Duration policyInterval,
            int subjectsPerChange,
            Duration duration) {}

    /**
     * What the churn produced.
     *
     * @param policyBytes the policy records' value bytes
     * @param policyBytesNeeded per policy record its value bytes times the nodes running a pod of its subject (the
     *     agents that write it), summed over the cluster's nodes: what the nodes' agents would receive if each read
     *     only its own subjects' maps
     */
    public record Totals(
            int podsStarted,
            int podsStopped,
            int identitiesCreated,
            int policyChanges,
            int policyRecords,
            long policyBytes,
            long policyBytesNeeded) {}

    static final int FIRST_IDENTITY = 256;
    /** Churn identities (new label sets) after the seed's. */
    static final int FIRST_CHURN_IDENTITY = 1 << 20;

    private final Plan plan;
    private final StateTopics topics;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<Long, Integer> revisions = new HashMap<>();
    // Fetch mode: the policy service's store the agents fetch from; null when they follow the policy topic whole.
    private Consumer<SubjectPolicyMap> policyService;
    private final Map<Long, ArrayDeque<Integer>> changePorts = new HashMap<>();
    private final Set<String> liveEndpoints = new TreeSet<>();
    private final ArrayDeque<String> runningChurnPods = new ArrayDeque<>();
    /** Live pods per identity and node, for the agents that need an identity's policy map. */
    private final Map<Long, Map<String, Integer>> podsOf = new HashMap<>();

    private final Map<String, Endpoint> published = new HashMap<>();
    private int identitiesCreated;
    private int policyRecords;
    private long policyBytes;
    private long policyBytesNeeded;
    private Totals last;

    public ChurnDriver(Plan plan, String servers, StateTopics topics, Map<String, Object> producerProperties) {
        this.plan = plan;
        this.topics = topics;
        Properties p = new Properties();
        p.putAll(producerProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // As the services' relays publish each event: no waiting for a batch.
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        this.producer = new KafkaProducer<>(p);
    }

    /**
     * Fetch mode, as the policy service publishes: every map goes to {@code policyService} (what its
     * {@code GetPolicyMaps} answers) and the policy topic, and then its revision to the revisions topic.
     */
    public ChurnDriver servingMapsTo(Consumer<SubjectPolicyMap> policyService) {
        this.policyService = policyService;
        return this;
    }

    public List<String> nodeNames() {
        List<String> out = new ArrayList<>();
        for (int n = 1; n <= plan.nodes(); n++) {
            out.add(SimulatedCluster.nodeName(plan.nodePrefix(), n));
        }
        return out;
    }

    /** The seed, flushed. */
    @Override
    public void seed() {
        for (int n = 1; n <= plan.nodes(); n++) {
            String name = SimulatedCluster.nodeName(plan.nodePrefix(), n);
            producer.send(
                    new ProducerRecord<>(topics.nodes(), name, node(name, n).toByteArray()));
        }
        for (int i = 0; i < plan.seedIdentities(); i++) {
            long id = FIRST_IDENTITY + i;
            publishIdentity(id);
        }
        int pods = plan.nodes() * plan.seedPodsPerNode();
        for (int i = 0; i < pods; i++) {
            // An identity's pods on different nodes, as a Deployment's replicas spread (shifted by one node for
            // each round over the identities: otherwise 10,000 identities on 1,000 nodes would keep every
            // identity's pods on one node).
            int round = i / plan.seedIdentities();
            String node = SimulatedCluster.nodeName(plan.nodePrefix(), 1 + (i + round) % plan.nodes());
            long identity = FIRST_IDENTITY + i % plan.seedIdentities();
            String ip = "10." + ((i >> 16) & 0x7F) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
            publishEndpoint("seed", "pod-" + i, node, ip, identity);
        }
        producer.flush();
    }

    @Override
    public Totals churn(long startMicros, List<Duration> restartTimes, IntConsumer restart) {
        long startNanos = System.nanoTime() - (AgentHost.nowMicros() - startMicros) * 1000;
        identitiesCreated = 0;
        policyRecords = 0;
        policyBytes = 0;
        policyBytesNeeded = 0;
        int[] stopped = {0};
        ChurnSchedule.Counts ran = ChurnSchedule.run(
                plan,
                startNanos,
                restartTimes,
                k -> {
                    startPod(k);
                    if (runningChurnPods.size() > plan.livePods()) {
                        stopPod(runningChurnPods.poll());
                        stopped[0]++;
                    }
                },
                this::changePolicy,
                restart);
        producer.flush();
        last = new Totals(
                ran.pods(),
                stopped[0],
                identitiesCreated,
                ran.policyChanges(),
                policyRecords,
                policyBytes,
                policyBytesNeeded);
        return last;
    }

    /** Nothing to wait for: {@link #churn} flushed its records. */
    @Override
    public Totals settle(Duration guard) {
        return last;
    }

    /** The endpoint keys the driver published and did not delete since. */
    public Set<String> liveEndpoints() {
        return Set.copyOf(liveEndpoints);
    }

    private void startPod(int k) {
        long identity = FIRST_CHURN_IDENTITY + k / plan.podsPerNewIdentity();
        if (k % plan.podsPerNewIdentity() == 0) {
            identitiesCreated++;
            publishIdentity(identity);
        }
        String node = SimulatedCluster.nodeName(plan.nodePrefix(), 1 + k % plan.nodes());
        String pod = "pod-" + k;
        publishEndpoint("churn", pod, node, ChurnMarks.podAddress(k), identity);
        runningChurnPods.add("churn/" + pod);
    }

    private void stopPod(String key) {
        producer.send(new ProducerRecord<>(topics.endpoints(), key, null));
        liveEndpoints.remove(key);
        Endpoint e = published.remove(key);
        Map<String, Integer> nodes = podsOf.get((long) e.getIdentity());
        if (nodes.merge(e.getNode(), -1, Integer::sum) == 0) {
            nodes.remove(e.getNode());
        }
    }

    private void changePolicy(int j) {
        for (int s = 0; s < plan.subjectsPerChange(); s++) {
            long subject = FIRST_IDENTITY + ((long) j * plan.subjectsPerChange() + s) % plan.seedIdentities();
            ArrayDeque<Integer> ports = changePorts.computeIfAbsent(subject, x -> new ArrayDeque<>());
            ports.add(ChurnMarks.changePort(j));
            // A policy replaced rather than one growing without end: the oldest change's entry goes.
            if (ports.size() > 4) {
                ports.poll();
            }
            publishPolicy(subject, 0);
        }
    }

    private void publishIdentity(long id) {
        Identity identity = Identity.newBuilder()
                .setId((int) id)
                .addLabels(Label.newBuilder().setSource("k8s").setKey("app").setValue("app-" + id))
                .addLabels(Label.newBuilder()
                        .setSource("k8s")
                        .setKey("io.kubernetes.pod.namespace")
                        .setValue("ns-" + id % 100))
                .build();
        producer.send(new ProducerRecord<>(topics.identities(), Long.toString(id), identity.toByteArray()));
        // A new identity's pods follow its map: on as many nodes as it gets pods.
        publishPolicy(id, id >= FIRST_CHURN_IDENTITY ? Math.min(plan.podsPerNewIdentity(), plan.nodes()) : 0);
    }

    /** What the policy service publishes for a subject: allow-all egress, ingress TCP from a few peers, the changes. */
    private void publishPolicy(long subject, int nodesToCome) {
        int revision = revisions.merge(subject, 1, Integer::sum);
        SubjectPolicyMap.Builder b = SubjectPolicyMap.newBuilder()
                .setSubject((int) subject)
                .setRevision(revision)
                .setPolicyRevision(revision);
        b.addEntries(entry(PolicyMapKey.anyProtocol(0, Direction.EGRESS), "allow-egress"));
        for (int e = 1; e < plan.policyEntries(); e++) {
            long peer = FIRST_IDENTITY + (subject + e) % plan.seedIdentities();
            b.addEntries(entry(PolicyMapKey.of(peer, Direction.INGRESS, IpProtocol.TCP, 8000 + e), "allow-" + e));
        }
        for (int port : changePorts.getOrDefault(subject, new ArrayDeque<>())) {
            long peer = FIRST_IDENTITY + (subject + port) % plan.seedIdentities();
            b.addEntries(entry(PolicyMapKey.of(peer, Direction.INGRESS, IpProtocol.TCP, port), "change-" + port));
        }
        SubjectPolicyMap map = b.build();
        byte[] value = map.toByteArray();
        policyRecords++;
        policyBytes += value.length;
        policyBytesNeeded +=
                (long) value.length * (podsOf.getOrDefault(subject, Map.of()).size() + nodesToCome);
        if (policyService != null) {
            policyService.accept(map); // answerable before its revision is announced, as the service's replicas
        }
        producer.send(new ProducerRecord<>(topics.policy(), Long.toString(subject), value));
        if (policyService != null) {
            byte[] announced = SubjectPolicyRevision.newBuilder()
                    .setSubject((int) subject)
                    .setRevision(revision)
                    .build()
                    .toByteArray();
            producer.send(new ProducerRecord<>(topics.policyRevisions(), Long.toString(subject), announced));
        }
    }

    private void publishEndpoint(String namespace, String pod, String node, String ip, long identity) {
        Endpoint e = Endpoint.newBuilder()
                .setNamespace(namespace)
                .setPod(pod)
                .setUid(UUID.nameUUIDFromBytes(
                                (namespace + "/" + pod).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .toString())
                .setNode(node)
                .setIpv4(ip)
                .setIdentity((int) identity)
                .putLabels("app", "app-" + identity)
                .setServiceAccount("default")
                .build();
        String key = namespace + "/" + pod;
        producer.send(new ProducerRecord<>(topics.endpoints(), key, e.toByteArray()));
        liveEndpoints.add(key);
        published.put(key, e);
        podsOf.computeIfAbsent(identity, x -> new HashMap<>()).merge(node, 1, Integer::sum);
    }

    private static PolicyMapEntry entry(PolicyMapKey key, String policy) {
        return PolicyMapEntry.newBuilder()
                .setKey(ByteString.copyFrom(key.encode()))
                .setValue(ByteString.copyFrom(PolicyMapValue.allow(key).encode()))
                .addPolicies("NetworkPolicy/bench/" + policy)
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

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
