package dev.tendril.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException.Kind;
import dev.tendril.eventstore.Counter.Increment;
import dev.tendril.eventstore.Counter.Incremented;
import org.junit.jupiter.api.Test;

class GivenWhenThenTest {

    private final GivenWhenThen<Increment, Integer, Incremented> counter = GivenWhenThen.of(Counter.DECIDER);

    @Test
    void decidesEventsFromPastEvents() {
        var outcome = counter.given(new Incremented(5), new Incremented(6))
                .when(new Increment(3))
                .then(new Incremented(3));
        assertThat(outcome.stateAfter()).isEqualTo(14);
    }

    @Test
    void reportsRejectionWithKindAndField() {
        counter.given(new Incremented(Counter.LIMIT)).when(new Increment(1)).thenRejected(Kind.CONFLICT, "by");
        counter.given().when(new Increment(0)).thenRejected(Kind.INVALID, "by");
    }

    @Test
    void failsWhenTheDecisionDiffersFromTheExpectation() {
        assertThatThrownBy(() -> counter.given().when(new Increment(2)).then(new Incremented(3)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Incremented[by=3]")
                .hasMessageContaining("Incremented[by=2]");
        assertThatThrownBy(() -> counter.given().when(new Increment(2)).thenRejected(Kind.INVALID, "by"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("got events");
        assertThatThrownBy(() -> counter.given().when(new Increment(-1)).then(new Incremented(-1)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("rejected");
    }
}
