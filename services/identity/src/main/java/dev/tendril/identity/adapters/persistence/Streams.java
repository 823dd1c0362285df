package dev.tendril.identity.adapters.persistence;

import dev.tendril.eventstore.Decider;
import dev.tendril.eventstore.EventCodec;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.StoredEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Decide-and-append on one stream inside a caller's transaction (several streams may change in one). */
final class Streams {

    private Streams() {
    }

    /** What a command did to one stream: the state before, the new events and the state after. */
    record Decided<S, E>(S before, List<E> events, S after, long version) {
    }

    /** A stream's current state and version. */
    record Loaded<S>(S state, long version) {
    }

    static <C, S, E> Loaded<S> load(Connection tx, EventStore store, String streamId, Decider<C, S, E> decider,
            EventCodec<E> codec) throws SQLException {
        List<StoredEvent> history = store.readStream(tx, streamId, 0);
        S state = decider.initialState();
        for (StoredEvent stored : history) {
            state = decider.evolve(state, codec.decode(stored));
        }
        return new Loaded<>(state, history.size());
    }

    static <C, S, E> Decided<S, E> decide(Connection tx, EventStore store, String streamId, Decider<C, S, E> decider,
            EventCodec<E> codec, C command) throws SQLException {
        Loaded<S> loaded = load(tx, store, streamId, decider, codec);
        return decideFrom(tx, store, streamId, decider, codec, command, loaded.state(), loaded.version());
    }

    /** As {@link #decide} from a state and version the caller already knows (from its locked read-model row). */
    static <C, S, E> Decided<S, E> decideFrom(Connection tx, EventStore store, String streamId,
            Decider<C, S, E> decider, EventCodec<E> codec, C command, S state, long version) throws SQLException {
        List<E> events = decider.decide(command, state);
        if (events.isEmpty()) {
            return new Decided<>(state, events, state, version);
        }
        store.append(tx, streamId, version, events.stream().map(codec::encode).toList());
        S after = state;
        for (E event : events) {
            after = decider.evolve(after, event);
        }
        return new Decided<>(state, events, after, version + events.size());
    }
}
