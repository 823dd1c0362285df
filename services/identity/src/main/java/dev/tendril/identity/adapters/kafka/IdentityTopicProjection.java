package dev.tendril.identity.adapters.kafka;

import dev.tendril.eventstore.StateProjection;
import dev.tendril.eventstore.StateRecord;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.identity.adapters.IdentityServiceConfig;
import dev.tendril.identity.adapters.persistence.Codecs;
import dev.tendril.identity.domain.IdentityEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.util.List;
import java.util.Set;

/** {@code tendril.identities}: key = id, value = {@code tendril.v1.Identity}; a tombstone on release. */
@ApplicationScoped
public class IdentityTopicProjection implements StateProjection {

    @Inject
    IdentityServiceConfig config;

    @Override
    public Set<String> topics() {
        return Set.of(config.topics().identities());
    }

    @Override
    public List<StateRecord> project(StoredEvent event, Connection readModel) {
        if (!Codecs.IDENTITY.handles(event.type())) {
            return List.of();
        }
        String topic = config.topics().identities();
        return switch (Codecs.IDENTITY.decode(event)) {
            case IdentityEvent.IdentityAllocated allocated ->
                List.of(StateRecord.upsert(
                        topic,
                        Long.toString(allocated.id()),
                        ProtoMapping.identity(allocated.id(), allocated.labels())
                                .toByteArray()));
            case IdentityEvent.IdentityReleased released ->
                List.of(StateRecord.tombstone(topic, Long.toString(released.id())));
        };
    }
}
