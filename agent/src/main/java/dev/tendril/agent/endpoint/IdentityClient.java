package dev.tendril.agent.endpoint;

import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.RegisterEndpointRequest;

/** What the agent asks the identity service (its gRPC service); failures are {@link UpstreamException}. */
public interface IdentityClient {

    /** Registers or updates (same namespace/pod) the endpoint; the answer carries its identity. */
    Endpoint registerEndpoint(RegisterEndpointRequest request);

    /**
     * Marks the incarnation {@code uid} of the pod terminating (deleted with a grace period): it keeps its identity
     * and addresses, but is no Service backend for new connections. Idempotent; a pod that is not registered with
     * that uid is an {@link UpstreamException}.
     */
    void markEndpointTerminating(String namespace, String pod, String uid);

    /**
     * Deregisters the incarnation {@code uid} of the pod; an endpoint that is not registered, or is registered
     * with another uid (a newer incarnation), is left alone and is not an error.
     */
    void deregisterEndpoint(String namespace, String pod, String uid);
}
