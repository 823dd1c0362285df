package dev.tendril.ipam.app;

import dev.tendril.eventstore.ChangeOrigin;
import dev.tendril.ipam.domain.NodeEvent;
import dev.tendril.ipam.domain.PoolEvent;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Port: IPAM's event streams and the read model written with them, one transaction at a time.
 * Implemented by the persistence adapter; the application keeps the streams' states in memory and
 * asks only for the events it has not seen (see {@link StreamCache}).
 */
public interface IpamStore {

    /**
     * Runs {@code work} in one transaction: it commits when the work returns and rolls back when it
     * throws. A stale expected version throws {@link dev.tendril.eventstore.ConcurrencyException}, a
     * database failure {@link dev.tendril.eventstore.EventStoreException}.
     */
    <T> T inTransaction(Function<Transaction, T> work);

    /**
     * Who events appended now by this thread are caused by: a queued command takes it in its caller's
     * thread, since a writer thread appends its events.
     */
    ChangeOrigin origin();

    /** What one transaction can do; valid only inside {@link #inTransaction}. */
    interface Transaction {

        /**
         * Locks the pool stream's row until the commit (writers of the stream queue behind it) and
         * returns what was committed after {@code knownVersion}.
         */
        StreamRead<PoolEvent> lockPool(String streamId, long knownVersion);

        /** {@link #lockPool} for one node stream. */
        StreamRead<NodeEvent> lockNode(String streamId, long knownVersion);

        /**
         * {@link #lockPool} for several node streams (keys: stream ids, values: known versions) with
         * one round trip for the row locks, taken in stream-id byte order as every other path takes
         * them; returns an entry for every key. A group commit's locks.
         */
        Map<String, StreamRead<NodeEvent>> lockNodes(Map<String, Long> knownVersions);

        /**
         * Appends the decided events, each stream at its expected version, and applies the node events
         * to the read model, in a constant number of statements (one round trip when the node events
         * only allocate and release addresses): what keeps a group commit at three round trips.
         */
        void write(List<Append<PoolEvent>> pool, List<Append<NodeEvent>> nodes);

        /**
         * {@link #write} for one command: plain statements per stream. For a command or two PostgreSQL
         * spends less CPU on these than on {@link #write}'s array-fed ones, though they take more
         * round trips (docs/ipam.md).
         */
        void writeEach(List<Append<PoolEvent>> pool, List<Append<NodeEvent>> nodes);
    }

    /**
     * Events committed to a stream after the version the caller knows, in order, and the version they
     * bring it to. {@code restarted}: the stream is shorter than the caller's version (the schema was
     * reset), so the events are the whole stream and the caller's state must start over.
     */
    record StreamRead<E>(boolean restarted, List<E> events, long version) {}

    /**
     * Events to append to one stream, which must be at {@code expectedVersion} (0: a new stream), with
     * the origin of each (a group commit's events come from several callers) or no origins: the
     * appending thread's.
     */
    record Append<E>(String streamId, long expectedVersion, List<E> events, List<ChangeOrigin> origins) {
        public Append {
            events = List.copyOf(events);
            origins = List.copyOf(origins);
            if (!origins.isEmpty() && origins.size() != events.size()) {
                throw new IllegalArgumentException(
                        "one origin per event: " + origins.size() + " origins for " + events.size() + " events");
            }
        }

        public Append(String streamId, long expectedVersion, List<E> events) {
            this(streamId, expectedVersion, events, List.of());
        }
    }
}
