package dev.tendril.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.StreamAppends.Append;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Many streams in one append: the same outcome as {@link EventStore#append} per stream, or nothing. */
class StreamAppendsTest {

    private final EventStore store = new EventStore(new Transactions(TestDatabase.freshSchema()));

    private static NewEvent event(String text) {
        return new NewEvent("Noted", 1, NewEvent.JSON, ("\"" + text + "\"").getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> payloads(List<StoredEvent> events) {
        return events.stream()
                .map(e -> new String(e.payload(), StandardCharsets.UTF_8))
                .toList();
    }

    private long version(String stream) {
        Long version = store.transactions().inTransaction(tx -> EventStore.currentVersion(tx, stream));
        return version;
    }

    @Test
    void appendsToNewAndExistingStreamsWithConsecutiveVersionsInPositionOrder() {
        store.append("s/a", 0, List.of(event("a1")));
        store.transactions().inTransaction(tx -> {
            StreamAppends.appendAll(
                    tx,
                    List.of(
                            new Append("s/a", 1, List.of(event("a2"), event("a3"))),
                            new Append("s/b", 0, List.of(event("b1"), event("b2"))),
                            new Append("s/c", 0, List.of())),
                    ChangeOrigin.UNKNOWN);
            return null;
        });
        List<StoredEvent> a = store.readStream("s/a");
        assertThat(payloads(a)).containsExactly("\"a1\"", "\"a2\"", "\"a3\"");
        assertThat(a).extracting(StoredEvent::version).containsExactly(1L, 2L, 3L);
        assertThat(a.get(2).position()).isGreaterThan(a.get(1).position());
        assertThat(payloads(store.readStream("s/b"))).containsExactly("\"b1\"", "\"b2\"");
        assertThat(version("s/b")).isEqualTo(2);
        assertThat(version("s/c")).isZero();
    }

    @Test
    void aStaleExpectedVersionOnAnyStreamWritesNothing() {
        store.append("s/a", 0, List.of(event("a1")));
        store.append("s/b", 0, List.of(event("b1"), event("b2")));
        assertThatThrownBy(() -> store.transactions().inTransaction(tx -> {
                    StreamAppends.appendAll(
                            tx,
                            List.of(
                                    new Append("s/a", 1, List.of(event("a2"))),
                                    new Append("s/b", 1, List.of(event("b-stale")))),
                            ChangeOrigin.UNKNOWN);
                    return null;
                }))
                .isInstanceOf(ConcurrencyException.class)
                .hasMessageContaining("s/b");
        assertThatThrownBy(() -> store.transactions().inTransaction(tx -> {
                    StreamAppends.appendAll(
                            tx, List.of(new Append("s/a", 0, List.of(event("a-again")))), ChangeOrigin.UNKNOWN);
                    return null;
                }))
                .isInstanceOf(ConcurrencyException.class)
                .hasMessageContaining("s/a");
        assertThat(payloads(store.readStream("s/a"))).containsExactly("\"a1\"");
        assertThat(payloads(store.readStream("s/b"))).containsExactly("\"b1\"", "\"b2\"");
    }
}
