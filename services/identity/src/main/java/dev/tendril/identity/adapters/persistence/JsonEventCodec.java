package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.EventCodec;
import dev.tendril.eventstore.NewEvent;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.identity.domain.EndpointEvent;
import dev.tendril.identity.domain.IdentityEvent;
import dev.tendril.identity.domain.NamespaceEvent;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Events as JSON, typed by their record's simple name ({@code IdentityAllocated}), schema version 1.
 * A later schema change adds an upcaster here keyed by (type, version).
 */
public final class JsonEventCodec<E> implements EventCodec<E> {

    public static final int SCHEMA_VERSION = 1;

    public static final JsonEventCodec<IdentityEvent> IDENTITY = new JsonEventCodec<>(IdentityEvent.class);
    public static final JsonEventCodec<NamespaceEvent> NAMESPACE = new JsonEventCodec<>(NamespaceEvent.class);
    public static final JsonEventCodec<EndpointEvent> ENDPOINT = new JsonEventCodec<>(EndpointEvent.class);

    private final Map<String, Class<?>> types;

    private JsonEventCodec(Class<E> sealed) {
        this.types = Arrays.stream(sealed.getPermittedSubclasses())
                .collect(Collectors.toUnmodifiableMap(Class::getSimpleName, Function.identity()));
    }

    public boolean handles(String type) {
        return types.containsKey(type);
    }

    @Override
    public NewEvent encode(E event) {
        return new NewEvent(event.getClass().getSimpleName(), SCHEMA_VERSION, NewEvent.JSON, Json.write(event));
    }

    @Override
    @SuppressWarnings("unchecked")
    public E decode(StoredEvent stored) {
        Class<?> type = types.get(stored.type());
        if (type == null) {
            throw new IllegalArgumentException("unknown event type " + stored.type() + " in stream " + stored.streamId());
        }
        if (stored.schemaVersion() != SCHEMA_VERSION) {
            throw new IllegalArgumentException("unsupported schema version " + stored.schemaVersion() + " of "
                    + stored.type());
        }
        return (E) Json.read(stored.payload(), type);
    }
}
