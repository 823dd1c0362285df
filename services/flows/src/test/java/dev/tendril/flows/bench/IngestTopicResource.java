package dev.tendril.flows.bench;

import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * For {@link IngestBenchmark}: before the service starts, a new flows topic of 16 partitions, each holding one node's
 * 65,535 flows (a full ring: the channel's start-up ingest reads all of them), then the plain-consumer baseline over
 * them; the service then follows that topic.
 */
public class IngestTopicResource implements QuarkusTestResourceLifecycleManager {

    static final int NODES = 16;
    static final int PER_NODE = 65535;
    static volatile String topic;
    static volatile PlainConsumerIngest.Result before;
    static volatile double produceSeconds;

    @Override
    public Map<String, String> start() {
        String bootstrap = SharedInfrastructure.kafka().bootstrapServers();
        topic = "bench.ingest." + System.currentTimeMillis();
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin client = Admin.create(admin)) {
            client.createTopics(List.of(new NewTopic(topic, NODES, (short) 1)))
                    .all()
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        byte[][] corpus = FlowsLoadDriver.corpus(8192);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            // The corpus's flow i belongs to node-(i % 16): node n's flows all in partition n.
            for (int i = 0; i < NODES * PER_NODE; i++) {
                int node = i % NODES;
                producer.send(new ProducerRecord<>(topic, node, "node-" + node, corpus[i % corpus.length]));
            }
            producer.flush();
        }
        produceSeconds = (System.nanoTime() - start) / 1e9;
        before = PlainConsumerIngest.run(bootstrap, topic, NODES, (long) NODES * PER_NODE);
        return Map.of("tendril.flows.topic", topic);
    }

    @Override
    public void stop() {}
}
