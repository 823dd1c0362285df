package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.endpoint.IdentityClient;
import dev.tendril.agent.endpoint.IpamClient;
import dev.tendril.agent.endpoint.UpstreamException;
import dev.tendril.api.v1.AllocatePodIpsRequest;
import dev.tendril.api.v1.DeregisterEndpointRequest;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.IdentityServiceGrpc;
import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.MarkEndpointTerminatingRequest;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.RegisterNodeRequest;
import dev.tendril.api.v1.ReleasePodRequest;
import dev.tendril.rest.security.ComponentTls;
import dev.tendril.security.ClientTls;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gRPC clients of IPAM ({@code tendril.agent.ipam-url}) and the identity service
 * ({@code tendril.agent.identity-url}); channels open lazily, so an agent starts while they are down.
 * gRPC status codes become the endpoint API's HTTP statuses: INVALID_ARGUMENT 400, NOT_FOUND and
 * FAILED_PRECONDITION 422 (e.g. node not registered, unknown namespace), ALREADY_EXISTS 409,
 * UNAVAILABLE / DEADLINE_EXCEEDED 503, anything else 502.
 */
@ApplicationScoped
public class GrpcClients implements IpamClient, IdentityClient {

    @Inject
    AgentConfig config;

    @Inject
    ComponentTls componentTls;

    private ManagedChannel ipam;
    private long ipamGeneration;
    private ManagedChannel identity;
    private long identityGeneration;

    /** The node's certificate and the stack's authority when TLS is on, read again after a rotation. */
    private ClientTls tls() {
        return componentTls.client();
    }

    private synchronized IpamGrpc.IpamBlockingStub ipam() {
        long generation = tls().enabled() ? tls().generation() : 0;
        if (ipam == null || generation != ipamGeneration) {
            retire(ipam);
            ipam = channel(config.ipamUrl(), tls());
            ipamGeneration = generation;
        }
        return IpamGrpc.newBlockingStub(ipam)
                .withInterceptors(RequestIds.FORWARD)
                .withDeadlineAfter(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized IdentityServiceGrpc.IdentityServiceBlockingStub identity() {
        long generation = tls().enabled() ? tls().generation() : 0;
        if (identity == null || generation != identityGeneration) {
            retire(identity);
            identity = channel(config.identityUrl(), tls());
            identityGeneration = generation;
        }
        return IdentityServiceGrpc.newBlockingStub(identity)
                .withInterceptors(RequestIds.FORWARD)
                .withDeadlineAfter(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A channel made with credentials that were rotated since: its calls in flight finish, new ones go elsewhere. */
    private static void retire(ManagedChannel channel) {
        if (channel != null) {
            channel.shutdown();
        }
    }

    /** A plaintext channel to {@code host:port}. */
    static ManagedChannel channel(String url) {
        return channel(url, ClientTls.PLAINTEXT);
    }

    /**
     * {@code host:port}, also written as {@code http://host:port}: plaintext, or with {@code tls} enabled a TLS
     * channel that trusts the stack's authority and presents the node's certificate.
     */
    static ManagedChannel channel(String url, ClientTls tls) {
        String target = url.replaceFirst("^[a-z]+://", "").replaceFirst("/+$", "");
        if (!tls.enabled()) {
            return ManagedChannelBuilder.forTarget(target).usePlaintext().build();
        }
        try {
            TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder()
                    .trustManager(tls.authorities().toFile());
            if (tls.credential() != null) {
                credentials.keyManager(
                        tls.credential().certificate().toFile(),
                        tls.credential().privateKey().toFile());
            }
            return Grpc.newChannelBuilder(target, credentials.build()).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the TLS files of " + tls.origin(), e);
        }
    }

    @Override
    public Node registerNode(String node, List<String> ips) {
        return call(
                "IPAM",
                () -> ipam().registerNode(RegisterNodeRequest.newBuilder()
                                .setName(node)
                                .addAllIps(ips)
                                .build())
                        .getNode());
    }

    @Override
    public List<String> allocatePodIps(String node, String owner, String uid) {
        return call(
                "IPAM",
                () -> ipam().allocatePodIps(AllocatePodIpsRequest.newBuilder()
                                .setNode(node)
                                .setOwner(owner)
                                .setUid(uid)
                                .build())
                        .getIpsList());
    }

    @Override
    public List<String> releasePod(String node, String uid, boolean rollback) {
        return call(
                "IPAM",
                () -> ipam().releasePod(ReleasePodRequest.newBuilder()
                                .setNode(node)
                                .setUid(uid)
                                .setRollback(rollback)
                                .build())
                        .getReleasedList());
    }

    @Override
    public Endpoint registerEndpoint(RegisterEndpointRequest request) {
        return call("identity service", () -> identity().registerEndpoint(request));
    }

    @Override
    public void markEndpointTerminating(String namespace, String pod, String uid) {
        call(
                "identity service",
                () -> identity()
                        .markEndpointTerminating(MarkEndpointTerminatingRequest.newBuilder()
                                .setNamespace(namespace)
                                .setPod(pod)
                                .setUid(uid)
                                .build()));
    }

    @Override
    public void deregisterEndpoint(String namespace, String pod, String uid) {
        try {
            call(
                    "identity service",
                    () -> identity()
                            .deregisterEndpoint(DeregisterEndpointRequest.newBuilder()
                                    .setNamespace(namespace)
                                    .setPod(pod)
                                    .setUid(uid)
                                    .build()));
        } catch (UpstreamException e) {
            if (e.getCause() instanceof StatusRuntimeException s
                    && s.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return;
            }
            throw e;
        }
    }

    private static <T> T call(String service, Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            String detail = s.getDescription() == null ? s.getCode().name() : s.getDescription();
            int status = switch (s.getCode()) {
                case INVALID_ARGUMENT -> 400;
                case NOT_FOUND, FAILED_PRECONDITION -> 422;
                case ALREADY_EXISTS -> 409;
                case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> 503;
                default -> 502;
            };
            String field = detail.matches("^[a-zA-Z_.]+: .*") ? detail.substring(0, detail.indexOf(':')) : null;
            throw new UpstreamException(status, field, service + ": " + detail, e);
        }
    }

    @PreDestroy
    synchronized void close() {
        for (ManagedChannel c : new ManagedChannel[] {ipam, identity}) {
            if (c != null) {
                c.shutdownNow();
            }
        }
    }
}
