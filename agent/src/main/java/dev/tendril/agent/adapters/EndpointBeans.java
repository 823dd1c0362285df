package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.endpoint.EndpointManager;
import dev.tendril.agent.endpoint.IdentityClient;
import dev.tendril.agent.endpoint.IpamClient;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;

/** Wires the endpoint API's logic to the gRPC clients, the node's maps, its pod network and the persisted endpoint table. */
public class EndpointBeans {

    @Produces
    @ApplicationScoped
    EndpointManager endpointManager(
            AgentConfig config, DatapathMaps maps, IpamClient ipam, IdentityClient identity, PodNetworks pods) {
        return new EndpointManager(config.nodeName(), maps.table(), ipam, identity, maps, pods, maps::persist);
    }

    /**
     * At start, not at the first API call: endpoints deleted upstream while the agent was down are found by
     * its bootstrap and must be finished without waiting for a CNI call.
     */
    void finishUpstreamDeletions(@Observes StartupEvent start, DatapathMaps maps, EndpointManager manager) {
        maps.onGoneUpstream(manager::finishUpstreamDeletions);
    }
}
