package dev.tendril.agent.state;

import dev.tendril.api.v1.Endpoint;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The image of {@code tendril.endpoints}: every endpoint by {@code namespace/pod}, and the same endpoints by
 * node, so that a node's own endpoints are found without a pass over the cluster's. Both are
 * {@link TopicImage}s: the next version costs what the batch changed. Immutable.
 */
public final class EndpointsImage extends AbstractMap<String, Endpoint> {

    static final EndpointsImage EMPTY = new EndpointsImage(TopicImage.of(Map.of()), TopicImage.of(Map.of()));

    private final TopicImage<String, Endpoint> all;
    private final TopicImage<String, TopicImage<String, Endpoint>> byNode;

    private EndpointsImage(TopicImage<String, Endpoint> all, TopicImage<String, TopicImage<String, Endpoint>> byNode) {
        this.all = all;
        this.byNode = byNode;
    }

    /** The image of these endpoints; an image is returned as it is. */
    public static EndpointsImage of(Map<String, Endpoint> endpoints) {
        if (endpoints instanceof EndpointsImage image) {
            return image;
        }
        Map<String, Map<String, Endpoint>> nodes = new HashMap<>();
        endpoints.forEach((k, e) ->
                nodes.computeIfAbsent(e.getNode(), n -> new HashMap<>()).put(k, e));
        Map<String, TopicImage<String, Endpoint>> index = new HashMap<>(nodes.size() * 2);
        nodes.forEach((n, m) -> index.put(n, TopicImage.of(m)));
        return new EndpointsImage(TopicImage.of(endpoints), TopicImage.of(index));
    }

    /** The next version: {@code changes} applied, a null value removing its key. */
    public EndpointsImage with(Map<String, Endpoint> changes) {
        if (changes.isEmpty()) {
            return this;
        }
        Map<String, Map<String, Endpoint>> perNode = new HashMap<>();
        changes.forEach((key, now) -> {
            Endpoint was = all.get(key);
            if (was != null && (now == null || !was.getNode().equals(now.getNode()))) {
                perNode.computeIfAbsent(was.getNode(), n -> new HashMap<>()).put(key, null);
            }
            if (now != null) {
                perNode.computeIfAbsent(now.getNode(), n -> new HashMap<>()).put(key, now);
            }
        });
        Map<String, TopicImage<String, Endpoint>> nodes = new HashMap<>(perNode.size() * 2);
        perNode.forEach((node, c) -> {
            TopicImage<String, Endpoint> held = byNode.get(node);
            TopicImage<String, Endpoint> next =
                    (held == null ? TopicImage.<String, Endpoint>of(Map.of()) : held).with(c);
            nodes.put(node, next.isEmpty() ? null : next);
        });
        return new EndpointsImage(all.with(changes), byNode.with(nodes));
    }

    /** The endpoints whose {@code node} is {@code node}, by {@code namespace/pod}; read-only. */
    public Map<String, Endpoint> onNode(String node) {
        TopicImage<String, Endpoint> on = byNode.get(node);
        return on == null ? Map.of() : on;
    }

    @Override
    public Endpoint get(Object key) {
        return all.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return all.containsKey(key);
    }

    @Override
    public int size() {
        return all.size();
    }

    @Override
    public boolean isEmpty() {
        return all.isEmpty();
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super Endpoint> action) {
        all.forEach(action);
    }

    @Override
    public Set<Entry<String, Endpoint>> entrySet() {
        return all.entrySet();
    }
}
