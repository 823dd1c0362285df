package dev.tendril.agent.state;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.SubjectPolicyMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The changes replayed on top of an image, single-threaded (KRaft's delta habit). A bootstrap is a
 * delta from {@link NodeImage#EMPTY}. Later records for a key replace earlier ones; a tombstone
 * deletes the key. {@link #apply()} keeps the image's maps of topics that saw no record. A policy map
 * whose revision is lower than the one held (a re-delivered or reordered record) is ignored.
 */
public final class NodeDelta {

    private final NodeImage base;
    // A null value marks a deletion (HashMap allows null values).
    private final Map<Long, Identity> identities = new HashMap<>();
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<Long, SubjectPolicyMap> policies = new HashMap<>();
    private int replayed;

    public NodeDelta(NodeImage base) {
        if (base == null) {
            throw new IllegalArgumentException("base must not be null");
        }
        this.base = base;
    }

    public void replay(StateRecord record) {
        replay(record.topic(), record.key(), record.value());
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
            case IDENTITIES -> identities.put(identityId(key), value == null ? null : parse(Identity.parser(), topic, key, value));
            case ENDPOINTS -> endpoints.put(key, value == null ? null : parse(Endpoint.parser(), topic, key, value));
            case NODES -> nodes.put(key, value == null ? null : parse(Node.parser(), topic, key, value));
            case POLICY -> replayPolicy(identityId(key), value == null ? null
                    : parse(SubjectPolicyMap.parser(), topic, key, value));
        }
        replayed++;
    }

    private void replayPolicy(long subject, SubjectPolicyMap map) {
        if (map != null) {
            SubjectPolicyMap held = policies.containsKey(subject) ? policies.get(subject) : base.policies().get(subject);
            if (held != null && Long.compareUnsigned(map.getRevision(), held.getRevision()) < 0) {
                return;
            }
        }
        policies.put(subject, map);
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

    /** Records replayed so far. */
    public int replayed() {
        return replayed;
    }

    public NodeImage apply() {
        return new NodeImage(merge(base.identities(), identities), merge(base.endpoints(), endpoints),
                merge(base.nodes(), nodes), merge(base.policies(), policies));
    }

    private static <K, V> Map<K, V> merge(Map<K, V> base, Map<K, V> changes) {
        if (changes.isEmpty()) {
            return base;
        }
        Map<K, V> out = new HashMap<>(base);
        changes.forEach((k, v) -> {
            if (v == null) {
                out.remove(k);
            } else {
                out.put(k, v);
            }
        });
        return new NodeImage.Frozen<>(out);
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
