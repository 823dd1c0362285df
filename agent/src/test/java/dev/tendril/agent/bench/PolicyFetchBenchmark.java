package dev.tendril.agent.bench;

import com.google.protobuf.ByteString;
import dev.tendril.agent.adapters.PolicyFetcher;
import dev.tendril.agent.sim.SimulatedAgent;
import dev.tendril.agent.sim.SimulatedCluster;
import dev.tendril.agent.sim.StateTopics;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.GetPolicyMapsRequest;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Label;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.PolicyMapEntry;
import dev.tendril.api.v1.PolicyMapsGrpc;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.api.v1.SubjectPolicyRevision;
import dev.tendril.datapath.policymap.Direction;
import dev.tendril.datapath.policymap.IpProtocol;
import dev.tendril.datapath.policymap.PolicyMapKey;
import dev.tendril.datapath.policymap.PolicyMapValue;
import dev.tendril.testing.KafkaBroker;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Load driver for docs/BENCHMARKS.md "Agents: policy maps fetched or followed" (not a test): bytes an agent receives
 * for policy, with {@code policy-source=topic} (tendril.policy whole) and {@code fetch} (tendril.policy.revisions and
 * {@code GetPolicyMaps} of its local subjects), in the same run on the same topics. The in-process KRaft broker of
 * libs/testing; a gRPC {@code PolicyMaps} server in this JVM answering from what the driver published (as the policy
 * service answers from its reading of tendril.policy); {@code agents} simulated agents of each mode on nodes
 * {@code node-1..agents}, started interleaved (the production consumer and maps, in-memory).
 *
 * <p>Seed: {@code nodes} nodes with {@code podsPerNode} pods each, every pod of one of {@code identities} identities
 * (uniform, fixed seed), each identity's map {@code policyEntries} entries at revision 1. Then {@code changes} policy
 * changes, each republishing {@code subjectsPerChange} random subjects' maps (revision + 1, an entry more); after each
 * the driver waits until every agent holds the new revision of every changed subject it has a pod of. Bytes: each
 * agent consumer's {@code bytes-consumed-total} per topic (JMX) and the serialized size of the {@code GetPolicyMaps}
 * answers to its agent (protobuf bytes; HTTP/2 framing not counted), for the bootstrap and per change.
 */
public final class PolicyFetchBenchmark {

    private static final int FIRST_IDENTITY = 256;

