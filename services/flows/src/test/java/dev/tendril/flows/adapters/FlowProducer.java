package dev.tendril.flows.adapters;

import dev.tendril.api.hubble.flow.Flow;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;

/** Produces flows to the test's flows topic as an agent does: key node name, record time = flow time. */
public final class FlowProducer implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    public FlowProducer() {
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        topic = ConfigProvider.getConfig().getValue("tendril.flows.topic", String.class);
    }

    public void send(List<Flow> flows) {
        for (Flow flow : flows) {
            long millis = flow.getTime().getSeconds() * 1000 + flow.getTime().getNanos() / 1_000_000;
            producer.send(new ProducerRecord<>(topic, null, millis, flow.getNodeName(), flow.toByteArray()));
        }
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
