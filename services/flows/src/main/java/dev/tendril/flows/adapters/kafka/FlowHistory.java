package dev.tendril.flows.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.adapters.FlowsConfig;
import dev.tendril.flows.domain.FlowQuery;
import dev.tendril.flows.domain.FlowRing;
import dev.tendril.flows.domain.StoredFlow;
import dev.tendril.topics.FlowTopicRecords;
import dev.tendril.topics.KafkaClientSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Flows older than the rings, read back from {@code tendril.flows} by time: each partition from
 * {@code offsetsForTimes(since)} up to where the rings take over. A record of node {@code n} is history
 * when its offset is below the offset of the oldest flow in {@code n}'s ring at the query's mark (all of
 * a node's records share a partition, in order); a node without a ring has only history. So within the
 * topic's retention a query never finds flows "overwritten".
 */
@ApplicationScoped
public class FlowHistory {

    @Inject
    FlowsConfig config;

    @Inject
    FlowsConsumer ingest;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092")
    String bootstrapServers;

    private final FlowCodec codec = new FlowCodec();

    /** Whether the rings may miss flows of {@code query}: it starts before the oldest flow they hold. */
    public boolean needed(FlowQuery query, Map<FlowRing, Long> mark) {
        if (!query.hasSince()) {
            return false;
        }
        if (mark.isEmpty()) {
            return true;
        }
        for (Map.Entry<FlowRing, Long> entry : mark.entrySet()) {
            StoredFlow oldest = oldest(entry.getKey(), entry.getValue());
            if (oldest == null || oldest.timeNanos > query.since()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Matching flows from Kafka before the rings' oldest, oldest first, at most {@code limit}
     * (the first ones when the query asks for the first flows, else the last ones).
     */
    public List<StoredFlow> read(FlowQuery query, Map<FlowRing, Long> mark, int limit) {
        Map<String, Long> cutoffs = new HashMap<>();
        for (Map.Entry<FlowRing, Long> entry : mark.entrySet()) {
            StoredFlow oldest = oldest(entry.getKey(), entry.getValue());
            if (oldest != null && oldest.offset >= 0) {
                cutoffs.put(entry.getKey().node(), oldest.offset);
            }
        }
        Map<Integer, Long> ingested = ingest.positions();
        Map<String, Object> props =
                KafkaClientSettings.fromConfigWith(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        List<StoredFlow> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> kafka =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = kafka.partitionsFor(config.topic(), Duration.ofSeconds(10));
            if (infos == null) {
                return out;
            }
            long sinceMillis = Math.floorDiv(query.since(), 1_000_000L);
            Map<TopicPartition, Long> times = new HashMap<>();
            infos.forEach(p -> times.put(new TopicPartition(config.topic(), p.partition()), Math.max(0, sinceMillis)));
            Map<TopicPartition, OffsetAndTimestamp> starts = kafka.offsetsForTimes(times, Duration.ofSeconds(10));
            Map<TopicPartition, Long> ends = kafka.endOffsets(times.keySet(), Duration.ofSeconds(10));
            for (Map.Entry<TopicPartition, OffsetAndTimestamp> start : starts.entrySet()) {
                if (start.getValue() == null) {
                    continue;
                }
                TopicPartition tp = start.getKey();
                long stop = stopOffset(tp.partition(), cutoffs, ingested.getOrDefault(tp.partition(), ends.get(tp)));
                readPartition(kafka, tp, start.getValue().offset(), stop, cutoffs, query, limit, out);
            }
        }
        out.sort(java.util.Comparator.comparingLong(f -> f.timeNanos));
        if (out.size() > limit) {
            return query.fromStart() ? out.subList(0, limit) : out.subList(out.size() - limit, out.size());
        }
        return out;
    }

    private long stopOffset(int partition, Map<String, Long> cutoffs, long ingested) {
        long highest = -1;
        for (Map.Entry<String, Long> cutoff : cutoffs.entrySet()) {
            Integer p = ingest.partitionOf(cutoff.getKey());
            if (p != null && p == partition) {
                highest = Math.max(highest, cutoff.getValue());
            }
        }
        // Nodes without a ring wrote nothing since the ingest started, which is at or before every cutoff.
        return highest >= 0 ? Math.min(highest, ingested) : ingested;
    }

    private void readPartition(
            KafkaConsumer<String, byte[]> kafka,
            TopicPartition tp,
            long from,
            long stop,
            Map<String, Long> cutoffs,
            FlowQuery query,
            int limit,
            List<StoredFlow> out) {
        if (from >= stop) {
            return;
        }
        kafka.assign(List.of(tp));
        kafka.seek(tp, from);
        int matchedHere = 0;
        while (kafka.position(tp) < stop) {
            for (ConsumerRecord<String, byte[]> record : kafka.poll(Duration.ofMillis(500))) {
                if (record.offset() >= stop) {
                    return;
                }
                if (record.value() == null || FlowTopicRecords.isLostEvents(record.headers())) {
                    continue;
                }
                StoredFlow flow;
                try {
                    flow = codec.decode(record.value(), record.offset(), record.key());
                } catch (InvalidProtocolBufferException e) {
                    continue;
                }
                Long cutoff = cutoffs.get(flow.node);
                if (cutoff != null && record.offset() >= cutoff) {
                    continue;
                }
                if (flow.timeNanos > query.until()) {
                    continue;
                }
                if (flow.timeNanos >= query.since() && query.selection().matches(flow)) {
                    out.add(flow);
                    if (query.fromStart() && ++matchedHere >= limit) {
                        return;
                    }
                }
            }
        }
    }

    private static StoredFlow oldest(FlowRing ring, long mark) {
        for (int attempt = 0; attempt < 8; attempt++) {
            long seq = Math.max(Math.max(0, mark - ring.capacity()), ring.oldest());
            if (seq >= mark) {
                return null;
            }
            StoredFlow flow = ring.read(seq);
            if (flow != null) {
                return flow;
            }
        }
        return null;
    }
}
