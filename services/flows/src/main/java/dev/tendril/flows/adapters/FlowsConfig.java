package dev.tendril.flows.adapters;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code tendril.flows.*}, validated at start-up ({@link FlowsBeans}). */
@ConfigMapping(prefix = "tendril.flows")
public interface FlowsConfig {

    /** The agents' flow topic (key node name, value {@code flow.Flow}). */
    @WithDefault("tendril.flows")
    String topic();

    /** Flows kept per node: 2^n-1 between 1 and 65535, as Hubble's ring. */
    @WithDefault("65535")
    int ringCapacity();

    /** A node that sent no flow for this long counts as unavailable in ServerStatus and GetNodes. */
    @WithDefault("5m")
    Duration nodeTimeout();

    /** How often a follower (gRPC follow, REST SSE) looks for new flows. */
    @WithDefault("20ms")
    Duration followInterval();

    /** Partitions when the service creates the topic. */
    @WithDefault("3")
    int partitions();

    /** Replication factor when the service creates the topic; -1 is the broker's {@code default.replication.factor}. */
    @WithDefault("-1")
    short replicationFactor();

    /** Time-based retention ({@code retention.ms}) when the service creates the topic. */
    @WithDefault("24h")
    Duration retention();

    /** How long a followed flow waits for older flows of other nodes (hubble-relay's sort buffer). */
    @WithDefault("500ms")
    Duration followSortWindow();

    /** Upper bound of flows one query returns without {@code number} (since/until ranges). */
    @WithDefault("100000")
    int maxResults();

    /** The cluster name GetNamespaces and peer.Peer report (Cilium's {@code cluster-name}). */
    @WithDefault("default")
    String clusterName();

    /**
     * {@code host:port} where clients reach this service's gRPC (GetNodes {@code address}, peer.Peer);
     * by default this host's name and the HTTP port.
     */
    Optional<String> advertisedAddress();

    /** Endpoints topic followed for ENDPOINT_CREATED / ENDPOINT_DELETED agent events. */
    @WithDefault("tendril.endpoints")
    String endpointsTopic();

    /** Policy topic followed for POLICY_UPDATED agent events. */
    @WithDefault("tendril.policy")
    String policyTopic();

    /**
     * The policy service's replicas ({@code https://127.0.0.1:8083,https://127.0.0.1:8183} in the local stack with
     * {@code --replicas 2}), whose {@code /v1/trace} this service's {@code POST /v1/trace} asks for the service map
     * page, in order: one that cannot be reached or is not ready (503) is passed over. Unset, that answers 503.
     */
    Optional<List<String>> policyUrl();

    /** Nodes topic followed for the node addresses of agent events. */
    @WithDefault("tendril.nodes")
    String nodesTopic();

    /** Agent events kept for GetAgentEvents (the newest ones). */
    @WithDefault("4095")
    int agentEvents();

    /** Events a follower of GetAgentEvents may have queued before it loses some. */
    @WithDefault("1024")
    int followerQueue();
}
