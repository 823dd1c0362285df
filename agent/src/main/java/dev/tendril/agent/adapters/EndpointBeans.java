package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.endpoint.EndpointManager;
import dev.tendril.agent.endpoint.IdentityClient;
import dev.tendril.agent.endpoint.IpamClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Wires the endpoint API's logic to the gRPC clients, the node's maps and the persisted endpoint table. */
public class EndpointBeans {

    @Produces
    @ApplicationScoped
    EndpointManager endpointManager(AgentConfig config, DatapathMaps maps, IpamClient ipam, IdentityClient identity) {
        return new EndpointManager(config.nodeName(), maps.table(), ipam, identity, maps, maps::persist);
    }
}
