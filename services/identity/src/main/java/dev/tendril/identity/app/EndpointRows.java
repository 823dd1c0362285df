package dev.tendril.identity.app;

import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.Namespace;
import java.util.List;
import java.util.Optional;

/** Port: the read model of namespaces, endpoints and the IPs endpoints hold (one live holder per IP). */
public interface EndpointRows {

    List<Namespace> namespaces();

    Optional<Namespace> namespace(String name);

    /** As {@link #namespace}, share-locking its row until commit, so it cannot be deleted meanwhile. */
    Optional<Namespace> shareNamespace(String name);

    /** Locks the namespace's row (if any) until commit: registrations in it wait, or see it gone. */
    void lockNamespace(String name);

    long countEndpoints(String namespace);

    void putNamespace(Namespace namespace);

    void deleteNamespace(String name);

    /** The specs of the namespace's endpoints by pod, their rows locked until commit. */
    List<EndpointSpec> lockEndpointsOf(String namespace);

    /** Records the endpoint as the IP's holder; false (and nothing changed) if the IP already has one. */
    boolean claimIp(String ip, String namespace, String pod);

    /** The {@code namespace/pod} holding the IP. */
    Optional<String> ipHolder(String ip);

    void releaseIp(String ip, String namespace, String pod);

    /** Inserts or replaces the endpoint's row. */
    void putEndpoint(Endpoint endpoint);

    Optional<Endpoint> endpoint(String namespace, String pod);

    /** Endpoints matching every filter given (null = any), by namespace and pod. */
    List<Endpoint> endpoints(String namespace, String node, Long identity);
}
