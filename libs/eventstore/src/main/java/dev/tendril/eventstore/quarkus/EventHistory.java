package dev.tendril.eventstore.quarkus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.NewEvent;
import dev.tendril.eventstore.StoredEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/** Reads an object's changes from the service's event store for its {@code /v1/history} resource. */
@ApplicationScoped
public class EventHistory {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EventStore store;

    @Inject
    EventStoreConfig config;

    /** The events of these streams, oldest first. */
    public List<HistoryEntry> ofStreams(List<String> streamIds) {
        List<StoredEvent> events = new ArrayList<>();
        for (String streamId : streamIds) {
            events.addAll(store.readStream(streamId));
        }
        return entries(events);
    }

    /** See {@link EventStore#readByPayloadField}. */
    public List<HistoryEntry> byPayloadField(String streamPrefix, String field, List<String> values) {
        return entries(store.readByPayloadField(streamPrefix, field, values));
    }

    /** Oldest first; events of one transaction share a time, so their position breaks the tie. */
    public List<HistoryEntry> entries(List<StoredEvent> events) {
        return events.stream()
                .sorted(Comparator.comparing(StoredEvent::recordedAt).thenComparingLong(StoredEvent::position))
                .map(this::entry)
                .toList();
    }

    private HistoryEntry entry(StoredEvent event) {
        return new HistoryEntry(
                event.recordedAt(),
                config.service(),
                event.origin().principal(),
                event.origin().requestId(),
                event.type(),
                event.streamId(),
                event.version(),
                event.position(),
                what(event));
    }

    /** JSON payloads as they are; any other payload as base64 (no service stores one today). */
    static JsonNode what(StoredEvent event) {
        if (NewEvent.JSON.equals(event.contentType())) {
            try {
                return JSON.readTree(event.payload());
            } catch (IOException unreadable) {
                return JsonNodeFactory.instance.textNode("unreadable JSON: " + unreadable.getMessage());
            }
        }
        return JsonNodeFactory.instance
                .objectNode()
                .put("contentType", event.contentType())
                .put("base64", Base64.getEncoder().encodeToString(event.payload()));
    }
}
