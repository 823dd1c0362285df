package dev.tendril.eventstore;

import java.util.List;

/**
 * The one shape every service command takes: load the stream, decide (pure), then append the events
 * and update the read model in ONE transaction. A concurrent change to the same stream makes the
 * append fail its version check; the whole command is then decided again on fresh state, a bounded
 * number of times, so concurrent callers never duplicate or lose an event.
 */
public final class CommandHandler<C, S, E> {

    private final EventStore store;
    private final Decider<C, S, E> decider;
    private final EventCodec<E> codec;
    private final ReadModelProjector<S, E> readModel;
    private final int maxAttempts;

    public CommandHandler(
            EventStore store,
            Decider<C, S, E> decider,
            EventCodec<E> codec,
            ReadModelProjector<S, E> readModel,
            int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
        this.store = store;
        this.decider = decider;
        this.codec = codec;
        this.readModel = readModel;
        this.maxAttempts = maxAttempts;
    }

    public CommandHandler(
            EventStore store, Decider<C, S, E> decider, EventCodec<E> codec, ReadModelProjector<S, E> readModel) {
        this(store, decider, codec, readModel, 20);
    }

    public CommandResult<S, E> handle(String streamId, C command) {
        ConcurrencyException lastConflict = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                return store.transactions().inTransaction(tx -> {
                    List<StoredEvent> history = store.readStream(tx, streamId, 0);
                    S state = decider.initialState();
                    for (StoredEvent stored : history) {
                        state = decider.evolve(state, codec.decode(stored));
                    }
                    long version = history.size();
                    List<E> events = decider.decide(command, state);
                    if (events.isEmpty()) {
                        return new CommandResult<>(state, version, List.of());
                    }
                    store.append(
                            tx,
                            streamId,
                            version,
                            events.stream().map(codec::encode).toList());
                    for (E event : events) {
                        state = decider.evolve(state, event);
                    }
                    readModel.project(tx, streamId, state, events);
                    return new CommandResult<>(state, version + events.size(), List.copyOf(events));
                });
            } catch (ConcurrencyException conflict) {
                lastConflict = conflict;
            }
        }
        throw lastConflict;
    }
}
