package dev.tendril.policy.adapters.persistence;

import dev.tendril.eventstore.EventCodec;
import dev.tendril.eventstore.NewEvent;
import dev.tendril.eventstore.StoredEvent;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Events as JSON, typed by their record's simple name ({@code PolicyApplied}), schema version 1.
 * A later schema change adds an upcaster here keyed by (type, version).
 */
public final class JsonEventCodec<E> implements EventCodec<E> {

    public static final int SCHEMA_VERSION = 1;

    public static final JsonEventCodec<PolicyEvent> POLICY = new JsonEventCodec<>(PolicyEvent.class);
    public static final JsonEventCodec<SubjectEvent> SUBJECT = new JsonEventCodec<>(SubjectEvent.class);

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
        return new NewEvent(event.getClass().getSimpleName(), SCHEMA_VERSION, NewEvent.JSON, PolicyJson.write(event));
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
        return (E) PolicyJson.read(stored.payload(), type);
    }
}
