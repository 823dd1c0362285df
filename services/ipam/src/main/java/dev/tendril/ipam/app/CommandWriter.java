package dev.tendril.ipam.app;

import dev.tendril.eventstore.ChangeOrigin;
import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.ConcurrencyException;
import dev.tendril.ipam.domain.IpamSettings;
import dev.tendril.ipam.domain.NodeCommand;
import dev.tendril.ipam.domain.NodeDecider;
import dev.tendril.ipam.domain.NodeEvent;
import dev.tendril.ipam.domain.NodeState;
import dev.tendril.ipam.domain.PoolCommand;
import dev.tendril.ipam.domain.PoolDecider;
import dev.tendril.ipam.domain.PoolEvent;
import dev.tendril.ipam.domain.PoolState;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * Runs IPAM commands: load (catch the cached streams up), decide, append in one transaction. Streams:
 * {@value IpamService#POOL_STREAM} (node CIDRs, cluster-wide) and {@code node/<name>} (registration
 * and pod addresses). A command touches one node's stream and, for registration and deregistration,
 * the pool's, always locking the pool first, so commands cannot deadlock; pod address commands touch
 * only their node's stream, so nodes never wait for each other.
 *
 * <p>Commands are group-committed: callers queue them, each node's to the same writer thread (see
 * {@code queueOf}), and a writer takes whatever has queued (up to {@value #MAX_BATCH}) and decides all
 * of it in one transaction, each command on the state its predecessors left, locking the batch's
 * streams in name order. The batch's events and read-model rows are written with a constant number
 * of statements ({@link IpamStore.Transaction#write}), and one commit (one WAL flush) serves all its
 * callers; a refused command fails alone. If the batch's transaction fails, every command in it is
 * run again on its own.
 */
final class CommandWriter implements AutoCloseable {

    private static final int MAX_BATCH = 128;
    private static final int MAX_ATTEMPTS = 20;

    /** The caught-up streams a command decides on; deciding changes nothing. */
    interface Streams {
        /** The pool's state; only for commands that need the pool. */
        PoolState pool();

        List<PoolEvent> decide(PoolCommand command);

        NodeState node();

        List<NodeEvent> decide(NodeCommand command);
    }

    /**
     * What a command decided: its events and its answer, computed from the node's state once the
     * events are applied to it.
     */
    record Decision<T>(List<PoolEvent> poolEvents, List<NodeEvent> nodeEvents, Function<NodeState, T> answer) {

        static <T> Decision<T> onNode(List<NodeEvent> events, Function<NodeState, T> answer) {
            return new Decision<>(List.of(), events, answer);
        }
    }

    /** Decides a command at {@code now}, on the streams it touches. */
    interface Work<T> {
        Decision<T> decide(Streams streams, Instant now);
    }

    /** A command on {@code node}'s stream, and on the pool's if {@code needsPool}. */
    record Command<T>(String node, boolean needsPool, Work<T> work) {}

    // The caller's origin, taken in its thread: a writer thread appends the command's events.
    private record Queued<T>(Command<T> command, ChangeOrigin origin, CompletableFuture<T> future) {}

    private final IpamStore store;
    private final Clock clock;
    private final StreamCache<PoolCommand, PoolState, PoolEvent> pool;
    private final StreamCache<NodeCommand, NodeState, NodeEvent> nodes;
    // One queue per writer; a node's commands always go to the same one (see queueOf).
    private final List<BlockingQueue<Queued<?>>> queues = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean open = true;

    /** {@code writers} threads group-commit queued commands; 0 runs each command in its caller. */
    CommandWriter(IpamStore store, IpamSettings settings, Clock clock, int writers) {
        this.store = store;
        this.clock = clock;
        PoolDecider poolDecider = new PoolDecider(settings);
        this.pool = new StreamCache<>(stream -> poolDecider);
        this.nodes = new StreamCache<>(
                stream -> new NodeDecider(stream.substring(IpamService.NODE_STREAM_PREFIX.length()), settings));
        for (int i = 0; i < writers; i++) {
            var queue = new LinkedBlockingQueue<Queued<?>>();
            queues.add(queue);
            this.writers.add(
                    Thread.ofPlatform().name("ipam-writer-" + i).daemon().start(() -> writeLoop(queue)));
        }
    }

    @Override
    public void close() {
        open = false;
        writers.forEach(Thread::interrupt);
        List<Queued<?>> left = new ArrayList<>();
        queues.forEach(queue -> queue.drainTo(left));
        left.forEach(q -> q.future().completeExceptionally(new IllegalStateException("the IPAM service is stopping")));
    }

    /** Queues the command for a writer and waits for its commit (or runs it alone if there are no writers). */
    <T> T submit(Command<T> command) {
        if (writers.isEmpty() || !open) {
            return runAlone(command);
        }
        Queued<T> queued = new Queued<>(command, store.origin(), new CompletableFuture<>());
        queueOf(command).add(queued);
        try {
            return queued.future().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the commit", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Runs the command in the caller's thread, in a transaction of its own, deciding it again (a
     * bounded number of times) if a concurrent writer moved one of its streams.
     */
    <T> T runAlone(Command<T> command) {
        ConcurrencyException last = null;
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            try {
                return attemptAlone(command);
            } catch (ConcurrencyException conflict) {
                last = conflict;
            }
        }
        throw last;
    }

    private <T> T attemptAlone(Command<T> command) {
        var poolSlot = command.needsPool() ? pool.lock(IpamService.POOL_STREAM) : null;
        try {
            var nodeSlot = nodes.lock(IpamService.nodeStream(command.node()));
            try {
                Instant now = clock.instant();
                Decision<T> decision;
                try {
                    decision = store.inTransaction(tx -> {
                        if (poolSlot != null) {
                            poolSlot.catchUp(tx.lockPool(poolSlot.streamId(), poolSlot.version()));
                        }
                        nodeSlot.catchUp(tx.lockNode(nodeSlot.streamId(), nodeSlot.version()));
                        Decision<T> decided = command.work().decide(new SlotStreams(poolSlot, nodeSlot), now);
                        tx.writeEach(
                                poolSlot == null ? List.of() : List.of(poolSlot.append(decided.poolEvents())),
                                List.of(nodeSlot.append(decided.nodeEvents())));
                        return decided;
                    });
                } catch (CommandRejectedException | ConcurrencyException expected) {
                    // Nothing was applied to the caches: they still hold committed state only.
                    throw expected;
                } catch (RuntimeException unknownOutcome) {
                    if (poolSlot != null) {
                        poolSlot.invalidate();
                    }
                    nodeSlot.invalidate();
                    throw unknownOutcome;
                }
                if (poolSlot != null) {
                    poolSlot.committed(decision.poolEvents());
                }
                nodeSlot.committed(decision.nodeEvents());
                return decision.answer().apply(nodeSlot.state());
            } finally {
                nodeSlot.unlock();
            }
        } finally {
            if (poolSlot != null) {
                poolSlot.unlock();
            }
        }
    }

    /**
     * Commands of a node go to one writer (by the node name's hash), so two writers' batches never
     * want the same node stream: were they free to take any command, a batch would often wait for
     * another writer's commit on a node both touch, and the writers would take turns instead of
     * committing side by side. Commands that need the cluster pool stream all go to the first
     * writer, for the same reason.
     */
    private BlockingQueue<Queued<?>> queueOf(Command<?> command) {
        return queues.get(command.needsPool() ? 0 : Math.floorMod(command.node().hashCode(), queues.size()));
    }

    private void writeLoop(BlockingQueue<Queued<?>> queue) {
        List<Queued<?>> batch = new ArrayList<>();
        while (open) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            try {
                runBatch(batch);
            } catch (RuntimeException | Error unexpected) {
                batch.forEach(q -> q.future().completeExceptionally(unexpected));
            }
            batch.clear();
        }
    }

    /** Locks the pool (if needed) and then the node streams in name order: the order every path uses. */
    private void runBatch(List<Queued<?>> batch) {
        boolean needsPool = batch.stream().anyMatch(q -> q.command().needsPool());
        TreeMap<String, StreamCache<NodeCommand, NodeState, NodeEvent>.Slot> slots = new TreeMap<>();
        batch.forEach(q -> slots.put(IpamService.nodeStream(q.command().node()), null));
        var poolSlot = needsPool ? pool.lock(IpamService.POOL_STREAM) : null;
        try {
            for (String stream : slots.keySet()) {
                slots.put(stream, nodes.lock(stream));
            }
            Object[] outcomes = new Object[batch.size()];
            try {
                store.inTransaction(tx -> {
                    if (poolSlot != null) {
                        poolSlot.catchUp(tx.lockPool(poolSlot.streamId(), poolSlot.version()));
                    }
                    Map<String, Long> known = new TreeMap<>();
                    slots.values().forEach(slot -> known.put(slot.streamId(), slot.version()));
                    var reads = tx.lockNodes(known);
                    slots.values().forEach(slot -> slot.catchUp(reads.get(slot.streamId())));
                    Instant now = clock.instant();
                    for (int i = 0; i < batch.size(); i++) {
                        var nodeSlot = slots.get(
                                IpamService.nodeStream(batch.get(i).command().node()));
                        try {
                            outcomes[i] = decideAndApply(
                                    batch.get(i).command(), batch.get(i).origin(), poolSlot, nodeSlot, now);
                        } catch (CommandRejectedException rejected) {
                            outcomes[i] = rejected;
                        }
                    }
                    tx.write(
                            poolSlot == null ? List.of() : List.of(poolSlot.pendingAppend()),
                            slots.values().stream()
                                    .map(slot -> slot.pendingAppend())
                                    .toList());
                    return null;
                });
            } catch (RuntimeException failed) {
                // Undecided: forget the caches; each command runs again alone, with its own retries.
                slots.values().forEach(slot -> slot.invalidate());
                if (poolSlot != null) {
                    poolSlot.invalidate();
                }
                batch.forEach(this::completeAlone);
                return;
            }
            if (poolSlot != null) {
                poolSlot.committedPending();
            }
            slots.values().forEach(slot -> slot.committedPending());
            for (int i = 0; i < batch.size(); i++) {
                complete(batch.get(i), outcomes[i]);
            }
        } finally {
            for (var slot : slots.values()) {
                if (slot != null) {
                    slot.unlock();
                }
            }
            if (poolSlot != null) {
                poolSlot.unlock();
            }
        }
    }

    /** Decides on the slots' states and applies the events at once, so the batch's next command sees them. */
    private static <T> T decideAndApply(
            Command<T> command,
            ChangeOrigin origin,
            StreamCache<PoolCommand, PoolState, PoolEvent>.Slot poolSlot,
            StreamCache<NodeCommand, NodeState, NodeEvent>.Slot nodeSlot,
            Instant now) {
        Decision<T> decision = command.work().decide(new SlotStreams(poolSlot, nodeSlot), now);
        if (!decision.poolEvents().isEmpty()) {
            poolSlot.applyPending(decision.poolEvents(), origin);
        }
        nodeSlot.applyPending(decision.nodeEvents(), origin);
        return decision.answer().apply(nodeSlot.state());
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Queued<T> queued, Object outcome) {
        if (outcome instanceof CommandRejectedException rejected) {
            queued.future().completeExceptionally(rejected);
        } else {
            queued.future().complete((T) outcome);
        }
    }

    private <T> void completeAlone(Queued<T> queued) {
        try {
            queued.future().complete(ChangeOrigin.supplyAs(queued.origin(), () -> runAlone(queued.command())));
        } catch (RuntimeException e) {
            queued.future().completeExceptionally(e);
        }
    }

    private record SlotStreams(
            StreamCache<PoolCommand, PoolState, PoolEvent>.Slot poolSlot,
            StreamCache<NodeCommand, NodeState, NodeEvent>.Slot nodeSlot)
            implements Streams {

        @Override
        public PoolState pool() {
            return poolSlot.state();
        }

        @Override
        public List<PoolEvent> decide(PoolCommand command) {
            return poolSlot.decide(command);
        }

        @Override
        public NodeState node() {
            return nodeSlot.state();
        }

        @Override
        public List<NodeEvent> decide(NodeCommand command) {
            return nodeSlot.decide(command);
        }
    }
}
