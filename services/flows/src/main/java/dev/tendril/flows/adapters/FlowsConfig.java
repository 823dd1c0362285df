package dev.tendril.flows.adapters;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

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

    /** Replication factor when the service creates the topic. */
    @WithDefault("1")
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
}
