package dev.tendril.policy.app;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * Port: a compacted output topic (tendril.policy, tendril.services) of one leadership, which knows what the
 * topic holds (read back when it was made) and sends a key only when its content differs. Called from the
 * publishing thread only, except {@link #publishedRevision}.
 *
 * @param <K> the record key (a subject identity, a Service's {@code namespace/name})
 * @param <V> what a key holds (a subject's policy map, a Service's map content)
 */
public interface TopicPublisher<K, V> extends AutoCloseable {

    String topic();

    /**
     * Makes the topic hold {@code all}: sends those whose content differs and tombstones published keys that
     * are gone, except those in {@code keep}. {@code revision} is the write revision the content reflects,
     * carried by formats that have a field for it.
     *
     * @return records sent
     */
    int reconcile(Map<K, V> all, Collection<K> keep, long revision);

    /**
     * Sends the changed values whose content differs from the topic's and tombstones the removed keys.
     *
     * @return records sent
     */
    int publish(Collection<V> changed, Collection<K> removed, long revision);

    /** Whether a failed send left a key unknown: a {@link #reconcile} is due. */
    boolean hasFailures();

    /** Keys whose content is unknown after a failed send. */
    Set<K> unknown();

    /** The revision of the key's record on the topic, 0 when it has none. */
    long publishedRevision(K key);

    @Override
    void close();
}
