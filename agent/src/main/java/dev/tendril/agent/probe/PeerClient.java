package dev.tendril.agent.probe;

/** The agents of other nodes. Failures are {@link ProbeException}s (503 unreachable, 502 bad answer, or the peer's own status). */
public interface PeerClient {

    /** Asks the agent of the source's node to answer the whole probe. */
    ProbeResponse forward(String node, ProbeRequest request);

    /** Asks the agent of the destination's node for the ingress half. */
    ProbeResponse.IngressResponse ingress(String node, ProbeResponse.IngressRequest request);
}
