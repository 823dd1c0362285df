package dev.tendril.topics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/** Which partitions a follower reads: those of its topics that exist, each started where the config says. */
final class PartitionAssignment {

    private final FollowerConfig config;
    private final Progress progress;

    PartitionAssignment(FollowerConfig config, Progress progress) {
        this.config = config;
        this.progress = progress;
    }

    /** The partitions of the followed topics that exist now; topics without any go to {@code missing}. */
    List<TopicPartition> existing(KafkaConsumer<?, ?> c, List<String> missing) {
        List<TopicPartition> found = new ArrayList<>();
        for (String topic : config.topics()) {
            List<PartitionInfo> infos = c.partitionsFor(topic, config.kafkaTimeout());
            if (infos == null || infos.isEmpty()) {
                missing.add(topic);
                continue;
            }
            infos.forEach(i -> found.add(new TopicPartition(i.topic(), i.partition())));
        }
        return found;
    }

    /** Adds {@code added} to the consumer's assignment, each seeked to its start position, and to the progress. */
    void follow(KafkaConsumer<?, ?> c, List<TopicPartition> added) {
        if (added.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> begin = c.beginningOffsets(added, config.kafkaTimeout());
        Map<TopicPartition, Long> end = c.endOffsets(added, config.kafkaTimeout());
        Map<TopicPartition, Long> start = new HashMap<>();
        for (TopicPartition p : added) {
            start.put(p, config.startAt().offset(p, begin.get(p), end.get(p)));
        }
        List<TopicPartition> all = new ArrayList<>(progress.partitions());
        all.addAll(added);
        c.assign(all);
        start.forEach(c::seek);
        added.forEach(p -> progress.add(p, start.get(p), end.get(p)));
    }
}
