package dev.tendril.identity.domain;

/**
 * A registered endpoint: the pod as its agent described it, and the identity its labels resolved to.
 *
 * @param terminating the pod is being deleted with a grace period (Kubernetes' Terminating): it keeps its
 *     identity and IPs until it is deregistered, but is no Service backend for new connections
 */
public record Endpoint(EndpointSpec spec, long identity, boolean terminating) {

    /** A live endpoint, not terminating. */
    public Endpoint(EndpointSpec spec, long identity) {
        this(spec, identity, false);
    }

    public String key() {
        return spec.key();
    }

    public Endpoint asTerminating() {
        return new Endpoint(spec, identity, true);
    }
}
