package dev.tendril.agent.endpoint;

import dev.tendril.agent.state.LocalEndpoint;

/** The model datapath's pod network: nothing to wire, verdicts are libs/datapath's over the node's maps. */
record ModelPodNetwork(String reason) implements PodNetwork {

    @Override
    public void attach(LocalEndpoint endpoint) {
        // Nothing to wire: the model datapath reads the maps install wrote.
    }

    @Override
    public void detach(LocalEndpoint endpoint) {
        // Nothing was wired.
    }

    @Override
    public String status() {
        return "model: " + reason;
    }
}
