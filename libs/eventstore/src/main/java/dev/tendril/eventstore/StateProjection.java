package dev.tendril.eventstore;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * Maps a committed event to the compacted-topic records it changes. The relay publishes them with the
 * event, before it moves its cursor, so a state topic is never behind the event log for long and never
 * misses a change. Implementations may read the service's read model through {@code readModel} to
 * publish the entity's whole current value (latest wins on a compacted topic, so reading a newer state
 * than the event's is harmless).
 */
public interface StateProjection {

    /** The compacted topics this projection writes; the relay creates them if missing. */
    Set<String> topics();

    List<StateRecord> project(StoredEvent event, Connection readModel) throws SQLException;
}