    public static void main(String[] args) throws Exception {
        int agents = Integer.getInteger("agents", 10);
        int nodes = Integer.getInteger("nodes", 200);
        int podsPerNode = Integer.getInteger("podsPerNode", 50);
        int identities = Integer.getInteger("identities", 1000);
        int entries = Integer.getInteger("policyEntries", 150);
        int changes = Integer.getInteger("changes", 20);
        int subjectsPerChange = Integer.getInteger("subjectsPerChange", 100);
        System.out.printf(
                "policy fetch benchmark: %d agents per mode, %d nodes x %d pods, %d identities, %d entries per map,"
                        + " %d changes of %d subjects; %d CPUs, load %s%n",
                agents,
                nodes,
                podsPerNode,
                identities,
                entries,
                changes,
                subjectsPerChange,
                Runtime.getRuntime().availableProcessors(),
                loadAverage());
        Path dir = Files.createTempDirectory("tendril-bench-policy-fetch-");
        Map<Integer, SubjectPolicyMap> published = new ConcurrentHashMap<>();
        Map<String, AtomicLong> answered = new ConcurrentHashMap<>();
        try (KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"), 0)) {
            String servers = kafka.bootstrapServers();
            StateTopics topics = StateTopics.prefixed("bench-fetch");
            String revisions = topics.policy() + ".revisions";
            SimulatedCluster.createTopics(servers, topics, 1);
            createCompacted(servers, revisions);
            Server server = policyService(published);
            ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", server.getPort())
                    .usePlaintext()
                    .build();
            Random random = new Random(20);
            try (KafkaProducer<String, byte[]> producer = producer(servers)) {
                for (int i = 0; i < identities; i++) {
                    int id = FIRST_IDENTITY + i;
                    send(producer, topics.identities(), id, identity(id).toByteArray());
                    publish(producer, topics.policy(), revisions, map(id, 1, entries), published);
                }
                for (int n = 1; n <= nodes; n++) {
                    String node = "node-" + n;
                    send(
                            producer,
                            topics.nodes(),
                            node,
                            Node.newBuilder()
                                    .setName(node)
                                    .addIps("192.168." + (n / 250) + "." + (n % 250 + 1))
                                    .build()
                                    .toByteArray());
                    for (int p = 0; p < podsPerNode; p++) {
                        int id = FIRST_IDENTITY + random.nextInt(identities);
                        String pod = "pod-" + n + "-" + p;
                        send(
                                producer,
                                topics.endpoints(),
                                "bench/" + pod,
                                Endpoint.newBuilder()
                                        .setNamespace("bench")
                                        .setPod(pod)
                                        .setUid(pod)
                                        .setNode(node)
                                        .setIpv4("10." + (n / 250) + "." + (n % 250) + "." + (p + 2))
                                        .setIdentity(id)
                                        .build()
                                        .toByteArray());
                    }
                }
                producer.flush();

                List<SimulatedAgent> topicAgents = new ArrayList<>();
                List<SimulatedAgent> fetchAgents = new ArrayList<>();
                for (int n = 1; n <= agents; n++) {
                    String node = "node-" + n;
                    topicAgents.add(SimulatedAgent.start(
                            node,
                            servers,
                            topics,
                            dir.resolve("topic-" + n),
                            (SimulatedAgent.MapListener) null,
                            Map.of("client.id", "bench-topic-" + node),
                            null));
                    AtomicLong bytes = answered.computeIfAbsent(node, k -> new AtomicLong());
                    fetchAgents.add(SimulatedAgent.start(
                            node,
                            servers,
                            topics,
                            dir.resolve("fetch-" + n),
                            (SimulatedAgent.MapListener) null,
                            Map.of("client.id", "bench-fetch-" + node),
                            counting(channel, bytes)));
                }
                List<SimulatedAgent> all = new ArrayList<>(topicAgents);
                all.addAll(fetchAgents);
                awaitConverged(all, published, null);
                long[][] boot = bytes(agents, topics.policy(), revisions, answered);

                for (int c = 1; c <= changes; c++) {
                    Set<Integer> changed = new HashSet<>();
                    while (changed.size() < Math.min(subjectsPerChange, identities)) {
                        changed.add(FIRST_IDENTITY + random.nextInt(identities));
                    }
                    for (int id : changed) {
                        SubjectPolicyMap was = published.get(id);
                        publish(
                                producer,
                                topics.policy(),
                                revisions,
                                map(id, was.getRevision() + 1, entries + c),
                                published);
                    }
                    producer.flush();
                    awaitConverged(all, published, changed);
                }
                long[][] end = bytes(agents, topics.policy(), revisions, answered);
                report(agents, changes, boot, end);
                for (SimulatedAgent a : all) {
                    a.close();
                }
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
            }
        }
        System.out.printf("load average at the end: %s%n", loadAverage());
        System.exit(0);
    }

    /** Per agent n (index n - 1): topic mode's tendril.policy bytes, fetch mode's revisions bytes and answer bytes. */
    private static long[][] bytes(int agents, String policy, String revisions, Map<String, AtomicLong> answered)
            throws Exception {
        long[][] out = new long[agents][3];
        for (int n = 1; n <= agents; n++) {
            out[n - 1][0] = consumed("bench-topic-node-" + n, policy);
            out[n - 1][1] = consumed("bench-fetch-node-" + n, revisions);
            out[n - 1][2] = answered.get("node-" + n).get();
        }
        return out;
    }

    private static void report(int agents, int changes, long[][] boot, long[][] end) {
        double[] bootTopic = new double[agents];
        double[] bootFetch = new double[agents];
        double[] changeTopic = new double[agents];
        double[] changeFetch = new double[agents];
        double[] changeRevisions = new double[agents];
        for (int i = 0; i < agents; i++) {
            bootTopic[i] = boot[i][0];
            bootFetch[i] = boot[i][1] + boot[i][2];
            changeTopic[i] = (end[i][0] - boot[i][0]) / (double) changes;
            changeRevisions[i] = (end[i][1] - boot[i][1]) / (double) changes;
            changeFetch[i] = changeRevisions[i] + (end[i][2] - boot[i][2]) / (double) changes;
        }
        System.out.println("| bytes per agent (mean, min..max over agents) | topic mode (tendril.policy) | fetch mode"
                + " (revisions + GetPolicyMaps answers) | fetch / topic |");
        System.out.println("|---|---:|---:|---:|");
        row("bootstrap", bootTopic, bootFetch);
        row("per policy change", changeTopic, changeFetch);
        System.out.printf(
                "fetch mode, per change: %.0f bytes of revisions, %.0f of answers%n",
                mean(changeRevisions), mean(changeFetch) - mean(changeRevisions));
    }

    private static void row(String what, double[] topic, double[] fetch) {
        System.out.printf(
                "| %s | %,.0f (%,.0f..%,.0f) | %,.0f (%,.0f..%,.0f) | %.1f %% |%n",
                what,
                mean(topic),
                min(topic),
                max(topic),
                mean(fetch),
                min(fetch),
                max(fetch),
                100 * mean(fetch) / mean(topic));
    }

