package dev.tendril.eventstore;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Updates a service's query tables from newly appended events, inside the transaction that appends
 * them: either both commit or neither does.
 */
@FunctionalInterface
public interface ReadModelProjector<S, E> {

    void project(Connection tx, String streamId, S newState, List<E> events) throws SQLException;

    static <S, E> ReadModelProjector<S, E> none() {
        return (tx, streamId, newState, events) -> {};
    }
}
