package dev.tendril.identity.adapters.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.eventstore.EventStoreException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Which storage failures the endpoint registry retries as a lost race. */
class PostgresStorageTest {

    private final PostgresStorage storage = new PostgresStorage(null);

    @Test
    void deadlocksAndSerializationFailuresAreLostRaces() {
        assertThat(storage.lostToConcurrentTransaction(failure("40P01"))).isTrue();
        assertThat(storage.lostToConcurrentTransaction(failure("40001"))).isTrue();
    }

    @Test
    void aFailureWithoutAStateIsReportedAsItselfNotAsALostRace() {
        // A broken connection or a pool timeout has no SQL state: it answered UNKNOWN (a NullPointerException from
        // Set.of's contains) to 50 RegisterEndpoint calls in a churn run, hiding the real error.
        assertThat(storage.lostToConcurrentTransaction(failure(null))).isFalse();
        assertThat(storage.lostToConcurrentTransaction(failure("08006"))).isFalse();
        assertThat(storage.lostToConcurrentTransaction(new IllegalStateException("not storage")))
                .isFalse();
    }

    private static RuntimeException failure(String state) {
        return new EventStoreException("append failed", new SQLException("failed", state));
    }
}
