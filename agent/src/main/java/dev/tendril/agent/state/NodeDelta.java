package dev.tendril.agent.state;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.api.v1.SubjectPolicyRevision;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The changes replayed on top of an image, single-threaded (KRaft's MetadataDelta): per topic, the keys
 * that changed and their latest value, and the offsets reached. A bootstrap is a delta from
 * {@link NodeImage#EMPTY}. Later records for a key replace earlier ones; a tombstone deletes the key.
 * {@link #apply()} keeps the images of topics that saw no record. A policy map whose revision is lower than
 * the one held (a re-delivered or reordered record) is ignored, and so is a Service's; a map fetched from the policy
 * service ({@link #replayFetched}) enters by the same rule. {@link #changes} says what was added,
 * changed and removed against the base image: what a {@link ImagePublisher} writes.
 */
public final class NodeDelta {

    /**
     * What a delta does to one topic's image, by key: new keys, keys whose value differs, keys gone. A record
     * that repeats a key's value (a re-delivery) is in none of them.
     */
    public record TopicChanges<K>(Set<K> added, Set<K> changed, Set<K> removed) {

        public boolean isEmpty() {
            return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
        }

        public int total() {
            return added.size() + changed.size() + removed.size();
        }
    }

    private final NodeImage base;
    // A null value marks a deletion (HashMap allows null values).
    private final Map<Long, Identity> identities = new HashMap<>();
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<Long, SubjectPolicyMap> policies = new HashMap<>();
    private final Map<String, ServiceMaps> services = new HashMap<>();
    // Subject to its latest revision on tendril.policy.revisions; null: the tombstone (no map any more).
    private final Map<Long, Long> revisions = new HashMap<>();
    private final Map<StateTopic, Map<Integer, Long>> offsets = new EnumMap<>(StateTopic.class);
    private int replayed;

    public NodeDelta(NodeImage base) {
        if (base == null) {
            throw new IllegalArgumentException("base must not be null");
        }
        this.base = base;
    }

    /** The image this delta applies to. */
    public NodeImage base() {
        return base;
    }

    public void replay(StateRecord record) {
        replay(record.topic(), record.key(), record.value());
    }

    /**
     * A record read at {@code offset} of {@code partition}: replayed, and the image's provenance moves past
     * it (also when it does not parse: it was read).
     *
     * @throws IllegalArgumentException when the key or value does not parse; only the offset moved
     */
    public void replay(StateTopic topic, int partition, long offset, String key, byte[] value) {
        if (topic == null) {
            throw new IllegalArgumentException("topic must not be null");
        }
        offsets.computeIfAbsent(topic, t -> new HashMap<>()).merge(partition, offset + 1, Math::max);
        replay(topic, key, value);
    }

    /**
     * @param value the serialized message, or null for a tombstone
     * @throws IllegalArgumentException when the key or value does not parse; the delta is unchanged
     */
    public void replay(StateTopic topic, String key, byte[] value) {
        if (topic == null || key == null) {
            throw new IllegalArgumentException("topic and key must not be null");
        }
        switch (topic) {
            case IDENTITIES ->
                identities.put(identityId(key), value == null ? null : parse(Identity.parser(), topic, key, value));
            case ENDPOINTS -> endpoints.put(key, value == null ? null : parse(Endpoint.parser(), topic, key, value));
            case NODES -> nodes.put(key, value == null ? null : parse(Node.parser(), topic, key, value));
            case POLICY ->
                replayPolicy(
                        identityId(key), value == null ? null : parse(SubjectPolicyMap.parser(), topic, key, value));
            case SERVICES -> replayService(key, value == null ? null : parse(ServiceMaps.parser(), topic, key, value));
            case POLICY_REVISIONS -> replayRevision(identityId(key), value);
        }
        replayed++;
    }

    private void replayPolicy(long subject, SubjectPolicyMap map) {
        if (map != null) {
            SubjectPolicyMap held = policies.containsKey(subject)
                    ? policies.get(subject)
                    : base.policies().get(subject);
            if (held != null && Long.compareUnsigned(map.getRevision(), held.getRevision()) < 0) {
                return;
            }
        }
        policies.put(subject, map);
    }

    /**
     * A map the agent fetched from the policy service instead of reading it on tendril.policy: replayed as that
     * topic's record would be (a lower revision than the one held is ignored). Not counted as a record.
     */
    public void replayFetched(SubjectPolicyMap map) {
        if (map == null) {
            throw new IllegalArgumentException("map must not be null");
        }
        replayPolicy(Integer.toUnsignedLong(map.getSubject()), map);
    }

    /** The subject's map leaves the image (no local endpoint needs it any more), as a tombstone of tendril.policy. */
    public void forgetPolicy(long subject) {
        policies.put(subject, null);
    }

    private void replayRevision(long subject, byte[] value) {
        if (value == null) {
            revisions.put(subject, null);
            replayPolicy(subject, null);
            return;
        }
        // The key names the subject, as on tendril.policy (compaction keeps the latest value per key).
        SubjectPolicyRevision r =
                parse(SubjectPolicyRevision.parser(), StateTopic.POLICY_REVISIONS, "" + subject, value);
        revisions.put(subject, r.getRevision());
    }

    private void replayService(String key, ServiceMaps maps) {
        if (maps != null) {
            ServiceMaps held = services.containsKey(key)
                    ? services.get(key)
                    : base.services().get(key);
            if (held != null && Long.compareUnsigned(maps.getRevision(), held.getRevision()) < 0) {
                return;
            }
        }
        services.put(key, maps);
    }

    /** Identities replayed, id to the latest value (null: deleted); read-only. */
    public Map<Long, Identity> identityChanges() {
        return Collections.unmodifiableMap(identities);
    }

    /** Endpoints replayed, {@code namespace/pod} to the latest value (null: deleted); read-only. */
    public Map<String, Endpoint> endpointChanges() {
        return Collections.unmodifiableMap(endpoints);
    }

    /** Nodes replayed, name to the latest value (null: deleted); read-only. */
    public Map<String, Node> nodeChanges() {
        return Collections.unmodifiableMap(nodes);
    }

    /** Policy maps replayed, subject to the latest value (null: deleted); read-only. */
    public Map<Long, SubjectPolicyMap> policyChanges() {
        return Collections.unmodifiableMap(policies);
    }

    /**
     * Revisions replayed from tendril.policy.revisions, subject to the latest revision (null: the tombstone);
     * read-only. The tombstones' removals are also in {@link #policyChanges()}.
     */
    public Map<Long, Long> revisionChanges() {
        return Collections.unmodifiableMap(revisions);
    }

    /** Services replayed, {@code namespace/name} to the latest value (null: deleted); read-only. */
    public Map<String, ServiceMaps> serviceChanges() {
        return Collections.unmodifiableMap(services);
    }

    /** What this delta adds, changes and removes in one topic's image, against {@link #base()}. */
    public TopicChanges<Object> changes(StateTopic topic) {
        return switch (topic) {
            case IDENTITIES -> changes(base.identities(), identities);
            case ENDPOINTS -> changes(base.endpoints(), endpoints);
            case NODES -> changes(base.nodes(), nodes);
            case POLICY -> changes(base.policies(), policies);
            case SERVICES -> changes(base.services(), services);
            // Not an image of its own: what its tombstones remove shows under POLICY.
            case POLICY_REVISIONS -> new TopicChanges<>(Set.of(), Set.of(), Set.of());
        };
    }

    private static <V> TopicChanges<Object> changes(Map<?, V> before, Map<?, V> replayed) {
        Set<Object> added = new HashSet<>();
        Set<Object> changed = new HashSet<>();
        Set<Object> removed = new HashSet<>();
        replayed.forEach((k, now) -> {
            V was = before.get(k);
            if (now == null) {
                if (was != null) {
                    removed.add(k);
                }
            } else if (was == null) {
                added.add(k);
            } else if (!was.equals(now)) {
                changed.add(k);
            }
        });
        return new TopicChanges<>(Set.copyOf(added), Set.copyOf(changed), Set.copyOf(removed));
    }

    /** Records replayed so far. */
    public int replayed() {
        return replayed;
    }

    public NodeImage apply() {
        return new NodeImage(
                ((TopicImage<Long, Identity>) base.identities()).with(identities),
                ((EndpointsImage) base.endpoints()).with(endpoints),
                ((TopicImage<String, Node>) base.nodes()).with(nodes),
                ((TopicImage<Long, SubjectPolicyMap>) base.policies()).with(policies),
                ((TopicImage<String, ServiceMaps>) base.services()).with(services),
                base.provenance().advance(offsets));
    }

    private static long identityId(String key) {
        try {
            long id = Long.parseLong(key);
            if (id < 0 || id > 0xFFFF_FFFFL) {
                throw new NumberFormatException("out of u32 range");
            }
            return id;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("identity key must be a decimal u32, got '" + key + "'", e);
        }
    }

    private static <T extends Message> T parse(Parser<T> parser, StateTopic topic, String key, byte[] value) {
        try {
            return parser.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(topic + " record " + key + " is not a valid protobuf value", e);
        }
    }
}
