package dev.tendril.identity.domain;

/** Commands of an endpoint's stream ({@code endpoint/<namespace>/<pod>}). */
public sealed interface EndpointCommand {

    /** Registers or updates; {@code identity} is what the pod's identity labels resolved to. */
    record RegisterEndpoint(EndpointSpec spec, long identity) implements EndpointCommand {
    }

    record DeregisterEndpoint(String namespace, String pod) implements EndpointCommand {
    }
}
