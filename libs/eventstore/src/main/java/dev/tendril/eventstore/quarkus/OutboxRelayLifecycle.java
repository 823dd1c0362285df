package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.OutboxRelay;
import dev.tendril.eventstore.OutboxRelayConfig;
import dev.tendril.eventstore.RelayStatus;
import dev.tendril.eventstore.StateProjection;
import dev.tendril.eventstore.Transactions;
import dev.tendril.topics.KafkaClientSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Starts the outbox relay with the application (after Flyway migrated the schema) and stops it on
 * shutdown. Every {@link StateProjection} bean feeds its compacted topics from the same events.
 */
@ApplicationScoped
public class OutboxRelayLifecycle {

    @Inject
    EventStoreConfig config;

    @Inject
    Transactions transactions;

    @Inject
    MeterRegistry meters;

    @Inject
    Instance<StateProjection> projections;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092")
    String bootstrapServers;

    private volatile OutboxRelay relay;

    void onStart(@Observes StartupEvent event) {
        if (!config.relay().enabled()) {
            return;
        }
        OutboxRelayConfig relayConfig = new OutboxRelayConfig(
                config.service(),
                config.service(),
                config.eventTopicName(),
                config.relay().batchSize(),
                config.relay().idlePoll(),
                config.relay().maxBackoff(),
                config.relay().sendTimeout(),
                List.copyOf(projections.stream().toList()),
                config.relay().auditInterval());
        relay = new OutboxRelay(
                transactions.dataSource(),
                relayConfig,
                KafkaClientSettings.fromConfigWith(Map.of("bootstrap.servers", bootstrapServers)),
                meters);
        transactions.onCommit(relay::wakeUp);
        relay.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (relay != null) {
            relay.close();
        }
    }

    /** Empty when the relay is disabled. */
    public Optional<RelayStatus> status() {
        OutboxRelay current = relay;
        return current == null ? Optional.empty() : Optional.of(current.status());
    }
}
