package dev.tendril.identity.app;

import dev.tendril.eventstore.ChangeOrigin;
import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.identity.app.IdentityRows.Unused;
import dev.tendril.identity.domain.IdRange;
import dev.tendril.identity.domain.IdentityCommand.AllocateIdentity;
import dev.tendril.identity.domain.IdentityCommand.ReleaseIdentity;
import dev.tendril.identity.domain.IdentityDecider;
import dev.tendril.identity.domain.IdentityEvent;
import dev.tendril.identity.domain.IdentityLabels;
import dev.tendril.identity.domain.IdentityState;
import dev.tendril.k8s.labels.Labels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Allocate-or-reuse of numeric identities, atomic across any number of replicas sharing the database.
 *
 * <p>How: a new identity is claimed by inserting its read-model row ({@link IdentityRows#claim}), whose
 * label set and id are both unique. A concurrent claim of the same label set (in this or another
 * replica) waits for the uncommitted row and, once it commits, finds that id instead; a concurrent
 * claim of the same id tries another one. The {@code IdentityAllocated} event is appended in that same
 * transaction. Ids are picked at random in the cluster's range (as Cilium does, so a released id is
 * rarely handed out again at once); when random picks keep colliding, a scan finds the lowest free id,
 * and a full range is a clear error.
 *
 * <p>Reuse lookups are answered from an in-memory map key -> id: an id never changes while allocated,
 * and releases (local, or seen in the event log from other replicas by {@link ReleaseFollower}) evict
 * it. Cache misses from API callers are grouped by an {@link AllocationBatcher}: one transaction (one
 * commit, one WAL flush) carries every allocation that arrived while the previous one ran.
 */
public final class IdentityAllocator {

    public static final String STREAM_PREFIX = "identity/";
    private static final int RANDOM_PICKS = 8;
    private static final int MAX_CLAIMS = 32;

    private final IdentityStorage storage;
    private final IdRange range;
    private final String clusterName;
    private final IdentityDecider decider;
    private final Map<String, Long> cache = new ConcurrentHashMap<>();
    private final AllocationBatcher batcher;

    public IdentityAllocator(IdentityStorage storage, IdRange range, String clusterName) {
        this(storage, range, clusterName, AllocationBatcher.DEFAULT_WORKERS, AllocationBatcher.DEFAULT_MAX_BATCH);
    }

    /**
     * @param workers   transactions allocating new identities at once (each holds a connection while busy)
     * @param maxBatch  most allocations one transaction carries
     */
    public IdentityAllocator(IdentityStorage storage, IdRange range, String clusterName, int workers, int maxBatch) {
        this.storage = storage;
        this.range = range;
        this.clusterName = clusterName;
        this.decider = new IdentityDecider(range);
        this.batcher = new AllocationBatcher(this, workers, maxBatch);
    }

    public IdRange range() {
        return range;
    }

    public static String streamId(long id) {
        return STREAM_PREFIX + id;
    }

    /** Allocate-or-reuse for an API caller: no endpoint uses it yet, so GC may release it after the grace period. */
    public Allocation allocate(Labels labels) {
        if (labels.isEmpty()) {
            throw CommandRejectedException.invalid(
                    "labels", "no identity-relevant label: an identity needs at least one");
        }
        String key = labels.identityKey();
        Long cached = cache.get(key);
        if (cached != null) {
            return new Allocation(cached, labels, false);
        }
        Allocation allocation = batcher.submit(labels);
        cache.put(key, allocation.id());
        return allocation;
    }

    /**
     * Allocate-or-reuse of several label sets in one transaction (the batcher's unit of work), each
     * identity's event recording the origin of the caller that asked for it.
     */
    List<Allocation> allocateAll(List<Labels> labelSets, List<ChangeOrigin> origins) {
        return Retrying.inTransaction(storage, tx -> {
            List<Allocation> result = new ArrayList<>(labelSets.size());
            for (int i = 0; i < labelSets.size(); i++) {
                Labels labels = labelSets.get(i);
                result.add(ChangeOrigin.supplyAs(origins.get(i), () -> acquire(tx, labels, false)));
            }
            return result;
        });
    }

    /** Who events appended now by this thread are caused by. */
    ChangeOrigin origin() {
        return storage.origin();
    }

    /** Stops the batcher's workers (tests and benchmarks that create allocators of their own). */
    public void close() {
        batcher.close();
    }

    /**
     * Allocate-or-reuse inside the caller's transaction. With {@code forEndpoint}, the identity's endpoint
     * count goes up in the same statement that finds it, which row-locks it against a concurrent GC.
     */
    Allocation acquire(StorageTransaction tx, Labels labels, boolean forEndpoint) {
        IdentityRows rows = tx.identities();
        if (forEndpoint) {
            // Most registrations reuse: find-and-count in one statement, which also row-locks against GC.
            OptionalLong existing = rows.useIdOf(labels);
            if (existing.isPresent()) {
                return new Allocation(existing.getAsLong(), labels, false);
            }
        }
        for (int claim = 0; claim < MAX_CLAIMS; claim++) {
            OptionalLong candidate = claim < RANDOM_PICKS ? OptionalLong.of(randomId()) : rows.lowestFree(range);
            if (candidate.isEmpty()) {
                throw IdentityDecider.exhausted(range, clusterName);
            }
            long id = candidate.getAsLong();
            long version = rows.claim(id, streamId(id), labels, forEndpoint);
            if (version > 0) {
                // The row is ours until commit, so the id's stream is at version - 1 and nobody else appends.
                Streams.decideFrom(
                        tx.events(),
                        streamId(id),
                        decider,
                        IdentityEvent.class,
                        new AllocateIdentity(id, labels),
                        IdentityState.FREE,
                        version - 1);
                return new Allocation(id, labels, true);
            }
            OptionalLong existing = forEndpoint ? rows.useIdOf(labels) : rows.idOf(labels);
            if (existing.isPresent()) {
                return new Allocation(existing.getAsLong(), labels, false);
            }
        }
        throw CommandRejectedException.conflict(
                "labels",
                "no free identity found in " + range + " after " + MAX_CLAIMS
                        + " attempts; the range is nearly exhausted");
    }

    /**
     * Releases identities no endpoint has used for {@code grace}, at most {@code batchSize} in one
     * transaction. Rows are locked skipping locked ones: an identity an endpoint is just taking (its row
     * locked by the count update) is skipped, and a row whose count rose is no longer selected, so an
     * identity in use is never released; concurrent collectors in other replicas take disjoint rows.
     * Identities with a {@code cidr:} label (allocated for policies' CIDR peers, never by endpoints, so
     * no endpoint count ever keeps them) are never released.
     */
    public List<IdentityRecord> collectGarbage(Duration grace, int batchSize) {
        List<IdentityRecord> released = Retrying.inTransaction(storage, tx -> {
            List<Unused> victims = tx.identities().lockUnused(grace, batchSize);
            release(tx, victims);
            return victims.stream()
                    .map(v -> new IdentityRecord(v.id(), v.labels(), 0))
                    .toList();
        });
        released.forEach(r -> forget(r.id(), r.labels()));
        return released;
    }

    /**
     * Releases identities whose {@code cidr:} or {@code reserved:} labels no client may ask for any more
     * ({@link IdentityLabels#storedProblem}): garbage stored before those labels were validated, such as
     * {@code cidr:---/0} or a second {@code reserved:host}. They are released at once, without a grace
     * period (nothing legitimate uses them), unless an endpoint uses one; at most {@code batchSize} per call.
     *
     * @return each released identity with the reason it was invalid
     */
    public Map<IdentityRecord, String> collectInvalid(int batchSize) {
        Map<IdentityRecord, String> released = Retrying.inTransaction(storage, tx -> {
            Map<IdentityRecord, String> invalid = new LinkedHashMap<>();
            List<Unused> victims = new ArrayList<>();
            for (Unused candidate : tx.identities().lockUnusedCidrOrReserved()) {
                if (victims.size() >= batchSize) {
                    break;
                }
                String problem = IdentityLabels.storedProblem(candidate.labels());
                if (problem != null) {
                    invalid.put(new IdentityRecord(candidate.id(), candidate.labels(), 0), problem);
                    victims.add(candidate);
                }
            }
            release(tx, victims);
            return invalid;
        });
        released.keySet().forEach(r -> forget(r.id(), r.labels()));
        return released;
    }

    private void release(StorageTransaction tx, List<Unused> victims) {
        if (victims.isEmpty()) {
            return;
        }
        for (Unused victim : victims) {
            Streams.decideFrom(
                    tx.events(),
                    streamId(victim.id()),
                    decider,
                    IdentityEvent.class,
                    new ReleaseIdentity(victim.id()),
                    new IdentityState(victim.id(), victim.labels(), true),
                    victim.streamVersion());
        }
        tx.identities().delete(victims.stream().map(Unused::id).toList());
    }

    /** Evicts a released identity from the reuse cache (only if the cache still maps its labels to it). */
    public void forget(long id, Labels labels) {
        cache.remove(labels.identityKey(), id);
    }

    public Optional<IdentityRecord> find(long id) {
        return storage.inTransaction(tx -> tx.identities().byId(id));
    }

    /** Allocated identities holding every label of {@code filter}, by id. */
    public List<IdentityRecord> list(Labels filter, int limit) {
        return storage.inTransaction(tx -> tx.identities().holdingAll(filter, limit));
    }

    private long randomId() {
        return ThreadLocalRandom.current().nextLong(range.min(), range.max() + 1);
    }
}
