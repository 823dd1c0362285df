package dev.tendril.ipam.adapters.persistence;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.eventstore.EventCodec;
import dev.tendril.eventstore.NewEvent;
import dev.tendril.eventstore.StoredEvent;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Events of one sealed hierarchy as JSON, typed by the record's simple name, schema version 1. New
 * fields are added compatibly (unknown ones are ignored when reading), so version 1 stays readable.
 */
public final class JsonEventCodec<E> implements EventCodec<E> {

    static final int SCHEMA_VERSION = 1;
    private static final ObjectMapper JSON = IpamJson.mapper();

    private final Map<String, Class<? extends E>> types = new HashMap<>();

    public JsonEventCodec(List<Class<? extends E>> eventTypes) {
        eventTypes.forEach(type -> types.put(type.getSimpleName(), type));
    }

    @Override
    public NewEvent encode(E event) {
        try {
            return new NewEvent(event.getClass().getSimpleName(), SCHEMA_VERSION, NewEvent.JSON,
                    JSON.writeValueAsBytes(event));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + event, e);
        }
    }

    @Override
    public E decode(StoredEvent stored) {
        Class<? extends E> type = types.get(stored.type());
        if (type == null) {
            throw new IllegalStateException("unknown event type " + stored.type() + " in stream " + stored.streamId());
        }
        try {
            return JSON.readValue(stored.payload(), type);
        } catch (IOException e) {
            throw new IllegalStateException("cannot decode " + stored.type() + " v" + stored.schemaVersion()
                    + " at " + stored.streamId() + "#" + stored.version() + ": " + e.getMessage(), e);
        }
    }
}
