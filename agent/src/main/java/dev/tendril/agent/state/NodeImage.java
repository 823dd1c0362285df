package dev.tendril.agent.state;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.SubjectPolicyMap;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Immutable snapshot of the state topics as this agent has replayed them (KRaft's image habit): the
 * latest value of every live key. Build new images with {@link NodeDelta}; unchanged maps are shared
 * between an image and the next one.
 *
 * @param identities identity id to its labels ({@code tendril.identities}); reserved ids 1..10 never appear
 * @param endpoints {@code namespace/pod} to the endpoint ({@code tendril.endpoints})
 * @param nodes node name to the node ({@code tendril.nodes})
 * @param policies subject identity to its published policy-map content ({@code tendril.policy}), the
 *     highest revision seen
 */
public record NodeImage(Map<Long, Identity> identities, Map<String, Endpoint> endpoints, Map<String, Node> nodes,
                        Map<Long, SubjectPolicyMap> policies) {

    public static final NodeImage EMPTY = new NodeImage(Map.of(), Map.of(), Map.of(), Map.of());

    public NodeImage {
        identities = immutable(identities);
        endpoints = immutable(endpoints);
        nodes = immutable(nodes);
        policies = immutable(policies);
    }

    /** A map {@link NodeDelta} built for one image is taken as it is; any other map is copied. */
    private static <K, V> Map<K, V> immutable(Map<K, V> map) {
        return map instanceof Frozen<K, V> ? map : Map.copyOf(map);
    }

    /**
     * A read-only map over a map nobody else holds. Saves the second copy of every map a batch of
     * records touched (a delta already copies it once to apply its changes), which after every batch
     * cost as much as the rest of the agent's work together (docs/BENCHMARKS.md, 100 agents).
     */
    static final class Frozen<K, V> extends AbstractMap<K, V> {
        private final Map<K, V> map;

        /** @param owned a map no one else holds or changes afterwards */
        Frozen(Map<K, V> owned) {
            this.map = owned;
        }

        @Override
        public V get(Object key) {
            return map.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return map.containsKey(key);
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public Set<Entry<K, V>> entrySet() {
            return Collections.unmodifiableMap(map).entrySet();
        }

        @Override
        public Set<K> keySet() {
            return Collections.unmodifiableSet(map.keySet());
        }

        @Override
        public Collection<V> values() {
            return Collections.unmodifiableCollection(map.values());
        }

        @Override
        public void forEach(BiConsumer<? super K, ? super V> action) {
            map.forEach(action);
        }
    }

    /** An image without policy maps. */
    public NodeImage(Map<Long, Identity> identities, Map<String, Endpoint> endpoints, Map<String, Node> nodes) {
        this(identities, endpoints, nodes, Map.of());
    }

    public boolean isEmpty() {
        return identities.isEmpty() && endpoints.isEmpty() && nodes.isEmpty() && policies.isEmpty();
    }

    /** The records that rebuild this image from {@link #EMPTY}: a compacted topic's content. */
    public List<StateRecord> toRecords() {
        List<StateRecord> out = new ArrayList<>(identities.size() + endpoints.size() + nodes.size() + policies.size());
        identities.forEach((id, v) -> out.add(new StateRecord(StateTopic.IDENTITIES, Long.toString(id), v.toByteArray())));
        endpoints.forEach((k, v) -> out.add(new StateRecord(StateTopic.ENDPOINTS, k, v.toByteArray())));
        nodes.forEach((k, v) -> out.add(new StateRecord(StateTopic.NODES, k, v.toByteArray())));
        policies.forEach((id, v) -> out.add(new StateRecord(StateTopic.POLICY, Long.toString(id), v.toByteArray())));
        return out;
    }

    @Override
    public String toString() {
        return "NodeImage[identities=" + identities.size() + ", endpoints=" + endpoints.size()
                + ", nodes=" + nodes.size() + ", policies=" + policies.size() + "]";
    }
}
