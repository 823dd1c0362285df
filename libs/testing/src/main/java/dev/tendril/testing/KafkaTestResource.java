package dev.tendril.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points a Quarkus test application at the JVM's shared Kafka broker. Tests should use their own
 * topic names (or consumer groups) because the broker outlives each test class.
 */
public final class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";

    @Override
    public Map<String, String> start() {
        return Map.of(BOOTSTRAP_SERVERS, SharedInfrastructure.kafka().bootstrapServers());
    }

    @Override
    public void stop() {
        // The broker is shared with the test classes still to come; a JVM shutdown hook stops it.
    }
}
