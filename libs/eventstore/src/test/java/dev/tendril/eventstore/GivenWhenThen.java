package dev.tendril.eventstore;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Given past events, when a command, then these events or a rejection: tests for pure deciders.
 *
 * <pre>{@code
 * GivenWhenThen.of(decider).given(e1, e2).when(command).then(e3);
 * GivenWhenThen.of(decider).given().when(command).thenRejected(Kind.CONFLICT, "ip");
 * }</pre>
 */
public final class GivenWhenThen<C, S, E> {

    private final Decider<C, S, E> decider;
    private List<E> history = List.of();

    private GivenWhenThen(Decider<C, S, E> decider) {
        this.decider = decider;
    }

    public static <C, S, E> GivenWhenThen<C, S, E> of(Decider<C, S, E> decider) {
        return new GivenWhenThen<>(decider);
    }

    @SafeVarargs
    public final GivenWhenThen<C, S, E> given(E... past) {
        this.history = List.of(past);
        return this;
    }

    public GivenWhenThen<C, S, E> given(List<E> past) {
        this.history = List.copyOf(past);
        return this;
    }

    public Outcome when(C command) {
        S state = decider.fold(history);
        try {
            return new Outcome(state, decider.decide(command, state), null);
        } catch (CommandRejectedException rejection) {
            return new Outcome(state, null, rejection);
        }
    }

    /** The decision, checked with {@code then...}. Failures throw AssertionError with both sides. */
    public final class Outcome {
        private final S stateBefore;
        private final List<E> events;
        private final CommandRejectedException rejection;

        private Outcome(S stateBefore, List<E> events, CommandRejectedException rejection) {
            this.stateBefore = stateBefore;
            this.events = events;
            this.rejection = rejection;
        }

        @SafeVarargs
        public final Outcome then(E... expected) {
            if (rejection != null) {
                throw new AssertionError("expected events " + Arrays.asList(expected)
                        + " but the command was rejected: " + rejection.kind() + " " + rejection.field()
                        + ": " + rejection.reason());
            }
            if (!events.equals(List.of(expected))) {
                throw new AssertionError("expected events " + Arrays.asList(expected) + " but got " + events);
            }
            return this;
        }

        public Outcome thenNothing() {
            return then();
        }

        public Outcome thenEvents(Consumer<List<E>> check) {
            if (rejection != null) {
                throw new AssertionError("expected events but the command was rejected: " + rejection.getMessage());
            }
            check.accept(events);
            return this;
        }

        public Outcome thenRejected(CommandRejectedException.Kind kind, String field) {
            if (rejection == null) {
                throw new AssertionError(
                        "expected a " + kind + " rejection on '" + field + "' but got events " + events);
            }
            if (rejection.kind() != kind || !Objects.equals(rejection.field(), field)) {
                throw new AssertionError("expected a " + kind + " rejection on '" + field + "' but got "
                        + rejection.kind() + " on '" + rejection.field() + "': " + rejection.reason());
            }
            return this;
        }

        /** The state after applying the decided events to the given history. */
        public S stateAfter() {
            if (rejection != null) {
                return stateBefore;
            }
            S state = stateBefore;
            for (E event : events) {
                state = decider.evolve(state, event);
            }
            return state;
        }
    }
}
