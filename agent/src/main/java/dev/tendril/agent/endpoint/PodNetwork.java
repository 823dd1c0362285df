package dev.tendril.agent.endpoint;

import dev.tendril.agent.state.LocalEndpoint;

/**
 * Where an endpoint's packets flow: with the kernel datapath a network namespace per pod, a veth into its
 * node and the policy programs on it; with the model datapath nothing (verdicts come from libs/datapath
 * over the same maps). Called after the endpoint's maps are written and before they go, so the programs
 * never run for an endpoint without its policy map.
 */
public interface PodNetwork {

    /**
     * Wires the endpoint's pod and attaches the programs; again for a wired pod, it keeps the pod and
     * attaches again. A failure leaves nothing of the pod behind.
     *
     * @throws RuntimeException when the pod cannot be wired; the endpoint's creation is rolled back
     */
    void attach(LocalEndpoint endpoint);

    /** Detaches the programs and removes the pod's namespace and links; nothing when there is none. */
    void detach(LocalEndpoint endpoint);

    /** What runs, for status and readiness: {@code kernel (tc), N programs} or {@code model: <reason>}. */
    String status();

    /** The model datapath: no namespaces, no programs; {@code reason} says why (configuration, missing privileges). */
    static PodNetwork model(String reason) {
        return new ModelPodNetwork(reason);
    }
}
