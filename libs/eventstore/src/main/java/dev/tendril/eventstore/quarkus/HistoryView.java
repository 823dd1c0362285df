package dev.tendril.eventstore.quarkus;

import java.util.List;

/** The answer of {@code GET /v1/history}: the object asked for and its changes, oldest first. */
public record HistoryView(String kind, String namespace, String name, List<HistoryEntry> changes) {}
