package dev.tendril.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.Counter.Increment;
import dev.tendril.eventstore.Counter.Incremented;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event store against a real PostgreSQL. */
class EventStoreTest {

    private DataSource dataSource;
    private EventStore store;

    @BeforeEach
    void freshStore() {
        dataSource = TestDatabase.freshSchema();
        store = new EventStore(new Transactions(dataSource));
    }

    @Test
    void appendsAndReadsAStreamInVersionOrder() {
        List<StoredEvent> first = store.append(
                "counter/a", EventStore.NO_STREAM, List.of(Counter.event("Created"), Counter.event("Renamed")));
        List<StoredEvent> second = store.append("counter/a", 2, List.of(Counter.event("Deleted")));

        assertThat(first).extracting(StoredEvent::version).containsExactly(1L, 2L);
        assertThat(second.getFirst().position()).isGreaterThan(first.getLast().position());
        assertThat(store.readStream("counter/a"))
                .extracting(StoredEvent::type, StoredEvent::version)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("Created", 1L),
                        org.assertj.core.groups.Tuple.tuple("Renamed", 2L),
                        org.assertj.core.groups.Tuple.tuple("Deleted", 3L));
        assertThat(store.readStream("counter/none")).isEmpty();
    }

    @Test
    void rejectsAStaleExpectedVersionAndWritesNothing() {
        store.append("counter/a", EventStore.NO_STREAM, List.of(Counter.event("Created"), Counter.event("Renamed")));

        assertThatThrownBy(() -> store.append("counter/a", 1, List.of(Counter.event("Stale"))))
                .isInstanceOf(ConcurrencyException.class)
                .hasMessageContaining("counter/a")
                .hasMessageContaining("at version 2, expected 1")
                .satisfies(e -> {
                    ConcurrencyException conflict = (ConcurrencyException) e;
                    assertThat(conflict.expectedVersion()).isEqualTo(1);
                    assertThat(conflict.actualVersion()).isEqualTo(2);
                });
        assertThatThrownBy(() -> store.append("counter/a", EventStore.NO_STREAM, List.of(Counter.event("Again"))))
                .isInstanceOf(ConcurrencyException.class);
        assertThatThrownBy(() -> store.append("counter/a", 7, List.of(Counter.event("Ahead"))))
                .isInstanceOf(ConcurrencyException.class)
                .hasMessageContaining("expected 7");

        assertThat(store.readStream("counter/a")).extracting(StoredEvent::type).containsExactly("Created", "Renamed");
    }

    @Test
    void letsExactlyOneOfManyConcurrentAppendersWinTheSameVersion() throws Exception {
        int writers = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<Boolean>> attempts = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            String type = "Writer" + i;
            attempts.add(() -> {
                start.await();
                try {
                    store.append("counter/race", EventStore.NO_STREAM, List.of(Counter.event(type)));
                    return true;
                } catch (ConcurrencyException lost) {
                    return false;
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<Boolean>> results = attempts.stream().map(pool::submit).toList();
            start.countDown();
            long winners = 0;
            for (Future<Boolean> result : results) {
                winners += result.get() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.readStream("counter/race")).hasSize(1);
    }

    @Test
    void commandHandlerNeverLosesOrDuplicatesUnderConcurrency() throws Exception {
        createCounterTable();
        CommandHandler<Increment, Integer, Incremented> handler =
                new CommandHandler<>(store, Counter.DECIDER, Counter.CODEC, this::projectCounter, 1_000);
        int threads = 6;
        int perThread = 20;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        handler.handle("counter/shared", new Increment(1));
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<StoredEvent> events = store.readStream("counter/shared");
        assertThat(events)
                .extracting(StoredEvent::version)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, threads * perThread)
                        .boxed()
                        .toList());
        assertThat(readCounter("counter/shared")).isEqualTo(threads * perThread);
    }

    @Test
    void aFailedReadModelUpdateLeavesNoEvent() throws Exception {
        createCounterTable();
        CommandHandler<Increment, Integer, Incremented> handler =
                new CommandHandler<>(store, Counter.DECIDER, Counter.CODEC, this::projectCounter);
        handler.handle("counter/atomic", new Increment(2));

        CommandHandler<Increment, Integer, Incremented> failing =
                new CommandHandler<>(store, Counter.DECIDER, Counter.CODEC, (tx, stream, state, events) -> {
                    projectCounter(tx, stream, state, events);
                    try (Statement broken = tx.createStatement()) {
                        broken.execute("INSERT INTO counters (stream_id, value) VALUES (NULL, 0)");
                    }
                });
        assertThatThrownBy(() -> failing.handle("counter/atomic", new Increment(3)))
                .isInstanceOf(EventStoreException.class)
                .hasMessageContaining("null value");

        assertThat(store.readStream("counter/atomic")).hasSize(1);
        assertThat(readCounter("counter/atomic")).isEqualTo(2);
    }

    @Test
    void aRejectedCommandWritesNothing() throws Exception {
        createCounterTable();
        CommandHandler<Increment, Integer, Incremented> handler =
                new CommandHandler<>(store, Counter.DECIDER, Counter.CODEC, this::projectCounter);
        assertThatThrownBy(() -> handler.handle("counter/rejected", new Increment(-4)))
                .isInstanceOf(CommandRejectedException.class)
                .hasMessageContaining("must be positive");
        assertThat(store.readStream("counter/rejected")).isEmpty();
        assertThat(readCounter("counter/rejected")).isZero();
    }

    @Test
    void refusesAnAppendThatWouldPutAStreamOutOfTransactionOrder() throws Exception {
        store.append("counter/order", EventStore.NO_STREAM, List.of(Counter.event("Created")));
        try (Connection early = dataSource.getConnection()) {
            early.setAutoCommit(false);
            try (Statement takeId = early.createStatement()) {
                takeId.execute("SELECT pg_current_xact_id()");
            }
            // A later transaction appends and commits while the early one already holds a smaller id.
            store.append("counter/order", 1, List.of(Counter.event("Renamed")));

            assertThatThrownBy(() -> store.append(early, "counter/order", 2, List.of(Counter.event("Late"))))
                    .isInstanceOf(ConcurrencyException.class)
                    .hasMessageContaining("retry");
            early.rollback();
        }
        store.append("counter/order", 2, List.of(Counter.event("Retried")));
        assertThat(store.readStream("counter/order"))
                .extracting(StoredEvent::type)
                .containsExactly("Created", "Renamed", "Retried");
    }

    private void createCounterTable() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE IF NOT EXISTS counters (stream_id TEXT PRIMARY KEY, value INT NOT NULL)");
        }
    }

    private void projectCounter(Connection tx, String streamId, Integer state, List<Incremented> events)
            throws SQLException {
        try (PreparedStatement upsert = tx.prepareStatement("INSERT INTO counters (stream_id, value) VALUES (?, ?) "
                + "ON CONFLICT (stream_id) DO UPDATE SET value = EXCLUDED.value")) {
            upsert.setString(1, streamId);
            upsert.setInt(2, state);
            upsert.executeUpdate();
        }
    }

    private int readCounter(String streamId) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT value FROM counters WHERE stream_id = ?")) {
            select.setString(1, streamId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getInt(1) : 0;
            }
        }
    }
}
