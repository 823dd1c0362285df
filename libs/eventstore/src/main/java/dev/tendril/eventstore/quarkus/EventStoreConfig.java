package dev.tendril.eventstore.quarkus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code tendril.eventstore.*}: the service's event store and outbox relay. */
@ConfigMapping(prefix = "tendril.eventstore")
public interface EventStoreConfig {

    /** The service name: the relay's name and the {@code source} of its envelopes. */
    String service();

    /** Event-log topic; default {@code tendril.<service>.events}. */
    Optional<String> eventTopic();

    Relay relay();

    interface Relay {
        /** Off only for tests that drive the store without Kafka. */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("2000")
        int batchSize();

        @WithDefault("50ms")
        Duration idlePoll();

        @WithDefault("5s")
        Duration maxBackoff();

        @WithDefault("15s")
        Duration sendTimeout();

        /**
         * How long publishing may fail without a break before readiness turns DOWN: a service whose
         * changes reach no agent must say so ({@code tendril status}, a Kubernetes readiness probe).
         * A stalled event turns it DOWN at once.
         */
        @WithDefault("10s")
        Duration unreadyAfter();

        /**
         * How often the compacted state topics are read back and repaired where they differ from the
         * service's state (0 turns it off). Publishing pauses while a topic is read.
         */
        @WithDefault("5m")
        Duration auditInterval();
    }

    default String eventTopicName() {
        return eventTopic().orElse("tendril." + service() + ".events");
    }
}
