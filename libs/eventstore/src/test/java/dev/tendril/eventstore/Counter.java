package dev.tendril.eventstore;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A tiny aggregate for the tests: a counter that can be incremented up to a limit. */
final class Counter {

    record Increment(int by) {}

    record Incremented(int by) {}

    static final int LIMIT = 1_000;

    static final Decider<Increment, Integer, Incremented> DECIDER = new Decider<>() {
        @Override
        public Integer initialState() {
            return 0;
        }

        @Override
        public Integer evolve(Integer state, Incremented event) {
            return state + event.by();
        }

        @Override
        public List<Incremented> decide(Increment command, Integer state) {
            if (command.by() <= 0) {
                throw CommandRejectedException.invalid("by", "must be positive, was " + command.by());
            }
            if (state + command.by() > LIMIT) {
                throw CommandRejectedException.conflict("by", "would pass the limit " + LIMIT);
            }
            return List.of(new Incremented(command.by()));
        }
    };

    static final EventCodec<Incremented> CODEC = new EventCodec<>() {
        @Override
        public NewEvent encode(Incremented event) {
            return new NewEvent(
                    "Incremented", 1, NewEvent.JSON, ("{\"by\":" + event.by() + "}").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Incremented decode(StoredEvent stored) {
            String json = new String(stored.payload(), StandardCharsets.UTF_8);
            return new Incremented(Integer.parseInt(json.replaceAll("\\D", "")));
        }
    };

    private Counter() {}

    static NewEvent event(String type) {
        return new NewEvent(type, 1, NewEvent.JSON, "{}".getBytes(StandardCharsets.UTF_8));
    }
}
