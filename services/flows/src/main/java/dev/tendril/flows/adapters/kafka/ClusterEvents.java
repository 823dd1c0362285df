package dev.tendril.flows.adapters.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UInt32Value;
import dev.tendril.api.hubble.flow.AgentEvent;
import dev.tendril.api.hubble.flow.AgentEventType;
import dev.tendril.api.hubble.flow.EndpointUpdateNotification;
import dev.tendril.api.hubble.flow.IPCacheNotification;
import dev.tendril.api.hubble.flow.PolicyUpdateNotification;
import dev.tendril.api.hubble.observer.GetAgentEventsResponse;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.flows.adapters.EventLog;
import dev.tendril.flows.adapters.FlowMetrics;
import dev.tendril.flows.adapters.FlowsConfig;
import dev.tendril.topics.Batch;
import dev.tendril.topics.FollowerHandler;
import dev.tendril.topics.KafkaClientSettings;
import dev.tendril.topics.StartPosition;
import dev.tendril.topics.TopicFollower;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Hubble's agent events and peers from Tendril's compacted state topics, read from their beginning with
 * one {@link TopicFollower}: an endpoint key that appears on {@code tendril.endpoints} is ENDPOINT_CREATED
 * and its tombstone ENDPOINT_DELETED (on the endpoint's node), each address IPCACHE_UPSERTED (also when
 * the endpoint's identity changes) and IPCACHE_DELETED as Cilium's ipcache would; a {@code tendril.policy}
 * record with a
 * policy revision higher than any before is POLICY_UPDATED (cluster-wide, no node). Each event carries
 * its record's time. {@code tendril.nodes} gives the nodes' names and addresses those events carry.
 */
@ApplicationScoped
public class ClusterEvents implements FollowerHandler<String, byte[]> {

    private static final Logger LOG = Logger.getLogger(ClusterEvents.class);

    @Inject
    FlowsConfig config;

    @Inject
    FlowMetrics metrics;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092")
    String bootstrapServers;

    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private final Map<String, Node> nodes = new TreeMap<>();
    private long policyRevision;
    private volatile EventLog<GetAgentEventsResponse> agentEvents;
    private volatile TopicFollower<String, byte[]> follower;

    void onStart(@Observes StartupEvent event) {
        agentEvents = new EventLog<>(
                config.agentEvents(), config.followerQueue(), n -> metrics.lost(FlowMetrics.OBSERVER_EVENTS_QUEUE, n));
        follower = TopicFollower.builder(new StringDeserializer(), new ByteArrayDeserializer())
                .name("flows-cluster-events")
                .bootstrapServers(bootstrapServers)
                .consumerProperties(KafkaClientSettings.fromConfig())
                .topics(config.endpointsTopic(), config.policyTopic(), config.nodesTopic())
                .startAt(StartPosition.beginning())
                .handler(this)
                .start();
    }

    void onStop(@Observes ShutdownEvent event) {
        TopicFollower<String, byte[]> f = follower;
        if (f != null) {
            f.close();
        }
    }

    public EventLog<GetAgentEventsResponse> agentEvents() {
        return agentEvents;
    }

    @Override
    public void apply(Batch<String, byte[]> batch) {
        for (ConsumerRecord<String, byte[]> record : batch) {
            if (record.key() == null) {
                // Every state topic is keyed; a record without a key names nothing to create or delete.
                continue;
            }
            try {
                if (record.topic().equals(config.endpointsTopic())) {
                    endpoint(record);
                } else if (record.topic().equals(config.policyTopic())) {
                    policy(record);
                } else if (record.topic().equals(config.nodesTopic())) {
                    node(record);
                }
            } catch (InvalidProtocolBufferException e) {
                LOG.warnf(
                        "skipping unreadable record at %s-%d@%d: %s",
                        record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        }
    }

    private void endpoint(ConsumerRecord<String, byte[]> record) throws InvalidProtocolBufferException {
        if (record.value() == null) {
            Endpoint gone = endpoints.remove(record.key());
            if (gone != null) {
                agentEvent(record, gone.getNode(), endpointEvent(AgentEventType.ENDPOINT_DELETED, gone));
                for (String ip : addresses(gone)) {
                    agentEvent(record, gone.getNode(), ipcache(AgentEventType.IPCACHE_DELETED, gone, ip, null));
                }
            }
            return;
        }
        Endpoint endpoint = Endpoint.parseFrom(record.value());
        Endpoint before = endpoints.put(record.key(), endpoint);
        if (before == null) {
            agentEvent(record, endpoint.getNode(), endpointEvent(AgentEventType.ENDPOINT_CREATED, endpoint));
        }
        // The ipcache maps each address to the endpoint's identity: upserted when new or re-identified,
        // deleted when the endpoint no longer has it.
        List<String> old = before == null ? List.of() : addresses(before);
        for (String ip : addresses(endpoint)) {
            if (!old.contains(ip) || before.getIdentity() != endpoint.getIdentity()) {
                Endpoint previous = old.contains(ip) ? before : null;
                agentEvent(
                        record, endpoint.getNode(), ipcache(AgentEventType.IPCACHE_UPSERTED, endpoint, ip, previous));
            }
        }
        for (String ip : old) {
            if (!addresses(endpoint).contains(ip)) {
                agentEvent(record, before.getNode(), ipcache(AgentEventType.IPCACHE_DELETED, before, ip, null));
            }
        }
    }

    private static List<String> addresses(Endpoint endpoint) {
        List<String> out = new ArrayList<>(2);
        if (!endpoint.getIpv4().isEmpty()) {
            out.add(endpoint.getIpv4());
        }
        if (!endpoint.getIpv6().isEmpty()) {
            out.add(endpoint.getIpv6());
        }
        return out;
    }

    private AgentEvent ipcache(AgentEventType type, Endpoint endpoint, String ip, Endpoint previous) {
        IPCacheNotification.Builder update = IPCacheNotification.newBuilder()
                .setCidr(ip + (ip.contains(":") ? "/128" : "/32"))
                .setIdentity(endpoint.getIdentity())
                .setNamespace(endpoint.getNamespace())
                .setPodName(endpoint.getPod())
                .setHostIp(hostIp(endpoint.getNode()));
        if (previous != null) {
            update.setOldIdentity(UInt32Value.of(previous.getIdentity()));
        }
        return AgentEvent.newBuilder().setType(type).setIpcacheUpdate(update).build();
    }

    private synchronized String hostIp(String node) {
        Node known = nodes.get(node);
        return known == null || known.getIpsCount() == 0 ? "" : known.getIps(0);
    }

    private static AgentEvent endpointEvent(AgentEventType type, Endpoint endpoint) {
        EndpointUpdateNotification.Builder update = EndpointUpdateNotification.newBuilder()
                .setNamespace(endpoint.getNamespace())
                .setPodName(endpoint.getPod());
        new TreeMap<>(endpoint.getLabelsMap()).forEach((key, value) -> update.addLabels("k8s:" + key + "=" + value));
        return AgentEvent.newBuilder().setType(type).setEndpointUpdate(update).build();
    }

    private void policy(ConsumerRecord<String, byte[]> record) throws InvalidProtocolBufferException {
        if (record.value() == null) {
            return;
        }
        SubjectPolicyMap map = SubjectPolicyMap.parseFrom(record.value());
        if (map.getPolicyRevision() <= policyRevision) {
            return;
        }
        policyRevision = map.getPolicyRevision();
        TreeSet<String> policies = new TreeSet<>(map.getIngressEnforcedByList());
        policies.addAll(map.getEgressEnforcedByList());
        agentEvent(
                record,
                "",
                AgentEvent.newBuilder()
                        .setType(AgentEventType.POLICY_UPDATED)
                        .setPolicyUpdate(PolicyUpdateNotification.newBuilder()
                                .addAllLabels(policies)
                                .setRevision(policyRevision)
                                .setRuleCount(policies.size()))
                        .build());
    }

    private synchronized void node(ConsumerRecord<String, byte[]> record) throws InvalidProtocolBufferException {
        if (record.value() == null) {
            nodes.remove(record.key());
            return;
        }
        nodes.put(record.key(), Node.parseFrom(record.value()));
    }

    private void agentEvent(ConsumerRecord<String, byte[]> record, String node, AgentEvent event) {
        long millis = Math.max(0, record.timestamp());
        agentEvents.publish(GetAgentEventsResponse.newBuilder()
                .setAgentEvent(event)
                .setNodeName(node)
                .setTime(Timestamp.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000))
                .build());
    }
}
