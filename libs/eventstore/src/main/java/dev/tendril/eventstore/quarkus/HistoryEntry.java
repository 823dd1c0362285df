package dev.tendril.eventstore.quarkus;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One change of an object as {@code GET /v1/history} answers it: when, which service recorded it, who
 * caused it in which request, the event's type and place in its stream, and what it says ({@code
 * what}: the event's payload as JSON).
 */
public record HistoryEntry(
        Instant time,
        String service,
        String principal,
        String requestId,
        String type,
        String stream,
        long version,
        long position,
        JsonNode what) {}
