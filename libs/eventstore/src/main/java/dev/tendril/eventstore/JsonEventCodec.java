package dev.tendril.eventstore;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The events of one sealed hierarchy as JSON ({@code content_type application/json}), typed by the
 * event record's simple name ({@code IdentityAllocated}), schema version {@value #SCHEMA_VERSION}. New
 * fields are added compatibly (the service's mapper ignores unknown ones when reading), so version 1
 * stays readable; an incompatible change adds an upcaster here keyed by (type, version).
 *
 * @param <E> the sealed event type
 */
public final class JsonEventCodec<E> implements EventCodec<E> {

    public static final int SCHEMA_VERSION = 1;

    private final Map<String, Class<?>> types;
    private final ObjectMapper mapper;

    private JsonEventCodec(Map<String, Class<?>> types, ObjectMapper mapper) {
        this.types = types;
        this.mapper = mapper;
    }

    /** A codec for every permitted subclass of {@code sealed}, written and read with {@code mapper}. */
    public static <E> JsonEventCodec<E> ofSealed(Class<E> sealed, ObjectMapper mapper) {
        if (!sealed.isSealed()) {
            throw new IllegalArgumentException(sealed.getName() + " is not sealed");
        }
        return new JsonEventCodec<>(
                Arrays.stream(sealed.getPermittedSubclasses())
                        .collect(Collectors.toUnmodifiableMap(Class::getSimpleName, Function.identity())),
                mapper);
    }

    /** Whether {@code type} (a stored event's type) belongs to this codec's hierarchy. */
    public boolean handles(String type) {
        return types.containsKey(type);
    }

    @Override
    public NewEvent encode(E event) {
        try {
            return new NewEvent(
                    event.getClass().getSimpleName(), SCHEMA_VERSION, NewEvent.JSON, mapper.writeValueAsBytes(event));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot encode " + event.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public E decode(StoredEvent stored) {
        Class<?> type = types.get(stored.type());
        if (type == null) {
            throw new IllegalArgumentException(
                    "unknown event type " + stored.type() + " in stream " + stored.streamId());
        }
        if (stored.schemaVersion() != SCHEMA_VERSION) {
            throw new IllegalArgumentException("unsupported schema version " + stored.schemaVersion() + " of "
                    + stored.type() + " at " + stored.streamId() + "#" + stored.version());
        }
        try {
            return (E) mapper.readValue(stored.payload(), type);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot decode " + stored.type() + " at " + stored.streamId() + "#" + stored.version() + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
