package dev.tendril.ipam.adapters.persistence;

import dev.tendril.eventstore.ChangeOrigin;
import dev.tendril.eventstore.EventCodec;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.EventStoreException;
import dev.tendril.eventstore.NewEvent;
import dev.tendril.eventstore.OneRoundTrip;
import dev.tendril.eventstore.StoredEvent;
import dev.tendril.eventstore.StreamAppends;
import dev.tendril.eventstore.Transactions;
import dev.tendril.ipam.app.IpamStore;
import dev.tendril.ipam.domain.NodeEvent;
import dev.tendril.ipam.domain.PoolEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@link IpamStore} on the shared PostgreSQL event store: stream row locks ({@code SELECT ... FOR
 * UPDATE}), the events since a known version, a group commit's appends ({@link StreamAppends}) sent
 * with the read model's writes ({@link IpamReadModel}) in one round trip ({@link OneRoundTrip}), and
 * a lone command's appends ({@link EventStore#append}) and read-model writes.
 */
public final class JdbcIpamStore implements IpamStore {

    private final EventStore store;
    private final Transactions transactions;
    private final IpamReadModel readModel = new IpamReadModel();

    public JdbcIpamStore(EventStore store) {
        this.store = store;
        this.transactions = store.transactions();
    }

    @Override
    public <T> T inTransaction(Function<Transaction, T> work) {
        return transactions.inTransaction(tx -> work.apply(new JdbcTransaction(tx)));
    }

    @Override
    public ChangeOrigin origin() {
        return store.origin();
    }

    /** The SQL of one transaction; a {@link SQLException} fails it as {@link Transactions} would. */
    private final class JdbcTransaction implements Transaction {

        private final Connection tx;

        JdbcTransaction(Connection tx) {
            this.tx = tx;
        }

        @Override
        public StreamRead<PoolEvent> lockPool(String streamId, long knownVersion) {
            try {
                return readSince(streamId, knownVersion, lockRow(streamId), Codecs.POOL);
            } catch (SQLException e) {
                throw failed(e);
            }
        }

        @Override
        public StreamRead<NodeEvent> lockNode(String streamId, long knownVersion) {
            try {
                return readSince(streamId, knownVersion, lockRow(streamId), Codecs.NODE);
            } catch (SQLException e) {
                throw failed(e);
            }
        }

        @Override
        public Map<String, StreamRead<NodeEvent>> lockNodes(Map<String, Long> knownVersions) {
            try {
                Map<String, Long> current = lockRows(knownVersions.keySet());
                Map<String, StreamRead<NodeEvent>> reads = new LinkedHashMap<>();
                for (Map.Entry<String, Long> known : knownVersions.entrySet()) {
                    reads.put(
                            known.getKey(),
                            readSince(
                                    known.getKey(),
                                    known.getValue(),
                                    current.getOrDefault(known.getKey(), EventStore.NO_STREAM),
                                    Codecs.NODE));
                }
                return reads;
            } catch (SQLException e) {
                throw failed(e);
            }
        }

        @Override
        public void write(List<Append<PoolEvent>> pool, List<Append<NodeEvent>> nodes) {
            try {
                List<StreamAppends.Append> appends = new ArrayList<>();
                pool.forEach(append -> appends.add(encoded(append, Codecs.POOL)));
                List<NodeEvent> projected = new ArrayList<>();
                for (Append<NodeEvent> append : nodes) {
                    appends.add(encoded(append, Codecs.NODE));
                    projected.addAll(append.events());
                }
                // Usually (pod addresses only) the events and the read model go in one round trip.
                List<OneRoundTrip.Part> writes = new ArrayList<>(StreamAppends.parts(tx, appends, store.origin()));
                Optional<List<OneRoundTrip.Part>> readModelWrites = readModel.allocationParts(tx, projected);
                readModelWrites.ifPresent(writes::addAll);
                OneRoundTrip.run(tx, writes);
                if (readModelWrites.isEmpty()) {
                    readModel.applyAll(tx, projected);
                }
            } catch (SQLException e) {
                throw failed(e);
            }
        }

        @Override
        public void writeEach(List<Append<PoolEvent>> pool, List<Append<NodeEvent>> nodes) {
            try {
                for (Append<PoolEvent> append : pool) {
                    store.append(
                            tx,
                            append.streamId(),
                            append.expectedVersion(),
                            append.events().stream().map(Codecs.POOL::encode).toList());
                }
                List<NodeEvent> projected = new ArrayList<>();
                for (Append<NodeEvent> append : nodes) {
                    store.append(
                            tx,
                            append.streamId(),
                            append.expectedVersion(),
                            append.events().stream().map(Codecs.NODE::encode).toList());
                    projected.addAll(append.events());
                }
                readModel.applyAll(tx, projected);
            } catch (SQLException e) {
                throw failed(e);
            }
        }

        /** The events after {@code known}, or the whole stream if it is shorter than that (the schema was reset). */
        private <E> StreamRead<E> readSince(String streamId, long known, long current, EventCodec<E> codec)
                throws SQLException {
            boolean restarted = current < known;
            long from = restarted ? 0 : known;
            if (current <= from) {
                return new StreamRead<>(restarted, List.of(), from);
            }
            List<StoredEvent> missed = store.readStream(tx, streamId, from);
            List<E> events = missed.stream().map(codec::decode).toList();
            return new StreamRead<>(
                    restarted,
                    events,
                    missed.isEmpty() ? from : missed.getLast().version());
        }

        private long lockRow(String streamId) throws SQLException {
            try (PreparedStatement select =
                    tx.prepareStatement("SELECT version FROM streams WHERE stream_id = ? FOR UPDATE")) {
                select.setString(1, streamId);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? row.getLong(1) : EventStore.NO_STREAM;
                }
            }
        }

        /** One round trip for the row locks, taken in stream-id byte order, as every other path takes them. */
        private Map<String, Long> lockRows(Collection<String> streamIds) throws SQLException {
            Map<String, Long> versions = new HashMap<>();
            if (streamIds.isEmpty()) {
                return versions;
            }
            try (PreparedStatement select = tx.prepareStatement("SELECT stream_id, version FROM streams "
                    + "WHERE stream_id = ANY (?) ORDER BY stream_id COLLATE \"C\" FOR UPDATE")) {
                select.setArray(1, tx.createArrayOf("text", streamIds.toArray()));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        versions.put(rows.getString(1), rows.getLong(2));
                    }
                }
            }
            return versions;
        }

        private static <E> StreamAppends.Append encoded(Append<E> append, EventCodec<E> codec) {
            List<NewEvent> events = new ArrayList<>(append.events().size());
            for (int i = 0; i < append.events().size(); i++) {
                NewEvent event = codec.encode(append.events().get(i));
                events.add(
                        append.origins().isEmpty()
                                ? event
                                : event.withOrigin(append.origins().get(i)));
            }
            return new StreamAppends.Append(append.streamId(), append.expectedVersion(), events);
        }

        private static EventStoreException failed(SQLException e) {
            return new EventStoreException("transaction failed: " + e.getMessage(), e);
        }
    }
}
