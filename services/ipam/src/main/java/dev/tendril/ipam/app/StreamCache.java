package dev.tendril.ipam.app;

import dev.tendril.eventstore.ChangeOrigin;
import dev.tendril.eventstore.Decider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Event-sourced streams whose state is kept in memory between commands, so a command reads only the
 * events other replicas appended since (usually none) instead of the whole stream: a node's stream
 * grows with every allocation and release. Per stream, one command at a time in this JVM (a lock),
 * and one at a time across replicas (the store's row lock, {@link IpamStore.Transaction#lockNodes}),
 * so writers queue instead of failing their version check and retrying. The cached state is evolved
 * with committed events: with other replicas' events while catching up, with ours after our commit;
 * a group commit evolves it with its pending events before the commit and must {@link Slot#invalidate}
 * the slot if the commit fails.
 */
final class StreamCache<C, S, E> {

    private final Function<String, Decider<C, S, E>> deciders;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

    StreamCache(Function<String, Decider<C, S, E>> deciders) {
        this.deciders = deciders;
    }

    /** The stream's slot, locked; the caller must {@link Slot#unlock} it. */
    Slot lock(String streamId) {
        Slot slot = slots.computeIfAbsent(streamId, Slot::new);
        slot.lock.lock();
        return slot;
    }

    /** One stream's cache; use it only while holding its lock. */
    final class Slot {
        private final String streamId;
        private final Decider<C, S, E> decider;
        private final ReentrantLock lock = new ReentrantLock();
        private S state;
        private long version;
        // Decided and applied to state, not yet committed (group commits only).
        private final List<E> pending = new ArrayList<>();
        // Who caused each pending event: a group commit's commands come from several callers.
        private final List<ChangeOrigin> pendingOrigins = new ArrayList<>();

        private Slot(String streamId) {
            this.streamId = streamId;
            this.decider = deciders.apply(streamId);
            this.state = decider.initialState();
        }

        String streamId() {
            return streamId;
        }

        S state() {
            return state;
        }

        /** The version of the committed events in the state (pending ones not counted). */
        long version() {
            return version;
        }

        void unlock() {
            lock.unlock();
        }

        /** Applies what other replicas committed since this slot's version (under the store's row lock). */
        void catchUp(IpamStore.StreamRead<E> read) {
            if (read.restarted()) {
                state = decider.initialState();
                version = 0;
            }
            for (E event : read.events()) {
                state = decider.evolve(state, event);
            }
            version = read.version();
        }

        /** The events the command causes on the current state, which it leaves unchanged. */
        List<E> decide(C command) {
            return decider.decide(command, state);
        }

        /** After the commit: the events are history, so the cache may move on. */
        void committed(List<E> events) {
            for (E event : events) {
                state = decider.evolve(state, event);
            }
            version += events.size();
        }

        /** {@code events} (not yet committed) at this slot's version. */
        IpamStore.Append<E> append(List<E> events) {
            return new IpamStore.Append<>(streamId, version, List.copyOf(events));
        }

        /**
         * Group commit: applies the events at once, so the next command of the same batch sees them;
         * they are appended through {@link #pendingAppend} and count as history after
         * {@link #committedPending}.
         */
        void applyPending(List<E> events, ChangeOrigin origin) {
            for (E event : events) {
                state = decider.evolve(state, event);
                pendingOrigins.add(origin);
            }
            pending.addAll(events);
        }

        IpamStore.Append<E> pendingAppend() {
            return new IpamStore.Append<>(streamId, version, pending, pendingOrigins);
        }

        void committedPending() {
            version += pending.size();
            pending.clear();
            pendingOrigins.clear();
        }

        /** Forgets the cache (after a failure whose outcome is unknown the next command re-reads). */
        void invalidate() {
            state = decider.initialState();
            version = 0;
            pending.clear();
            pendingOrigins.clear();
        }
    }
}
