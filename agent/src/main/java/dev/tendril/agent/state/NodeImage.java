package dev.tendril.agent.state;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.ServiceMaps;
import dev.tendril.api.v1.SubjectPolicyMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Immutable snapshot of the state topics as this agent has replayed them (KRaft's MetadataImage): one
 * image per followed topic, each the latest value of every live key, and the offsets they reflect. Build
 * new images with {@link NodeDelta}: the image of a topic without records is shared with the next image,
 * and the image of a topic with records costs what they changed ({@link TopicImage}).
 *
 * @param identities identity id to its labels ({@code tendril.identities}); reserved ids 1..10 never appear
 * @param endpoints {@code namespace/pod} to the endpoint ({@code tendril.endpoints}), also by node
 *     ({@link #endpointsOn})
 * @param nodes node name to the node ({@code tendril.nodes})
 * @param policies subject identity to its published policy-map content ({@code tendril.policy}), the
 *     highest revision seen
 * @param services {@code namespace/name} to the Service's load-balancing map content ({@code tendril.services}),
 *     the highest revision seen
 * @param provenance the offset of the next record of every partition these images have not replayed
 */
public record NodeImage(
        Map<Long, Identity> identities,
        Map<String, Endpoint> endpoints,
        Map<String, Node> nodes,
        Map<Long, SubjectPolicyMap> policies,
        Map<String, ServiceMaps> services,
        Provenance provenance) {

    public static final NodeImage EMPTY =
            new NodeImage(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Provenance.NONE);

    public NodeImage {
        identities = TopicImage.of(identities);
        endpoints = EndpointsImage.of(endpoints);
        nodes = TopicImage.of(nodes);
        policies = TopicImage.of(policies);
        services = TopicImage.of(services);
        if (provenance == null) {
            throw new IllegalArgumentException("provenance must not be null");
        }
    }

    /** An image without Services. */
    public NodeImage(
            Map<Long, Identity> identities,
            Map<String, Endpoint> endpoints,
            Map<String, Node> nodes,
            Map<Long, SubjectPolicyMap> policies,
            Provenance provenance) {
        this(identities, endpoints, nodes, policies, Map.of(), provenance);
    }

    /** An image of these topics' content with Services, without offsets. */
    public NodeImage(
            Map<Long, Identity> identities,
            Map<String, Endpoint> endpoints,
            Map<String, Node> nodes,
            Map<Long, SubjectPolicyMap> policies,
            Map<String, ServiceMaps> services) {
        this(identities, endpoints, nodes, policies, services, Provenance.NONE);
    }

    /** An image of these topics' content, without offsets. */
    public NodeImage(
            Map<Long, Identity> identities,
            Map<String, Endpoint> endpoints,
            Map<String, Node> nodes,
            Map<Long, SubjectPolicyMap> policies) {
        this(identities, endpoints, nodes, policies, Provenance.NONE);
    }

    /** An image without policy maps. */
    public NodeImage(Map<Long, Identity> identities, Map<String, Endpoint> endpoints, Map<String, Node> nodes) {
        this(identities, endpoints, nodes, Map.of());
    }

    /** The endpoints of one node, by {@code namespace/pod}, without a pass over the others. */
    public Map<String, Endpoint> endpointsOn(String node) {
        return ((EndpointsImage) endpoints).onNode(node);
    }

    public boolean isEmpty() {
        return identities.isEmpty()
                && endpoints.isEmpty()
                && nodes.isEmpty()
                && policies.isEmpty()
                && services.isEmpty();
    }

    /** The records that rebuild this image from {@link #EMPTY}: a compacted topic's content. */
    public List<StateRecord> toRecords() {
        List<StateRecord> out = new ArrayList<>(identities.size() + endpoints.size() + nodes.size() + policies.size());
        identities.forEach(
                (id, v) -> out.add(new StateRecord(StateTopic.IDENTITIES, Long.toString(id), v.toByteArray())));
        endpoints.forEach((k, v) -> out.add(new StateRecord(StateTopic.ENDPOINTS, k, v.toByteArray())));
        nodes.forEach((k, v) -> out.add(new StateRecord(StateTopic.NODES, k, v.toByteArray())));
        policies.forEach((id, v) -> out.add(new StateRecord(StateTopic.POLICY, Long.toString(id), v.toByteArray())));
        services.forEach((k, v) -> out.add(new StateRecord(StateTopic.SERVICES, k, v.toByteArray())));
        return out;
    }

    @Override
    public String toString() {
        return "NodeImage[identities=" + identities.size() + ", endpoints=" + endpoints.size() + ", nodes="
                + nodes.size() + ", policies=" + policies.size() + ", services=" + services.size() + ", offsets "
                + provenance + "]";
    }
}
