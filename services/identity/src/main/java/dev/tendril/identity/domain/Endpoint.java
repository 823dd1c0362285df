package dev.tendril.identity.domain;

/** A registered endpoint: the pod as its agent described it, and the identity its labels resolved to. */
public record Endpoint(EndpointSpec spec, long identity) {

    public String key() {
        return spec.key();
    }
}
