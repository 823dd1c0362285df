package dev.tendril.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code tendril clustermesh status}, computed by the launcher: per peer whether its MirrorMaker 2 runs and the peer's
 * Kafka answers (reached with the link's own certificate), when MirrorMaker 2 last committed replicated records, and
 * per kind the entries (live keys) of the local remote topic, the peer's end offsets and the lag (records of the
 * peer's topic not yet replicated, from the positions MirrorMaker 2 commits to {@code mm2-offsets.<peer>.internal}).
 */
final class MeshStatus {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One kind of a peer: {@code endpoints} from {@code tendril.endpoints} into {@code <peer>.tendril.endpoints}. */
    record Kind(String kind, String remoteTopic, long entries, long records, Long peerEndOffset, Long lag) {}

    /**
     * One peer.
     *
     * @param connected    MirrorMaker 2 runs, the peer's Kafka answers and no kind lags
     * @param mirror       the MirrorMaker 2 child's supervisor state ({@code running}, {@code backoff}, ...)
     * @param lastSync     when MirrorMaker 2 last committed replicated positions (ISO-8601); null before the first
     * @param peerError    why the peer's Kafka could not be read (it keeps its last state: fail-static); null when it
     *                     answered
     */
    record Peer(
            String name,
            int clusterId,
            List<String> podCidrs,
            String connectedAt,
            boolean connected,
            String mirror,
            Long mirrorPid,
            boolean peerReachable,
            String peerError,
            String lastSync,
            long lag,
            List<Kind> kinds) {}

    private MeshStatus() {}

    static List<Peer> of(ClusterMesh mesh) {
        List<Peer> result = new ArrayList<>();
        for (MeshPeers.Peer peer : mesh.peers().all()) {
            result.add(of(mesh, peer));
        }
        return result;
    }

    private static Peer of(ClusterMesh mesh, MeshPeers.Peer peer) {
        Optional<Supervised> mirror = mesh.mirrors().stream()
                .filter(m -> m.name().equals(ClusterMesh.MIRROR_PREFIX + peer.name()))
                .findFirst();
        String state = mirror.map(s -> mesh.supervisorState(s)).orElse("absent");
        Long pid = mirror.map(s -> s.component().pid()).orElse(null);
        Map<String, Long> peerEnds = new HashMap<>();
        String peerError = null;
        try {
            peerEnds = peerEndOffsets(mesh, peer);
        } catch (RuntimeException e) {
            peerError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        Map<String, Long> replicated = new HashMap<>();
        Instant[] lastSync = {null};
        List<Kind> kinds = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(MeshClients.consumer(mesh.localSuperUser()))) {
            readTopic(consumer, "mm2-offsets." + peer.name() + ".internal", record -> {
                committedPosition(record).ifPresent(p -> replicated.put(p.getKey(), p.getValue()));
                Instant at = Instant.ofEpochMilli(record.timestamp());
                if (lastSync[0] == null || at.isAfter(lastSync[0])) {
                    lastSync[0] = at;
                }
            });
            for (String topic : MeshAcls.REPLICATED_TOPICS) {
                String remote = peer.name() + "." + topic;
                Map<ByteBuffer, Boolean> live = new HashMap<>();
                long[] records = {0};
                readTopic(consumer, remote, record -> {
                    records[0]++;
                    live.put(
                            ByteBuffer.wrap(record.key() == null ? new byte[0] : record.key()), record.value() != null);
                });
                long entries = live.values().stream().filter(v -> v).count();
                Long peerEnd = peerEnds.get(topic);
                long copied = replicated.entrySet().stream()
                        .filter(e -> e.getKey().startsWith(topic + "/"))
                        .mapToLong(Map.Entry::getValue)
                        .sum();
                Long lag = peerEnd == null ? null : Math.max(0, peerEnd - copied);
                kinds.add(new Kind(topic.substring("tendril.".length()), remote, entries, records[0], peerEnd, lag));
            }
        }
        long lag = kinds.stream().mapToLong(k -> k.lag() == null ? 0 : k.lag()).sum();
        boolean lagKnown = kinds.stream().allMatch(k -> k.lag() != null);
        boolean connected = state.equals("running") && peerError == null && lagKnown && lag == 0;
        return new Peer(
                peer.name(),
                peer.clusterId(),
                peer.podCidrs(),
                Instant.ofEpochMilli(peer.connectedAt()).toString(),
                connected,
                state,
                pid,
                peerError == null,
                peerError,
                lastSync[0] == null ? null : lastSync[0].toString(),
                lag,
                kinds);
    }

    /** The end offsets (summed over partitions) of the peer's four topics, read with the link's certificate. */
    private static Map<String, Long> peerEndOffsets(ClusterMesh mesh, MeshPeers.Peer peer) {
        String kafka =
                peer.kafkaNow().orElseThrow(() -> new IllegalStateException("the peer's stack.json names no Kafka"));
        MeshCredentials credentials = mesh.credentials();
        Map<String, Object> client =
                MeshClients.client(credentials.peerAuthority(peer.name()), credentials.atPeer(peer.name()), kafka);
        Map<String, Long> ends = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(MeshClients.consumer(client))) {
            for (String topic : MeshAcls.REPLICATED_TOPICS) {
                List<TopicPartition> partitions = partitions(consumer, topic);
                long sum = 0;
                for (Long end : consumer.endOffsets(partitions, TIMEOUT).values()) {
                    sum += end;
                }
                ends.put(topic, sum);
            }
        }
        return ends;
    }

    /**
     * The next upstream offset MirrorMaker 2 will copy, by source {@code topic/partition}, from one record of its
     * offsets topic (key {@code ["MirrorSourceConnector",{"cluster":..,"partition":N,"topic":..}]}, value
     * {@code {"offset":LAST}}).
     */
    static Optional<Map.Entry<String, Long>> committedPosition(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null || record.value() == null) {
            return Optional.empty();
        }
        try {
            JsonNode key = JSON.readTree(record.key());
            JsonNode value = JSON.readTree(record.value());
            JsonNode partition = key.path(1);
            if (!partition.has("topic") || !value.has("offset")) {
                return Optional.empty();
            }
            return Optional.of(Map.entry(
                    partition.get("topic").asText() + "/"
                            + partition.path("partition").asInt(),
                    value.get("offset").asLong() + 1));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
        List<TopicPartition> partitions = new ArrayList<>();
        if (infos != null) {
            infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        }
        return partitions;
    }

    /** Reads {@code topic} (absent: nothing) from the beginning to its current end. */
    private static void readTopic(
            KafkaConsumer<byte[], byte[]> consumer,
            String topic,
            java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Set<String> existing = new HashSet<>(consumer.listTopics(TIMEOUT).keySet());
        if (!existing.contains(topic)) {
            return;
        }
        List<TopicPartition> partitions = partitions(consumer, topic);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = new LinkedHashMap<>(consumer.endOffsets(partitions, TIMEOUT));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey(), TIMEOUT) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading " + topic + " took longer than 30 s");
            }
            consumer.poll(Duration.ofMillis(200)).forEach(each);
        }
        consumer.unsubscribe();
    }
}
