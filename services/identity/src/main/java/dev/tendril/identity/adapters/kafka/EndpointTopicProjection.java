package dev.tendril.identity.adapters.kafka;

import dev.tendril.eventstore.StateProjection;
import dev.tendril.eventstore.StateRecord;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.identity.adapters.IdentityServiceConfig;
import dev.tendril.identity.adapters.persistence.Codecs;
import dev.tendril.identity.domain.EndpointEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.util.List;
import java.util.Set;

/** {@code tendril.endpoints}: key = namespace/pod, value = {@code tendril.v1.Endpoint}; a tombstone on deregistration. */
@ApplicationScoped
public class EndpointTopicProjection implements StateProjection {

    @Inject
    IdentityServiceConfig config;

    @Override
    public Set<String> topics() {
        return Set.of(config.topics().endpoints());
    }

    @Override
    public List<StateRecord> project(StoredEvent event, Connection readModel) {
        if (!Codecs.ENDPOINT.handles(event.type())) {
            return List.of();
        }
        String topic = config.topics().endpoints();
        EndpointEvent decoded = Codecs.ENDPOINT.decode(event);
        String key = decoded.endpoint().key();
        if (decoded instanceof EndpointEvent.EndpointDeregistered) {
            return List.of(StateRecord.tombstone(topic, key));
        }
        return List.of(StateRecord.upsert(
                topic, key, ProtoMapping.endpoint(decoded.endpoint()).toByteArray()));
    }
}
