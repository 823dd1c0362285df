package dev.tendril.eventstore;

import java.util.List;

/**
 * The pure core of an aggregate: decide what happens (events) from a command and the current state,
 * and evolve the state by one event. No I/O: it is tested with {@code GivenWhenThen} (the test jar of this module).
 *
 * @param <C> commands, imperative ({@code AllocateIdentity})
 * @param <S> state folded from the stream's events
 * @param <E> events, past tense ({@code IdentityAllocated})
 */
public interface Decider<C, S, E> {

    S initialState();

    S evolve(S state, E event);

    /** The events the command causes; throws {@link CommandRejectedException} to refuse it. */
    List<E> decide(C command, S state);

    default S fold(List<E> events) {
        S state = initialState();
        for (E event : events) {
            state = evolve(state, event);
        }
        return state;
    }
}
