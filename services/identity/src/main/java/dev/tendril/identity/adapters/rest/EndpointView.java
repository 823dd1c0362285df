package dev.tendril.identity.adapters.rest;

import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.NamedPort;
import java.util.List;
import java.util.Map;

/** An endpoint as the API shows it, with its identity and whether it is terminating (deleted with a grace period). */
public record EndpointView(
        String namespace,
        String pod,
        String uid,
        String node,
        List<String> ips,
        Map<String, String> labels,
        String serviceAccount,
        List<NamedPort> namedPorts,
        long identity,
        boolean terminating) {

    public static EndpointView of(Endpoint endpoint) {
        EndpointSpec spec = endpoint.spec();
        return new EndpointView(
                spec.namespace(),
                spec.pod(),
                spec.uid(),
                spec.node(),
                spec.ips().all(),
                spec.labels(),
                spec.serviceAccount(),
                spec.namedPorts(),
                endpoint.identity(),
                endpoint.terminating());
    }
}
