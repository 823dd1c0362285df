package dev.tendril.agent.sim;

import dev.tendril.agent.state.IpcacheDesired;
import dev.tendril.agent.state.LocalEndpoint;
import dev.tendril.agent.state.NodeDelta;
import dev.tendril.agent.state.NodeImage;
import dev.tendril.agent.state.NodeMapsReconciler;
import dev.tendril.agent.state.StateTopic;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.datapath.maps.BpfMap;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * An agent's maps compared entry by entry with what the topics say they should hold: its ipcache with every
 * endpoint, node and CIDR entry of the topics' content ({@link IpcacheDesired}), its local endpoints with the
 * topic's endpoints on its node, and each local endpoint's policy map with its identity's published map. An entry
 * the agent misses or holds with another value is lost; an entry, endpoint or policy map it holds that the topics
 * no longer have is stale.
 */
public final class MapsAudit {

    /** What one agent's maps differ in; {@code examples} names a few of the differences. */
    public record Diff(String node, int lost, int stale, List<String> examples) {

        public boolean clean() {
            return lost == 0 && stale == 0;
        }
    }

    private static final int EXAMPLES = 5;

    private MapsAudit() {}

    /**
     * The topics' content now, read from the beginning of every partition to the end offsets found at the start
     * (a plain consumer of its own, no group): the desired state once the producers stopped.
     */
    public static NodeImage desired(String servers, StateTopics topics, Map<String, String> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tendril-maps-audit");
        Map<String, StateTopic> byName = Map.of(
                topics.identities(), StateTopic.IDENTITIES,
                topics.endpoints(), StateTopic.ENDPOINTS,
                topics.nodes(), StateTopic.NODES,
                topics.policy(), StateTopic.POLICY,
                topics.services(), StateTopic.SERVICES);
        NodeDelta delta = new NodeDelta(NodeImage.EMPTY);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics.all()) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < ends.get(new TopicPartition(r.topic(), r.partition()))) {
                        delta.replay(byName.get(r.topic()), r.key(), r.value());
                    }
                }
            }
        }
        return delta.apply();
    }

    /** The agent's maps against the desired image. */
    public static Diff diff(SimulatedAgent agent, NodeImage desired) {
        String node = agent.nodeName();
        Counter c = new Counter(node);
        Map<ByteBuffer, byte[]> ipcache = new HashMap<>();
        IpcacheDesired.of(desired, node).forEach((k, v) -> ipcache.put(ByteBuffer.wrap(k.encode()), v.encode()));
        c.compare("ipcache", ipcache, agent.ipcache().entries());

        Map<String, Endpoint> wanted = new HashMap<>(desired.endpointsOn(node));
        wanted.values().removeIf(e -> e.getIdentity() == 0);
        Set<String> policyMaps = new HashSet<>();
        for (LocalEndpoint local : agent.maps().localEndpoints()) {
            Endpoint e = wanted.remove(local.key());
            if (e == null) {
                c.stale("local endpoint " + local.key());
                continue;
            }
            policyMaps.add(local.policyMapName());
            SubjectPolicyMap published = desired.policies().get((long) e.getIdentity());
            Map<ByteBuffer, byte[]> policy =
                    published == null ? Map.of() : NodeMapsReconciler.policyEntries(published, new ArrayList<>());
            List<BpfMap.Entry> held = agent.maps()
                    .backend()
                    .open(local.policyMapName())
                    .map(BpfMap::entries)
                    .orElse(List.of());
            c.compare(local.policyMapName() + " (" + local.key() + ")", policy, held);
        }
        wanted.keySet().forEach(k -> c.lost("local endpoint " + k));
        for (String name : agent.maps().backend().names()) {
            if (name.startsWith(NodeMapsReconciler.POLICY_MAP_PREFIX) && !policyMaps.contains(name)) {
                c.stale("policy map " + name);
            }
        }
        return new Diff(node, c.lost, c.stale, List.copyOf(c.examples));
    }

    private static final class Counter {
        private final String node;
        private int lost;
        private int stale;
        private final List<String> examples = new ArrayList<>();

        Counter(String node) {
            this.node = node;
        }

        void compare(String map, Map<ByteBuffer, byte[]> want, List<BpfMap.Entry> held) {
            Map<ByteBuffer, byte[]> missing = new HashMap<>(want);
            for (BpfMap.Entry e : held) {
                byte[] w = missing.remove(ByteBuffer.wrap(e.key()));
                if (w == null) {
                    stale(map + " entry " + hex(e.key()));
                } else if (!java.util.Arrays.equals(w, e.value())) {
                    stale(map + " value of " + hex(e.key()));
                }
            }
            missing.keySet().forEach(k -> lost(map + " entry " + hex(k.array())));
        }

        void lost(String what) {
            lost++;
            example("lost " + what);
        }

        void stale(String what) {
            stale++;
            example("stale " + what);
        }

        private void example(String what) {
            if (examples.size() < EXAMPLES) {
                examples.add(node + ": " + what);
            }
        }

        private static String hex(byte[] b) {
            return java.util.HexFormat.of().formatHex(b);
        }
    }
}
