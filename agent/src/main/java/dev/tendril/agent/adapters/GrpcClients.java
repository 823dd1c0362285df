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
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.RegisterNodeRequest;
import dev.tendril.api.v1.ReleasePodRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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

    private ManagedChannel ipam;
    private ManagedChannel identity;

    private synchronized IpamGrpc.IpamBlockingStub ipam() {
        if (ipam == null) {
            ipam = channel(config.ipamUrl());
        }
        return IpamGrpc.newBlockingStub(ipam)
                .withInterceptors(RequestIds.FORWARD)
                .withDeadlineAfter(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized IdentityServiceGrpc.IdentityServiceBlockingStub identity() {
        if (identity == null) {
            identity = channel(config.identityUrl());
        }
        return IdentityServiceGrpc.newBlockingStub(identity)
                .withInterceptors(RequestIds.FORWARD)
                .withDeadlineAfter(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@code host:port}, also written as {@code http://host:port}. */
    static ManagedChannel channel(String url) {
        String target = url.replaceFirst("^[a-z]+://", "").replaceFirst("/+$", "");
        return ManagedChannelBuilder.forTarget(target).usePlaintext().build();
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