    /** Until every agent holds, of every subject it has a local endpoint of (only those in {@code subjects}), the
     * published revision. */
    private static void awaitConverged(
            List<SimulatedAgent> agents, Map<Integer, SubjectPolicyMap> published, Set<Integer> subjects)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        for (SimulatedAgent a : agents) {
            while (!converged(a, published, subjects)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(a.nodeName() + " did not converge in 300 s");
                }
                Thread.sleep(20);
            }
        }
    }

    private static boolean converged(
            SimulatedAgent a, Map<Integer, SubjectPolicyMap> published, Set<Integer> subjects) {
        if (!a.bootstrapped()) {
            return false;
        }
        var image = a.consumer().status().image();
        for (Endpoint e : image.endpointsOn(a.nodeName()).values()) {
            int id = e.getIdentity();
            if (subjects != null && !subjects.contains(id)) {
                continue;
            }
            SubjectPolicyMap held = image.policies().get((long) id);
            if (held == null || held.getRevision() != published.get(id).getRevision()) {
                return false;
            }
        }
        return true;
    }

    private static long consumed(String clientId, String topic) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(
                "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=" + clientId + ",topic=" + topic);
        return server.isRegistered(name) ? ((Number) server.getAttribute(name, "bytes-consumed-total")).longValue() : 0;
    }

    private static PolicyFetcher.Source counting(ManagedChannel channel, AtomicLong bytes) {
        return subjects -> {
            GetPolicyMapsResponse r = PolicyMapsGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getPolicyMaps(GetPolicyMapsRequest.newBuilder()
                            .addAllSubjects(
                                    subjects.stream().map(Long::intValue).toList())
                            .build());
            bytes.addAndGet(r.getSerializedSize());
            return r;
        };
    }

    private static Server policyService(Map<Integer, SubjectPolicyMap> published) throws Exception {
        return Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(new PolicyMapsGrpc.PolicyMapsImplBase() {
                    @Override
                    public void getPolicyMaps(GetPolicyMapsRequest request, StreamObserver<GetPolicyMapsResponse> out) {
                        GetPolicyMapsResponse.Builder b = GetPolicyMapsResponse.newBuilder();
                        for (int s : request.getSubjectsList()) {
                            SubjectPolicyMap m = published.get(s);
                            if (m == null) {
                                b.addAbsent(s);
                            } else {
                                b.addMaps(m);
                            }
                        }
                        out.onNext(b.build());
                        out.onCompleted();
                    }
                })
                .build()
                .start();
    }

    /** The map on tendril.policy, then its revision; the answers of the driver's policy service follow the map. */
    private static void publish(
            KafkaProducer<String, byte[]> producer,
            String policy,
            String revisions,
            SubjectPolicyMap map,
            Map<Integer, SubjectPolicyMap> published) {
        send(producer, policy, map.getSubject(), map.toByteArray());
        published.put(map.getSubject(), map);
        send(
                producer,
                revisions,
                map.getSubject(),
                SubjectPolicyRevision.newBuilder()
                        .setSubject(map.getSubject())
                        .setRevision(map.getRevision())
                        .build()
                        .toByteArray());
    }

    /** {@code entries} entries, each naming its policy, as ChurnDriver's maps (about twice the policy service's). */
    private static SubjectPolicyMap map(int subject, long revision, int entries) {
        SubjectPolicyMap.Builder b =
                SubjectPolicyMap.newBuilder().setSubject(subject).setRevision(revision);
        for (int e = 0; e < entries; e++) {
            PolicyMapKey key = PolicyMapKey.of(FIRST_IDENTITY + e, Direction.INGRESS, IpProtocol.TCP, 1000 + e);
            b.addEntries(PolicyMapEntry.newBuilder()
                    .setKey(ByteString.copyFrom(key.encode()))
                    .setValue(ByteString.copyFrom(PolicyMapValue.allow(key).encode()))
                    .addPolicies("NetworkPolicy/bench/policy-" + (e % 20)));
        }
        return b.build();
    }

    private static Identity identity(int id) {
        return Identity.newBuilder()
                .setId(id)
                .addLabels(Label.newBuilder().setSource("k8s").setKey("app").setValue("app-" + id))
                .build();
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, Object key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.toString(), value));
    }

    private static void createCompacted(String servers, String topic) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<String, byte[]> producer(String servers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double min(double[] v) {
        double m = Double.MAX_VALUE;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static double max(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static String loadAverage() {
        return dev.tendril.testing.MachineLoad.averages();
    }
}
