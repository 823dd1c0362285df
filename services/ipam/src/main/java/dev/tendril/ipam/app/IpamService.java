package dev.tendril.ipam.app;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.ConcurrencyException;
import dev.tendril.eventstore.EventStore;
import dev.tendril.eventstore.SqlFunction;
import dev.tendril.eventstore.Transactions;
import dev.tendril.ipam.adapters.persistence.CachedStreams;
import dev.tendril.ipam.adapters.persistence.IpamReadModel;
import dev.tendril.ipam.adapters.persistence.IpamReadModel.AllocationRow;
import dev.tendril.ipam.adapters.persistence.IpamReadModel.NodeRow;
import dev.tendril.ipam.adapters.persistence.Codecs;
import dev.tendril.eventstore.OneRoundTrip;
import dev.tendril.eventstore.StreamAppends;
import dev.tendril.ipam.domain.Cidr;
import dev.tendril.ipam.domain.IpAddress;
import dev.tendril.ipam.domain.IpFamily;
import dev.tendril.ipam.domain.IpamSettings;
import dev.tendril.ipam.domain.NodeAddresses;
import dev.tendril.ipam.domain.NodeCommand;
import dev.tendril.ipam.domain.NodeDecider;
import dev.tendril.ipam.domain.NodeEvent;
import dev.tendril.ipam.domain.NodeNames;
import dev.tendril.ipam.domain.NodeState;
import dev.tendril.ipam.domain.PodAllocation;
import dev.tendril.ipam.domain.PoolCommand;
import dev.tendril.ipam.domain.PoolDecider;
import dev.tendril.ipam.domain.PoolEvent;
import dev.tendril.ipam.domain.PoolSpec;
import dev.tendril.ipam.domain.PoolState;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * IPAM commands and queries. Streams: {@value #POOL_STREAM} (node CIDRs, cluster-wide) and
 * {@code node/<name>} (registration and pod addresses). Registration and deregistration touch both
 * in one transaction, always locking the pool first, so they cannot deadlock; pod address commands
 * touch only their node's stream, so nodes never wait for each other.
 *
 * <p>Commands are group-committed: callers queue them, each node's to the same writer thread (see
 * {@code queueOf}), and a writer takes whatever has queued (up to {@value #MAX_BATCH}) and decides all
 * of it in one transaction, each command on the state its predecessors left, locking the batch's
 * streams in name order. The batch's events and read-model rows are written with a constant number
 * of statements ({@link StreamAppends}, {@link IpamReadModel#applyAll}), and one commit (one WAL
 * flush) serves all its callers; a refused command fails alone. If the batch's transaction fails,
 * every command in it is run again on its own.
 */
public final class IpamService implements AutoCloseable {

    public static final String POOL_STREAM = "ipam/pool";
    public static final String NODE_STREAM_PREFIX = "node/";
    private static final int MAX_ATTEMPTS = 20;
    static final int MAX_BATCH = 128;
    public static final int DEFAULT_WRITERS = 2;

    /** A node's registration as the caller sees it. */
    public record NodeView(String name, List<String> ips, List<String> podCidrs, List<String> routerIps,
            String cluster, long allocated) {
    }

    /** The addresses of one pod; {@code created} is false for an idempotent retry. */
    public record Allocation(List<String> ips, boolean created) {
    }

    /** Use of one family's pool: node CIDRs (size, used, free) and pod addresses allocated. */
    public record PoolStatus(String family, List<String> cidrs, int nodeMask, long size, long used, long free,
            long podIpsAllocated) {
    }

    private final Transactions transactions;
    private final IpamSettings settings;
    private final Clock clock;
    private final String cluster;
    private final IpamReadModel readModel = new IpamReadModel();
    private final CachedStreams<PoolCommand, PoolState, PoolEvent> pool;
    private final CachedStreams<NodeCommand, NodeState, NodeEvent> nodes;
    // One queue per writer; a node's commands always go to the same one (see queueOf).
    private final List<java.util.concurrent.BlockingQueue<Queued<?>>> queues = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean open = true;

    public IpamService(EventStore store, IpamSettings settings, Clock clock, String cluster) {
        this(store, settings, clock, cluster, DEFAULT_WRITERS);
    }

    /** {@code writers} threads group-commit pod address commands; 0 runs each command in its caller. */
    public IpamService(EventStore store, IpamSettings settings, Clock clock, String cluster, int writers) {
        this.transactions = store.transactions();
        this.settings = settings;
        this.clock = clock;
        this.cluster = cluster;
        PoolDecider poolDecider = new PoolDecider(settings);
        this.pool = new CachedStreams<>(store, Codecs.POOL, stream -> poolDecider);
        this.nodes = new CachedStreams<>(store, Codecs.NODE,
                stream -> new NodeDecider(stream.substring(NODE_STREAM_PREFIX.length()), settings));
        for (int i = 0; i < writers; i++) {
            var queue = new java.util.concurrent.LinkedBlockingQueue<Queued<?>>();
            queues.add(queue);
            this.writers.add(Thread.ofPlatform().name("ipam-writer-" + i).daemon().start(() -> writeLoop(queue)));
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

    public IpamSettings settings() {
        return settings;
    }

    public static String nodeStream(String node) {
        return NODE_STREAM_PREFIX + node;
    }

    /** Registers the node (or updates its IPs); returns its pod CIDRs, the same ones every time. */
    public NodeView registerNode(String name, List<String> ipTexts) {
        NodeNames.check(name);
        List<IpAddress> ips = parseAll("ips", ipTexts);
        // Refused before it is queued: a node without (valid) addresses changes nothing.
        NodeAddresses.check(ips);
        BatchWork<NodeView> work = (nodeSlots, poolSlot, now) -> {
            List<PoolEvent> poolEvents = pool.decide(poolSlot, new PoolCommand.AllocateNodeCidrs(name, ips, now));
            Map<IpFamily, Cidr> cidrs = new EnumMap<>(IpFamily.class);
            cidrs.putAll(poolSlot.state().cidrsOf(name));
            poolEvents.forEach(e -> cidrOf(e).ifPresent(c -> cidrs.put(c.family(), c)));
            var nodeSlot = nodeSlots.apply(name);
            List<NodeEvent> nodeEvents = nodes.decide(nodeSlot,
                    new NodeCommand.RegisterNode(name, ips, cluster, List.copyOf(cidrs.values())));
            pool.applyPending(poolSlot, poolEvents);
            nodes.applyPending(nodeSlot, nodeEvents);
            return view(nodeSlot.state());
        };
        return submit(new Queued<>(name, true, work, () -> registerNodeAlone(name, ips),
                new java.util.concurrent.CompletableFuture<>()));
    }

    private NodeView registerNodeAlone(String name, List<IpAddress> ips) {
        return retrying(() -> {
            var poolSlot = pool.lock(POOL_STREAM);
            try {
                var nodeSlot = nodes.lock(nodeStream(name));
                try {
                    Instant now = clock.instant();
                    List<Object> appended = new ArrayList<>();
                    inTransaction(List.of(poolSlot, nodeSlot), tx -> {
                        PoolState poolState = pool.catchUp(tx, poolSlot);
                        nodes.catchUp(tx, nodeSlot);
                        List<PoolEvent> poolEvents = pool.decideAndAppend(tx, poolSlot,
                                new PoolCommand.AllocateNodeCidrs(name, ips, now));
                        Map<IpFamily, Cidr> cidrs = new EnumMap<>(IpFamily.class);
                        cidrs.putAll(poolState.cidrsOf(name));
                        poolEvents.forEach(e -> cidrOf(e).ifPresent(c -> cidrs.put(c.family(), c)));
                        List<NodeEvent> nodeEvents = nodes.decideAndAppend(tx, nodeSlot,
                                new NodeCommand.RegisterNode(name, ips, cluster, List.copyOf(cidrs.values())));
                        project(tx, nodeEvents);
                        appended.add(poolEvents);
                        appended.add(nodeEvents);
                        return null;
                    });
                    pool.committed(poolSlot, cast(appended.get(0)));
                    nodes.committed(nodeSlot, cast(appended.get(1)));
                    return view(nodeSlot.state());
                } finally {
                    nodeSlot.unlock();
                }
            } finally {
                poolSlot.unlock();
            }
        });
    }

    private static java.util.Optional<Cidr> cidrOf(PoolEvent event) {
        return switch (event) {
            case PoolEvent.PodCidrAllocated allocated -> java.util.Optional.of(allocated.cidr());
            case PoolEvent.PodCidrReleased released -> java.util.Optional.of(released.cidr());
            case PoolEvent.NodeAddressesClaimed claimed -> java.util.Optional.empty();
        };
    }

    /** Removes the node and returns its pod CIDRs to the pool (after quarantine). */
    public void deregisterNode(String name, boolean force) {
        NodeNames.check(name);
        retrying(() -> {
            var poolSlot = pool.lock(POOL_STREAM);
            try {
                var nodeSlot = nodes.lock(nodeStream(name));
                try {
                    Instant now = clock.instant();
                    List<Object> appended = new ArrayList<>();
                    inTransaction(List.of(poolSlot, nodeSlot), tx -> {
                        pool.catchUp(tx, poolSlot);
                        nodes.catchUp(tx, nodeSlot);
                        List<NodeEvent> nodeEvents = nodes.decideAndAppend(tx, nodeSlot,
                                new NodeCommand.DeregisterNode(name, force, now));
                        List<PoolEvent> poolEvents = pool.decideAndAppend(tx, poolSlot,
                                new PoolCommand.ReleaseNodeCidrs(name, now));
                        project(tx, nodeEvents);
                        appended.add(poolEvents);
                        appended.add(nodeEvents);
                        return null;
                    });
                    pool.committed(poolSlot, cast(appended.get(0)));
                    nodes.committed(nodeSlot, cast(appended.get(1)));
                    return null;
                } finally {
                    nodeSlot.unlock();
                }
            } finally {
                poolSlot.unlock();
            }
        });
    }

    /** One address per family for the pod; a retry with the same uid returns the same ones. */
    public Allocation allocate(String node, String owner, String uid) {
        return onNode(node, now -> new NodeCommand.AllocatePodIps(node, owner, uid, now), (state, events) -> {
            List<String> ips = events.stream()
                    .filter(e -> e instanceof NodeEvent.PodIpAllocated a && a.uid().equals(uid))
                    .map(e -> ((NodeEvent.PodIpAllocated) e).ip().toString()).toList();
            if (!ips.isEmpty()) {
                return new Allocation(ips, true);
            }
            PodAllocation existing = state.allocationOf(uid).orElseThrow();
            return new Allocation(existing.ips().stream().map(IpAddress::toString).toList(), false);
        });
    }

    /** Frees the address if {@code uid} holds it; false if it was free already. Stale uids are refused. */
    public boolean release(String node, String ipText, String uid) {
        IpAddress ip = parse("ip", ipText);
        return onNode(node, now -> new NodeCommand.ReleasePodIp(node, ip, uid, now), (state, events) -> !events.isEmpty());
    }

    /**
     * Frees every address {@code uid} holds on the node (a dual-stack pod's two in one command) and
     * returns them; empty if the uid holds nothing (already released, or a stale uid).
     */
    public List<String> releasePod(String node, String uid) {
        return releasePod(node, uid, false);
    }

    /**
     * @param rollback the pod's creation failed before it had an endpoint: addresses never confirmed are free
     *     again at once, not quarantined (confirmed ones are quarantined all the same)
     */
    public List<String> releasePod(String node, String uid, boolean rollback) {
        return onNode(node, now -> new NodeCommand.ReleasePod(node, uid, now, rollback), (state, events) -> events.stream()
                .map(e -> ((NodeEvent.PodIpReleased) e).ip().toString()).toList());
    }

    /** Releases an address the leak report found, if {@code uid} still holds it. */
    public boolean releaseLeaked(String node, String ipText, String uid) {
        IpAddress ip = parse("ip", ipText);
        return onNode(node, now -> new NodeCommand.ReleaseLeakedPodIp(node, ip, uid, now),
                (state, events) -> !events.isEmpty());
    }

    /** The pod has an endpoint: its addresses no longer expire. */
    public void confirm(String node, String uid) {
        onNode(node, now -> new NodeCommand.ConfirmPodIps(node, uid), (state, events) -> null);
    }

    /** Releases every node's expired unconfirmed allocations; returns how many addresses were freed. */
    public int expireUnconfirmed() {
        int freed = 0;
        Instant cutoff = clock.instant().minus(settings.unconfirmedExpiry());
        for (String node : transactions.inTransaction(tx -> readModel.nodesWithUnconfirmedBefore(tx, cutoff))) {
            try {
                freed += onNode(node, now -> new NodeCommand.ExpireUnconfirmed(node, now),
                        (state, events) -> events.size());
            } catch (CommandRejectedException gone) {
                // Deregistered since we listed it.
            }
        }
        return freed;
    }

    private interface Command {
        NodeCommand at(Instant now);
    }

    private interface Result<T> {
        T of(NodeState stateBeforeOurEvents, List<NodeEvent> events);
    }

    /** A command's decision inside a batch: decide on the slots' states, apply, and answer. */
    private interface BatchWork<T> {
        T decideAndApply(java.util.function.Function<String, CachedStreams<NodeCommand, NodeState, NodeEvent>.Slot> nodeSlots,
                CachedStreams<PoolCommand, PoolState, PoolEvent>.Slot poolSlot, Instant now);
    }

    private record Queued<T>(String node, boolean needsPool, BatchWork<T> work,
            java.util.function.Supplier<T> alone, java.util.concurrent.CompletableFuture<T> future) {
    }

    private <T> T onNode(String node, Command command, Result<T> result) {
        NodeNames.check(node);
        BatchWork<T> work = (nodeSlots, poolSlot, now) -> {
            var slot = nodeSlots.apply(node);
            List<NodeEvent> events = nodes.decide(slot, command.at(now));
            // The answer reads the state before this command's events (the idempotent-retry case).
            T answer = result.of(slot.state(), events);
            nodes.applyPending(slot, events);
            return answer;
        };
        return submit(new Queued<>(node, false, work, () -> onNodeAlone(node, command, result),
                new java.util.concurrent.CompletableFuture<>()));
    }

    private <T> T submit(Queued<T> queued) {
        if (writers.isEmpty() || !open) {
            return queued.alone().get();
        }
        queueOf(queued).add(queued);
        try {
            return queued.future().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the commit", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private <T> T onNodeAlone(String node, Command command, Result<T> result) {
        return retrying(() -> {
            var slot = nodes.lock(nodeStream(node));
            try {
                NodeCommand decided = command.at(clock.instant());
                List<NodeEvent> events = inTransaction(List.of(slot), tx -> {
                    nodes.catchUp(tx, slot);
                    List<NodeEvent> appended = nodes.decideAndAppend(tx, slot, decided);
                    project(tx, appended);
                    return appended;
                });
                T answer = result.of(slot.state(), events);
                nodes.committed(slot, events);
                return answer;
            } finally {
                slot.unlock();
            }
        });
    }

    /**
     * Commands of a node go to one writer (by the node name's hash), so two writers' batches never
     * want the same node stream: were they free to take any command, a batch would often wait for
     * another writer's commit on a node both touch, and the writers would take turns instead of
     * committing side by side. Commands that need the cluster pool stream all go to the first
     * writer, for the same reason.
     */
    private java.util.concurrent.BlockingQueue<Queued<?>> queueOf(Queued<?> queued) {
        return queues.get(queued.needsPool() ? 0 : Math.floorMod(queued.node().hashCode(), queues.size()));
    }

    private void writeLoop(java.util.concurrent.BlockingQueue<Queued<?>> queue) {
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
        boolean needsPool = batch.stream().anyMatch(Queued::needsPool);
        java.util.TreeMap<String, CachedStreams<NodeCommand, NodeState, NodeEvent>.Slot> slots = new java.util.TreeMap<>();
        batch.forEach(q -> slots.put(nodeStream(q.node()), null));
        CachedStreams<PoolCommand, PoolState, PoolEvent>.Slot poolSlot = needsPool ? pool.lock(POOL_STREAM) : null;
        try {
            for (String stream : slots.keySet()) {
                slots.put(stream, nodes.lock(stream));
            }
            List<Object> touched = new ArrayList<>(slots.values());
            if (poolSlot != null) {
                touched.add(poolSlot);
            }
            Object[] outcomes = new Object[batch.size()];
            try {
                inTransaction(touched, tx -> {
                    if (poolSlot != null) {
                        pool.catchUp(tx, poolSlot);
                    }
                    nodes.catchUpAll(tx, slots.values());
                    Instant now = clock.instant();
                    for (int i = 0; i < batch.size(); i++) {
                        try {
                            outcomes[i] = batch.get(i).work().decideAndApply(
                                    node -> slots.get(nodeStream(node)), poolSlot, now);
                        } catch (CommandRejectedException rejected) {
                            outcomes[i] = rejected;
                        }
                    }
                    List<StreamAppends.Append> appends = new ArrayList<>();
                    if (poolSlot != null) {
                        appends.add(pool.pendingAppend(poolSlot));
                    }
                    List<NodeEvent> appended = new ArrayList<>();
                    for (var slot : slots.values()) {
                        appends.add(nodes.pendingAppend(slot));
                        appended.addAll(nodes.pending(slot));
                    }
                    // Usually (pod addresses only) the events and the read model go in one round trip.
                    List<OneRoundTrip.Part> writes = new ArrayList<>(StreamAppends.parts(tx, appends));
                    var readModelWrites = readModel.allocationParts(tx, appended);
                    readModelWrites.ifPresent(writes::addAll);
                    OneRoundTrip.run(tx, writes);
                    if (readModelWrites.isEmpty()) {
                        readModel.applyAll(tx, appended);
                    }
                    return null;
                });
            } catch (RuntimeException failed) {
                // Undecided: the caches were reset; each command runs again alone, with its own retries.
                slots.values().forEach(nodes::invalidate);
                if (poolSlot != null) {
                    pool.invalidate(poolSlot);
                }
                batch.forEach(IpamService::runAlone);
                return;
            }
            if (poolSlot != null) {
                pool.committedPending(poolSlot);
            }
            slots.values().forEach(nodes::committedPending);
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

    @SuppressWarnings("unchecked")
    private static <T> void complete(Queued<T> queued, Object outcome) {
        if (outcome instanceof CommandRejectedException rejected) {
            queued.future().completeExceptionally(rejected);
        } else {
            queued.future().complete((T) outcome);
        }
    }

    private static <T> void runAlone(Queued<T> queued) {
        try {
            queued.future().complete(queued.alone().get());
        } catch (RuntimeException e) {
            queued.future().completeExceptionally(e);
        }
    }

    private void project(Connection tx, List<NodeEvent> events) throws SQLException {
        readModel.applyAll(tx, events);
    }

    /** Runs the work in one transaction; a failure other than a decision forgets the caches it touched. */
    private <T> T inTransaction(List<? extends Object> slots, SqlFunction<T> work) {
        try {
            return transactions.inTransaction(work);
        } catch (CommandRejectedException | ConcurrencyException expected) {
            throw expected;
        } catch (RuntimeException unknownOutcome) {
            for (Object slot : slots) {
                invalidate(slot);
            }
            throw unknownOutcome;
        }
    }

    @SuppressWarnings("unchecked")
    private void invalidate(Object slot) {
        if (slot instanceof CachedStreams<?, ?, ?>.Slot s) {
            if (POOL_STREAM.equals(s.streamId())) {
                pool.invalidate((CachedStreams<PoolCommand, PoolState, PoolEvent>.Slot) s);
            } else {
                nodes.invalidate((CachedStreams<NodeCommand, NodeState, NodeEvent>.Slot) s);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> cast(Object list) {
        return (List<T>) list;
    }

    private static <T> T retrying(java.util.function.Supplier<T> attempt) {
        ConcurrencyException last = null;
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            try {
                return attempt.get();
            } catch (ConcurrencyException conflict) {
                last = conflict;
            }
        }
        throw last;
    }

    private static IpAddress parse(String field, String text) {
        try {
            return IpAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw CommandRejectedException.invalid(field, e.getMessage());
        }
    }

    private static List<IpAddress> parseAll(String field, List<String> texts) {
        if (texts == null) {
            return List.of();
        }
        return texts.stream().map(t -> parse(field, t)).toList();
    }

    private NodeView view(NodeState state) {
        return new NodeView(state.name(), state.ips().stream().map(IpAddress::toString).toList(),
                state.podCidrs().stream().map(Cidr::toString).toList(),
                state.routerIps().stream().map(IpAddress::toString).toList(), state.cluster(),
                state.allocations().stream().mapToLong(a -> a.ips().size()).sum());
    }

    // Queries: from the read model, so every replica answers the same.

    public List<NodeRow> nodes() {
        return transactions.inTransaction(readModel::nodes);
    }

    public NodeRow node(String name) {
        NodeNames.check(name);
        return transactions.inTransaction(tx -> readModel.node(tx, name)).orElseThrow(() ->
                CommandRejectedException.notFound("name", "node '" + name + "' is not registered"));
    }

    public List<AllocationRow> allocations(String node) {
        NodeNames.check(node);
        return transactions.inTransaction(tx -> {
            if (readModel.node(tx, node).isEmpty()) {
                throw CommandRejectedException.notFound("name", "node '" + node + "' is not registered");
            }
            return readModel.allocations(tx, node);
        });
    }

    public List<AllocationRow> allAllocations() {
        return transactions.inTransaction(readModel::allAllocations);
    }

    public List<PoolStatus> pools() {
        return transactions.inTransaction(tx -> {
            List<NodeRow> rows = readModel.nodes(tx);
            Map<String, Long> allocated = readModel.allocatedPerFamily(tx);
            List<PoolStatus> result = new ArrayList<>();
            for (PoolSpec spec : settings.pools()) {
                long used = rows.stream().flatMap(r -> r.podCidrs().stream()).map(Cidr::parse)
                        .filter(c -> spec.indexOf(c) >= 0).count();
                long size = spec.nodeCidrCapacity();
                result.add(new PoolStatus(spec.name(), spec.cidrs().stream().map(Cidr::toString).toList(),
                        spec.nodeMask(), size, used, size - used, allocated.getOrDefault(spec.name(), 0L)));
            }
            return result;
        });
    }
}
