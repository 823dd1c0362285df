package dev.tendril.flows.adapters.rest;

import dev.tendril.api.hubble.observer.ServerStatusResponse;
import dev.tendril.flows.adapters.FlowsConfig;
import dev.tendril.flows.adapters.ServerInfo;
import dev.tendril.flows.adapters.ServerStatuses;
import dev.tendril.flows.adapters.kafka.FlowsConsumer;
import dev.tendril.flows.domain.FlowStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code GET /v1/status}: Hubble's {@code ServerStatus} as JSON, what {@code tendril observe status}
 * (like {@code hubble status}) and the flow count of {@code tendril status} read.
 */
@Path("/v1/status")
public class StatusResource {

    /**
     * {@code observer.ServerStatusResponse} with camel-case names.
     *
     * @param seenFlows flows ingested since the service started
     * @param flowsRate flows per second over the last minute (Hubble's {@code flows_rate})
     * @param lostEvents flows the agents dropped before publishing them, since this service started: their flow
     *                   queues overflowed (Hubble's LostEvent, source {@code OBSERVER_EVENTS_QUEUE})
     * @param cluster   the cluster this service runs in (Cilium's {@code cluster-name}): flows' endpoints of another
     *                  cluster are remote
     */
    public record Status(
            long numFlows,
            long maxFlows,
            long seenFlows,
            long uptimeNs,
            int numConnectedNodes,
            int numUnavailableNodes,
            List<String> unavailableNodes,
            String version,
            double flowsRate,
            long lostEvents,
            String cluster) {

        static Status of(ServerStatusResponse status, long lostEvents, String cluster) {
            return new Status(
                    status.getNumFlows(),
                    status.getMaxFlows(),
                    status.getSeenFlows(),
                    status.getUptimeNs(),
                    status.getNumConnectedNodes().getValue(),
                    status.getNumUnavailableNodes().getValue(),
                    List.copyOf(status.getUnavailableNodesList()),
                    status.getVersion(),
                    status.getFlowsRate(),
                    lostEvents,
                    cluster);
        }
    }

    @Inject
    FlowStore store;

    @Inject
    FlowsConsumer ingest;

    @Inject
    FlowsConfig config;

    @Inject
    ServerInfo server;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Hubble's ServerStatus: flows held and capacity, flows seen, uptime, connected nodes")
    public Status status() {
        return Status.of(
                ServerStatuses.of(
                        store,
                        ingest.seenFlows(),
                        ingest.uptimeNanos(),
                        config.nodeTimeout(),
                        System.currentTimeMillis(),
                        server.version()),
                ingest.lostByAgents(),
                server.clusterName());
    }
}
