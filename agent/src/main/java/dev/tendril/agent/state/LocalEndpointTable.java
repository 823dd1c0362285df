package dev.tendril.agent.state;

import dev.tendril.api.v1.Endpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which endpoints this node serves, merged from two sources, and their endpoint ids:
 *
 * <ul>
 *   <li>endpoints created through this agent's endpoint API ({@link #register}): the agent owns them
 *       until they are deleted through the API, also before tendril.endpoints shows them;</li>
 *   <li>endpoints of tendril.endpoints whose {@code node} is this node (registered by other means).</li>
 * </ul>
 *
 * For a key in both, the topic's identity wins when the uid matches (it is fresher, e.g. after a
 * namespace relabel), the API record when it does not (the topic still shows an older incarnation).
 * An endpoint being deleted, or a uid deleted through the API whose tombstone has not arrived yet, is
 * served by neither.
 *
 * <p>An API endpoint deleted upstream (at the identity service) leaves tendril.endpoints: once the topic
 * has shown the endpoint with its uid ({@code published}), a newer image without it (a tombstone, or
 * another incarnation of the pod) makes it "gone upstream": deleting at once (its maps go), finished by
 * {@code EndpointManager#finishUpstreamDeletions} (addresses released, id freed). An endpoint still
 * being created is never published yet, so it is never taken for gone. Only {@link #resolveLatest}, fed
 * with the consumer's images in order, learns this: an older image must not read as a deletion.
 * Thread-safe; {@link #snapshot()} is what the agent persists.
 *
 * <p>Longer than 400 lines: the two sources, the deletion states and the ids are one piece of state under one
 * lock, persisted as one snapshot; the cached answer of {@link #resolveLatest} is only right while every change
 * goes through this class.
 */
public final class LocalEndpointTable {

    /**
     * The persisted form.
     *
     * @param published uids of API endpoints tendril.endpoints has shown
     * @param staleUids uids re-created through the API while the topic still showed their deleted
     *     incarnation: not taken as published until the topic has dropped that record once
     * @param goneUpstream keys of API endpoints deleted upstream whose deletion is not finished
     * @param terminating keys of API endpoints deleted with a grace period, with the epoch millisecond their
     *     deletion is due (absent in tables saved before grace periods: none)
     */
    public record Snapshot(
            List<LocalEndpoint> registered,
            Map<String, String> digests,
            Map<String, Integer> ids,
            Set<String> deleting,
            Set<String> deletedUids,
            Set<String> published,
            Set<String> staleUids,
            Set<String> goneUpstream,
            Map<String, Long> terminating) {
        public static final Snapshot EMPTY =
                new Snapshot(List.of(), Map.of(), Map.of(), Set.of(), Set.of(), Set.of(), Set.of(), Set.of(), Map.of());

        public Snapshot {
            registered = registered == null ? List.of() : List.copyOf(registered);
            digests = digests == null ? Map.of() : Map.copyOf(digests);
            ids = ids == null ? Map.of() : Map.copyOf(ids);
            deleting = deleting == null ? Set.of() : Set.copyOf(deleting);
            deletedUids = deletedUids == null ? Set.of() : Set.copyOf(deletedUids);
            published = published == null ? Set.of() : Set.copyOf(published);
            staleUids = staleUids == null ? Set.of() : Set.copyOf(staleUids);
            goneUpstream = goneUpstream == null ? Set.of() : Set.copyOf(goneUpstream);
            terminating = terminating == null ? Map.of() : Map.copyOf(terminating);
        }
    }

    private final String node;
    private final Map<String, LocalEndpoint> registered = new TreeMap<>();
    private final Map<String, String> digests = new TreeMap<>();
    private final Set<String> deleting = new TreeSet<>();
    private final Set<String> deletedUids = new TreeSet<>();
    private final Set<String> published = new TreeSet<>();
    private final Set<String> staleUids = new TreeSet<>();
    private final Set<String> goneUpstream = new TreeSet<>();
    /** API endpoints deleted with a grace period: key -> epoch millisecond the deletion is due. */
    private final Map<String, Long> terminating = new TreeMap<>();
    /**
     * Ids reserved for API creations still in flight (IPAM and identity calls before {@link #register}): neither
     * source shows them yet, but a {@link #resolve} meanwhile must not free the id for the next endpoint to take.
     */
    private final Set<String> creating = new HashSet<>();
    /** Endpoints the last {@link #resolve} took from the topic alone (no API record for the key), by key. */
    private Map<String, LocalEndpoint> servedFromTopic = Map.of();

    private EndpointIds ids;
    private long changes;
    /**
     * Moves with every change of the table (persisted or not): what {@link #resolve} and {@link #resolveLatest}
     * answered for the same input is still the answer while it stays.
     */
    private long version;
    // resolve's last answer, for this node's endpoints of an image (the image's own map, compared by reference)
    // and the table at version resolvedVersion: every batch of records without a local change gets it again.
    private List<LocalEndpoint> resolved;
    private Map<String, Endpoint> resolvedOn;
    private long resolvedVersion = -1;
    // The image resolveLatest last looked at, and the table's version after it when that look changed nothing
    // (else -1): every API endpoint was as the topic showed it, so only keys a delta replays can change that.
    private NodeImage latest;
    private long latestVersion = -1;

    public LocalEndpointTable(String node, Snapshot restored) {
        this.node = node;
        restored.registered().forEach(e -> registered.put(e.key(), e));
        digests.putAll(restored.digests());
        this.ids = new EndpointIds(restored.ids());
        deleting.addAll(restored.deleting());
        deletedUids.addAll(restored.deletedUids());
        published.addAll(restored.published());
        staleUids.addAll(restored.staleUids());
        goneUpstream.addAll(restored.goneUpstream());
        terminating.putAll(restored.terminating());
    }

    public synchronized Optional<LocalEndpoint> registered(String key) {
        return Optional.ofNullable(registered.get(key));
    }

    public synchronized boolean isDeleting(String key) {
        return deleting.contains(key);
    }

    /** True when the endpoint was deleted upstream (at the identity service), not through this agent's API. */
    public synchronized boolean isGoneUpstream(String key) {
        return goneUpstream.contains(key);
    }

    public synchronized boolean hasGoneUpstream() {
        return !goneUpstream.isEmpty();
    }

    /** API endpoints deleted upstream whose local state and addresses are still to be released. */
    public synchronized List<LocalEndpoint> goneUpstream() {
        return goneUpstream.stream()
                .map(registered::get)
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    /**
     * Reserves the endpoint id of a new incarnation created through the API; kept while the creation runs, then
     * while the endpoint is registered, until {@link #release(String)} or {@link #remove(String)}.
     */
    public synchronized int reserveId(String uid) {
        version++;
        int id = assign(owner(uid, null));
        creating.add(owner(uid, null));
        return id;
    }

    private int assign(String owner) {
        EndpointIds next = ids.assign(owner);
        if (next != ids) {
            ids = next;
            changed();
        }
        return ids.idOf(owner);
    }

    /** What the API request that created or last changed the endpoint said (labels etc.), or null. */
    public synchronized String digest(String key) {
        return digests.get(key);
    }

    /** @param digest what the request said, to tell a repeated request from a relabel */
    public synchronized void register(LocalEndpoint endpoint, String digest) {
        registered.put(endpoint.key(), endpoint);
        creating.remove(owner(endpoint.uid(), endpoint.key()));
        digests.put(endpoint.key(), digest);
        if (deletedUids.remove(endpoint.uid())) {
            // The topic may still show the deleted incarnation of this uid; its tombstone is on the way.
            staleUids.add(endpoint.uid());
        }
        changed();
    }

    /**
     * Records that the API endpoint {@code key} is being deleted with a grace period ending at {@code removeAt};
     * it stays registered and served until then.
     */
    public synchronized void markTerminating(String key, Instant removeAt) {
        if (!registered.containsKey(key)) {
            throw new IllegalArgumentException("no API endpoint " + key);
        }
        terminating.put(key, removeAt.toEpochMilli());
        changed();
    }

    /** Undoes {@link #markTerminating} (the identity service refused to mark it). */
    public synchronized void unmarkTerminating(String key) {
        if (terminating.remove(key) != null) {
            changed();
        }
    }

    /** When the deletion of the terminating API endpoint {@code key} is due; empty when it is not terminating. */
    public synchronized Optional<Instant> terminatingUntil(String key) {
        Long at = terminating.get(key);
        return at == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(at));
    }

    /** Terminating API endpoints whose grace period is over at {@code now}, by key. */
    public synchronized List<LocalEndpoint> dueTerminations(Instant now) {
        return terminating.entrySet().stream()
                .filter(e -> e.getValue() <= now.toEpochMilli())
                .map(e -> registered.get(e.getKey()))
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    public synchronized void markDeleting(String key) {
        deleting.add(key);
        changed();
    }

    /** Forgets a deleted endpoint and frees its id; a topic record of its uid is ignored until its tombstone. */
    public synchronized void remove(String key) {
        LocalEndpoint e = registered.remove(key);
        digests.remove(key);
        deleting.remove(key);
        terminating.remove(key);
        boolean upstream = goneUpstream.remove(key);
        if (e != null) {
            ids = ids.release(owner(e.uid(), key));
            published.remove(e.uid());
            staleUids.remove(e.uid());
            // Deleted upstream, its tombstone is in already: nothing of this uid is left to ignore.
            if (!e.uid().isEmpty() && !upstream) {
                deletedUids.add(e.uid());
            }
        }
        changed();
    }

    /** The endpoint the topic alone shows under {@code key} on this node (as of the last resolve), if any. */
    public synchronized Optional<LocalEndpoint> servedFromTopic(String key) {
        return Optional.ofNullable(servedFromTopic.get(key));
    }

    /**
     * True when an endpoint id is held for {@code uid} while no API endpoint has that uid and no creation of it
     * is running: the agent stopped between reserving the id and recording the endpoint, so IPAM and the
     * identity service may hold the pod without this table knowing it.
     */
    public synchronized boolean unfinishedCreation(String uid) {
        return ids.byOwner().containsKey(owner(uid, null))
                && !creating.contains(owner(uid, null))
                && registered.values().stream().noneMatch(e -> e.uid().equals(uid))
                && servedFromTopic.values().stream().noneMatch(e -> e.uid().equals(uid));
    }

    /**
     * Forgets the pod incarnation {@code uid}, deleted without an API record here: neither source serves it
     * until the topic has dropped it, and its id is freed.
     */
    public synchronized void forgetIncarnation(String key, String uid) {
        deletedUids.add(uid);
        ids = ids.release(owner(uid, key));
        published.remove(uid);
        staleUids.remove(uid);
        Map<String, LocalEndpoint> served = new HashMap<>(servedFromTopic);
        served.remove(key);
        servedFromTopic = Map.copyOf(served);
        changed();
    }

    /** Releases an id reserved for a creation that did not complete. */
    public synchronized void release(String uid) {
        creating.remove(owner(uid, null));
        ids = ids.release(owner(uid, null));
        published.remove(uid);
        staleUids.remove(uid);
        changed();
    }

    /**
     * {@link #resolve} for the newest image of the state topics, as the topic consumer builds them (each
     * newer than the last): first learns which API endpoints the topic publishes, and which published ones
     * it no longer does (deleted upstream: marked deleting and {@link #goneUpstream()}).
     */
    public synchronized List<LocalEndpoint> resolveLatest(NodeImage image) {
        return resolveLatest(image, null);
    }

    /**
     * {@link #resolveLatest(NodeImage)} for {@code image}, which is {@code delta.apply()}: when the table has not
     * changed since it was given {@code delta.base()}, only the API endpoints whose keys the delta replays are
     * looked up in the image, so a batch costs what it replays rather than a lookup per API endpoint.
     *
     * @param delta null: every API endpoint is looked up
     */
    public synchronized List<LocalEndpoint> resolveLatest(NodeImage image, NodeDelta delta) {
        long before = version;
        if (delta != null && delta.base() == latest && before == latestVersion) {
            for (String key : delta.endpointChanges().keySet()) {
                LocalEndpoint api = registered.get(key);
                if (api != null) {
                    learnPublished(key, api, image);
                }
            }
        } else {
            registered.forEach((key, api) -> learnPublished(key, api, image));
        }
        boolean learned = version != before;
        List<LocalEndpoint> out = resolve(image);
        latest = image;
        latestVersion = learned ? -1 : version;
        return out;
    }

    /** Whether the topic shows the API endpoint {@code api} (its uid under its key) or stopped showing it. */
    private void learnPublished(String key, LocalEndpoint api, NodeImage image) {
        if (deleting.contains(key) || api.uid().isEmpty()) {
            return;
        }
        Endpoint e = image.endpoints().get(key);
        boolean shown = e != null && e.getUid().equals(api.uid());
        if (staleUids.contains(api.uid())) {
            if (!shown && staleUids.remove(api.uid())) {
                changed();
            }
            return;
        }
        if (shown) {
            if (published.add(api.uid())) {
                changed();
            }
        } else if (published.contains(api.uid())) {
            deleting.add(key);
            goneUpstream.add(key);
            changed();
        }
    }

    /**
     * The endpoints this node serves for an image, by key; assigns ids to endpoints new in the topic and
     * frees the ids of endpoints gone from both sources. Call only with a bootstrapped image.
     */
    public synchronized List<LocalEndpoint> resolve(NodeImage image) {
        Map<String, Endpoint> on = image.endpointsOn(node);
        if (resolved != null && on == resolvedOn && version == resolvedVersion && deletedUids.isEmpty()) {
            return resolved;
        }
        Map<String, LocalEndpoint> out = new HashMap<>();
        // Runs after every batch of records: the common case (nothing deleted through the API) must not pass
        // over every endpoint of the cluster; this node's own come from the image's index by node.
        if (!deletedUids.isEmpty()) {
            Set<String> seenUids = new HashSet<>();
            for (Endpoint e : image.endpoints().values()) {
                if (e.getUid().isEmpty() || !deletedUids.contains(e.getUid())) {
                    continue;
                }
                seenUids.add(e.getUid());
            }
            // A tombstone (or a new incarnation) arrived for a uid deleted through the API: stop remembering it.
            if (deletedUids.retainAll(seenUids)) {
                changed();
            }
        }
        for (Endpoint e : on.values()) {
            String key = e.getNamespace() + "/" + e.getPod();
            if (deleting.contains(key) || deletedUids.contains(e.getUid())) {
                continue;
            }
            LocalEndpoint api = registered.get(key);
            if (api != null && !api.uid().equals(e.getUid())) {
                continue;
            }
            int id = api != null ? api.endpointId() : assign(owner(e.getUid(), key));
            out.put(
                    key,
                    new LocalEndpoint(
                            e.getNamespace(),
                            e.getPod(),
                            e.getUid(),
                            id,
                            e.getIpv4(),
                            e.getIpv6(),
                            Integer.toUnsignedLong(e.getIdentity())));
        }
        for (LocalEndpoint api : registered.values()) {
            if (!deleting.contains(api.key())) {
                out.putIfAbsent(api.key(), api);
            }
        }
        Set<String> live = new HashSet<>();
        out.values().forEach(e -> live.add(owner(e.uid(), e.key())));
        registered.values().forEach(e -> live.add(owner(e.uid(), e.key())));
        live.addAll(creating);
        for (String owner : List.copyOf(ids.byOwner().keySet())) {
            if (!live.contains(owner)) {
                ids = ids.release(owner);
                changed();
            }
        }
        Map<String, LocalEndpoint> topicOnly = new HashMap<>(out);
        topicOnly.keySet().removeAll(registered.keySet());
        servedFromTopic = Map.copyOf(topicOnly);
        List<LocalEndpoint> list = new ArrayList<>(out.values());
        list.sort(Comparator.comparingInt(LocalEndpoint::endpointId));
        resolved = List.copyOf(list);
        resolvedOn = on;
        resolvedVersion = version;
        return resolved;
    }

    /** The identities of the endpoints created through the API (a policy-fetching agent needs their maps). */
    public synchronized Set<Long> registeredIdentities() {
        Set<Long> out = new HashSet<>();
        registered.values().forEach(e -> out.add(e.identity()));
        return out;
    }

    /** Increases with every change that must be persisted. */
    public synchronized long changes() {
        return changes;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(
                List.copyOf(registered.values()),
                digests,
                ids.byOwner(),
                deleting,
                deletedUids,
                published,
                staleUids,
                goneUpstream,
                terminating);
    }

    /** Every change of the table's state: the persisted counter and the version answers are cached against. */
    private void changed() {
        changes++;
        version++;
    }

    /** Ids are owned by the pod uid; an endpoint published without one by its key. */
    private static String owner(String uid, String key) {
        return uid == null || uid.isEmpty() ? "key:" + key : uid;
    }
}
