package dev.tendril.identity.domain;

/** Commands of an endpoint's stream ({@code endpoint/<namespace>/<pod>}). */
public sealed interface EndpointCommand {

    /** Registers or updates; {@code identity} is what the pod's identity labels resolved to. */
    record RegisterEndpoint(EndpointSpec spec, long identity) implements EndpointCommand {}

    /** @param uid when not empty, only the incarnation with this pod uid is deregistered */
    record DeregisterEndpoint(String namespace, String pod, String uid) implements EndpointCommand {
        public DeregisterEndpoint {
            uid = uid == null ? "" : uid;
        }

        public DeregisterEndpoint(String namespace, String pod) {
            this(namespace, pod, "");
        }
    }

    /**
     * Marks the endpoint terminating (a deletion with a grace period has begun); nothing happens when it is already.
     *
     * @param uid when not empty, only the incarnation with this pod uid is marked
     */
    record MarkEndpointTerminating(String namespace, String pod, String uid) implements EndpointCommand {
        public MarkEndpointTerminating {
            uid = uid == null ? "" : uid;
        }
    }
}
