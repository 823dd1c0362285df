package dev.tendril.flows.adapters;

import com.google.protobuf.UInt32Value;
import dev.tendril.api.hubble.observer.ServerStatusResponse;
import dev.tendril.flows.domain.FlowRing;
import dev.tendril.flows.domain.FlowStore;
import java.time.Duration;
import java.util.Collection;

/**
 * Hubble's {@code ServerStatus} of the whole cluster, computed once for both APIs (gRPC
 * {@code observer.Observer/ServerStatus} and REST {@code GET /v1/status}): flows held in all rings,
 * their summed capacity, flows seen since start, uptime, and the nodes that sent a flow within
 * {@code nodeTimeout} (connected) or not (unavailable), flows per second over the last minute
 * ({@link dev.tendril.flows.domain.FlowStore#flowRate}) and Tendril's version.
 */
public final class ServerStatuses {

    private ServerStatuses() {}

    public static ServerStatusResponse of(
            FlowStore store, long seenFlows, long uptimeNanos, Duration nodeTimeout, long nowMillis, String version) {
        Collection<FlowRing> rings = store.rings();
        long numFlows = 0;
        long maxFlows = 0;
        int connected = 0;
        ServerStatusResponse.Builder status = ServerStatusResponse.newBuilder();
        for (FlowRing ring : rings) {
            numFlows += ring.size();
            maxFlows += ring.capacity();
            if (available(ring, nodeTimeout, nowMillis)) {
                connected++;
            } else {
                status.addUnavailableNodes(ring.node());
            }
        }
        return status.setNumFlows(numFlows)
                .setMaxFlows(maxFlows)
                .setSeenFlows(seenFlows)
                .setUptimeNs(uptimeNanos)
                .setNumConnectedNodes(UInt32Value.of(connected))
                .setNumUnavailableNodes(UInt32Value.of(status.getUnavailableNodesCount()))
                .setVersion(version)
                .setFlowsRate(store.flowRate(nowMillis * 1_000_000L))
                .build();
    }

    /** A node is available while its last flow is at most {@code nodeTimeout} old. */
    public static boolean available(FlowRing ring, Duration nodeTimeout, long nowMillis) {
        return nowMillis - ring.lastWriteMillis() <= nodeTimeout.toMillis();
    }
}
