package dev.tendril.identity.app;

import dev.tendril.eventstore.Decider;
import java.util.List;

/** Decide-and-append on one stream inside a caller's transaction (several streams may change in one). */
final class Streams {

    private Streams() {}

    /** What a command did to one stream: the state before, the new events and the state after. */
    record Decided<S, E>(S before, List<E> events, S after, long version) {}

    /** A stream's current state and version. */
    record Loaded<S>(S state, long version) {}

    static <C, S, E> Loaded<S> load(EventStreams streams, String streamId, Decider<C, S, E> decider, Class<E> type) {
        List<E> history = streams.read(streamId, type);
        S state = decider.initialState();
        for (E event : history) {
            state = decider.evolve(state, event);
        }
        return new Loaded<>(state, history.size());
    }

    static <C, S, E> Decided<S, E> decide(
            EventStreams streams, String streamId, Decider<C, S, E> decider, Class<E> type, C command) {
        Loaded<S> loaded = load(streams, streamId, decider, type);
        return decideFrom(streams, streamId, decider, type, command, loaded.state(), loaded.version());
    }

    /** As {@link #decide} from a state and version the caller already knows (from its locked read-model row). */
    static <C, S, E> Decided<S, E> decideFrom(
            EventStreams streams,
            String streamId,
            Decider<C, S, E> decider,
            Class<E> type,
            C command,
            S state,
            long version) {
        List<E> events = decider.decide(command, state);
        if (events.isEmpty()) {
            return new Decided<>(state, events, state, version);
        }
        streams.append(streamId, version, type, events);
        S after = state;
        for (E event : events) {
            after = decider.evolve(after, event);
        }
        return new Decided<>(state, events, after, version + events.size());
    }
}
