package dev.tendril.flows.adapters.kafka;

import dev.tendril.flows.adapters.FlowsConfig;
import dev.tendril.topics.KafkaClientSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the flows topic with its time-based retention ({@code cleanup.policy=delete}) when it does not exist, so
 * neither an agent's first flow nor the ingest's subscription creates it with the broker's defaults.
 */
final class FlowsTopic {

    private static final Logger LOG = Logger.getLogger(FlowsTopic.class);
    private static final long TIMEOUT_SECONDS = 30;

    private FlowsTopic() {}

    static void ensure(FlowsConfig config, String bootstrapServers) {
        Map<String, Object> props = KafkaClientSettings.fromConfigWith(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        try (Admin admin = Admin.create(props)) {
            if (admin.listTopics()
                    .names()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .contains(config.topic())) {
                return;
            }
            NewTopic topic = new NewTopic(config.topic(), config.partitions(), config.replicationFactor())
                    .configs(Map.of(
                            "cleanup.policy",
                            "delete",
                            "retention.ms",
                            Long.toString(config.retention().toMillis())));
            admin.createTopics(List.of(topic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            LOG.infof(
                    "created topic %s (%d partitions, retention %s)",
                    config.topic(), config.partitions(), config.retention());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create " + config.topic(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "no answer from Kafka at " + bootstrapServers + " creating " + config.topic(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating " + config.topic(), e);
        }
    }
}
