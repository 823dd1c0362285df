package dev.tendril.ipam.adapters.persistence;

import dev.tendril.eventstore.StreamAppends;

import dev.tendril.eventstore.Decider;
import dev.tendril.eventstore.EventCodec;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.StoredEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Event-sourced streams whose state is kept in memory between commands, so a command reads only the
 * events other replicas appended since (usually none) instead of the whole stream: a node's stream
 * grows with every allocation and release. Per stream, one command at a time in this JVM (a lock),
 * and one at a time across replicas ({@code SELECT ... FOR UPDATE} on the stream row), so writers
 * queue instead of failing their version check and retrying. The cached state is evolved only with
 * committed events: with other replicas' events while catching up, with ours after our commit.
 */
public final class CachedStreams<C, S, E> {

    private final EventStore store;
    private final EventCodec<E> codec;
    private final Function<String, Decider<C, S, E>> deciders;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

    public CachedStreams(EventStore store, EventCodec<E> codec, Function<String, Decider<C, S, E>> deciders) {
        this.store = store;
        this.codec = codec;
        this.deciders = deciders;
    }

    /** One stream's cache; use it only while holding its lock (see {@link #lock}). */
    public final class Slot {
        final String streamId;
        final Decider<C, S, E> decider;
        final ReentrantLock lock = new ReentrantLock();
        S state;
        long version;
        // Decided and applied to state, not yet committed (batched commands only).
        final List<E> pending = new java.util.ArrayList<>();

        Slot(String streamId) {
            this.streamId = streamId;
            this.decider = deciders.apply(streamId);
            this.state = decider.initialState();
        }

        public String streamId() {
            return streamId;
        }

        public S state() {
            return state;
        }

        public void unlock() {
            lock.unlock();
        }
    }

    public Slot lock(String streamId) {
        Slot slot = slots.computeIfAbsent(streamId, Slot::new);
        slot.lock.lock();
        return slot;
    }

    /** Locks the stream row for this transaction and applies what other replicas committed since. */
    public S catchUp(Connection tx, Slot slot) throws SQLException {
        return catchUpTo(tx, slot, lockRow(tx, slot.streamId));
    }

    private S catchUpTo(Connection tx, Slot slot, long current) throws SQLException {
        if (current < slot.version) {
            // The stream is shorter than our cache (the schema was reset): start over.
            slot.state = slot.decider.initialState();
            slot.version = 0;
        }
        if (current > slot.version) {
            List<StoredEvent> missed = store.readStream(tx, slot.streamId, slot.version);
            for (StoredEvent stored : missed) {
                slot.state = slot.decider.evolve(slot.state, codec.decode(stored));
                slot.version = stored.version();
            }
        }
        return slot.state;
    }

    /**
     * {@link #catchUp} for several streams with one round trip for the row locks, taken in stream-id
     * order (byte order, as every other path takes them).
     */
    public void catchUpAll(Connection tx, java.util.Collection<Slot> slots) throws SQLException {
        if (slots.isEmpty()) {
            return;
        }
        java.util.Map<String, Long> versions = new java.util.HashMap<>();
        try (PreparedStatement select = tx.prepareStatement("SELECT stream_id, version FROM streams "
                + "WHERE stream_id = ANY (?) ORDER BY stream_id COLLATE \"C\" FOR UPDATE")) {
            select.setArray(1, tx.createArrayOf("text", slots.stream().map(slot -> slot.streamId).toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    versions.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        for (Slot slot : slots) {
            catchUpTo(tx, slot, versions.getOrDefault(slot.streamId, EventStore.NO_STREAM));
        }
    }

    /** Decides on the caught-up state and appends the events (not yet applied to the cache). */
    public List<E> decideAndAppend(Connection tx, Slot slot, C command) throws SQLException {
        List<E> events = slot.decider.decide(command, slot.state);
        if (!events.isEmpty()) {
            store.append(tx, slot.streamId, slot.version, events.stream().map(codec::encode).toList());
        }
        return events;
    }

    /** After the commit: the events are history, so the cache may move on. */
    public void committed(Slot slot, List<E> events) {
        for (E event : events) {
            slot.state = slot.decider.evolve(slot.state, event);
        }
        slot.version += events.size();
    }

    /**
     * Batched commands: {@link #decide}, then apply the events to the cached state at once, so the next
     * command of the same batch sees them. The events are appended through {@link #pendingAppend} and count as history
     * after {@link #committedPending}; if the transaction fails the slot must be {@link #invalidate}d.
     */
    public List<E> decide(Slot slot, C command) {
        return slot.decider.decide(command, slot.state);
    }

    public void applyPending(Slot slot, List<E> events) {
        for (E event : events) {
            slot.state = slot.decider.evolve(slot.state, event);
        }
        slot.pending.addAll(events);
    }

    /** The slot's pending events as one stream's part of a {@link StreamAppends#appendAll}. */
    public StreamAppends.Append pendingAppend(Slot slot) {
        return new StreamAppends.Append(slot.streamId, slot.version, slot.pending.stream().map(codec::encode).toList());
    }

    public List<E> pending(Slot slot) {
        return slot.pending;
    }

    public void committedPending(Slot slot) {
        slot.version += slot.pending.size();
        slot.pending.clear();
    }

    /** Forget the cache (after a failure whose outcome is unknown the next command re-reads). */
    public void invalidate(Slot slot) {
        slot.state = slot.decider.initialState();
        slot.version = 0;
        slot.pending.clear();
    }

    private static long lockRow(Connection tx, String streamId) throws SQLException {
        try (PreparedStatement select = tx.prepareStatement(
                "SELECT version FROM streams WHERE stream_id = ? FOR UPDATE")) {
            select.setString(1, streamId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(1) : EventStore.NO_STREAM;
            }
        }
    }
}
