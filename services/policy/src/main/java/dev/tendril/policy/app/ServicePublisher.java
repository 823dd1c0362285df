package dev.tendril.policy.app;

import dev.tendril.policy.lb.ServiceLb;
import java.util.Collection;
import java.util.Map;

/**
 * Port: the tendril.services topic of one leadership, which knows what the topic holds (read back when it
 * was made) and sends a Service only when its content differs. Called from the publishing thread only,
 * except {@link #publishedRevision}.
 */
public interface ServicePublisher extends AutoCloseable {

    String topic();

    /** Makes the topic hold {@code services}: sends those that differ, tombstones published ones that are gone. */
    int reconcile(Map<String, ServiceLb> services);

    /** Sends the changed Services that differ from the topic's and tombstones the removed ones. */
    int publish(Collection<ServiceLb> changed, Collection<String> removed);

    /** Whether a failed send left a Service unknown: a {@link #reconcile} is due. */
    boolean hasFailures();

    /** The revision of the Service's record on the topic, 0 when it has none. */
    long publishedRevision(String key);

    @Override
    void close();
}
