package dev.tendril.identity.adapters.grpc;

import dev.tendril.api.v1.AllocateIdentityRequest;
import dev.tendril.api.v1.AllocateIdentityResponse;
import dev.tendril.api.v1.DeleteNamespaceRequest;
import dev.tendril.api.v1.DeleteNamespaceResponse;
import dev.tendril.api.v1.DeregisterEndpointRequest;
import dev.tendril.api.v1.DeregisterEndpointResponse;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.GetIdentityRequest;
import dev.tendril.api.v1.Identity;
import dev.tendril.api.v1.IdentityServiceGrpc;
import dev.tendril.api.v1.ListEndpointsRequest;
import dev.tendril.api.v1.ListEndpointsResponse;
import dev.tendril.api.v1.ListIdentitiesRequest;
import dev.tendril.api.v1.ListIdentitiesResponse;
import dev.tendril.api.v1.ListNamespacesRequest;
import dev.tendril.api.v1.ListNamespacesResponse;
import dev.tendril.api.v1.MarkEndpointTerminatingRequest;
import dev.tendril.api.v1.NamespaceInfo;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.UpsertNamespaceRequest;
import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.identity.adapters.IdentityServiceConfig;
import dev.tendril.identity.adapters.kafka.NodesConsumer;
import dev.tendril.identity.adapters.kafka.ProtoMapping;
import dev.tendril.identity.app.Allocation;
import dev.tendril.identity.app.EndpointRegistry;
import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.app.UnknownReferenceException;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.IdentityLabels;
import dev.tendril.identity.domain.LabelFilter;
import dev.tendril.identity.domain.LabelSyntax;
import dev.tendril.identity.domain.NamedPort;
import dev.tendril.identity.domain.Names;
import dev.tendril.identity.domain.Namespace;
import dev.tendril.identity.domain.ReservedIdentity;
import dev.tendril.k8s.labels.Labels;
import dev.tendril.rest.access.NodeScopeException;
import dev.tendril.rest.security.Callers;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import java.util.function.Supplier;

/**
 * The agents' gRPC API ({@code tendril.v1.IdentityService}): the same operations as the REST API.
 * Refusals: INVALID_ARGUMENT (400), NOT_FOUND (404), ALREADY_EXISTS (409), FAILED_PRECONDITION (422),
 * PERMISSION_DENIED (an agent acting on another node's endpoints), the description starting with the field at fault.
 */
@GrpcService
@Blocking
public class IdentityGrpcService extends IdentityServiceGrpc.IdentityServiceImplBase {

    @Inject
    IdentityAllocator allocator;

    @Inject
    EndpointRegistry registry;

    @Inject
    NodesConsumer nodes;

    @Inject
    LabelFilter filter;

    @Inject
    IdentityServiceConfig config;

    @Inject
    Callers callers;

    @Override
    public void allocateIdentity(AllocateIdentityRequest request, StreamObserver<AllocateIdentityResponse> response) {
        answer(response, () -> {
            Allocation allocation =
                    allocator.allocate(filter.filter(IdentityLabels.requested(request.getLabelsList(), "labels")));
            return AllocateIdentityResponse.newBuilder()
                    .setIdentity(ProtoMapping.identity(allocation.id(), allocation.labels()))
                    .setCreated(allocation.created())
                    .build();
        });
    }

    @Override
    public void getIdentity(GetIdentityRequest request, StreamObserver<Identity> response) {
        answer(
                response,
                () -> ReservedIdentity.byId(request.getId())
                        .map(r -> ProtoMapping.identity(r.id(), r.labels()))
                        .or(() -> allocator.find(request.getId()).map(r -> ProtoMapping.identity(r.id(), r.labels())))
                        .orElseThrow(() -> CommandRejectedException.notFound(
                                "id", "identity " + request.getId() + " is not allocated")));
    }

    @Override
    public void listIdentities(ListIdentitiesRequest request, StreamObserver<ListIdentitiesResponse> response) {
        answer(response, () -> {
            Labels wanted = LabelSyntax.parseLabels(request.getLabelsList(), "labels");
            ListIdentitiesResponse.Builder result = ListIdentitiesResponse.newBuilder();
            ReservedIdentity.inUse(config.dualStack()).stream()
                    .filter(r -> r.labels().containsAll(wanted))
                    .forEach(r -> result.addIdentities(ProtoMapping.identity(r.id(), r.labels())));
            allocator
                    .list(wanted, 100_000)
                    .forEach(r -> result.addIdentities(ProtoMapping.identity(r.id(), r.labels())));
            return result.build();
        });
    }

    @Override
    public void upsertNamespace(UpsertNamespaceRequest request, StreamObserver<NamespaceInfo> response) {
        answer(response, () -> info(registry.upsertNamespace(Namespace.of(request.getName(), request.getLabelsMap()))));
    }

    @Override
    public void deleteNamespace(DeleteNamespaceRequest request, StreamObserver<DeleteNamespaceResponse> response) {
        answer(response, () -> {
            registry.deleteNamespace(Names.namespace("name", request.getName()));
            return DeleteNamespaceResponse.getDefaultInstance();
        });
    }

    @Override
    public void listNamespaces(ListNamespacesRequest request, StreamObserver<ListNamespacesResponse> response) {
        answer(
                response,
                () -> ListNamespacesResponse.newBuilder()
                        .addAllNamespaces(registry.namespaces().stream()
                                .map(IdentityGrpcService::info)
                                .toList())
                        .build());
    }

    @Override
    public void registerEndpoint(RegisterEndpointRequest request, StreamObserver<Endpoint> response) {
        answer(response, () -> {
            EndpointSpec spec = EndpointSpec.of(
                    request.getNamespace(),
                    request.getPod(),
                    request.getUid(),
                    request.getNode(),
                    request.getIpsList(),
                    request.getLabelsMap(),
                    request.getServiceAccount(),
                    request.getNamedPortsList().stream()
                            .map(p -> new NamedPort.Requested(p.getName(), p.getPort(), p.getProtocol()))
                            .toList());
            callers.requireOwnNode(spec.node(), "node");
            requireOnCallersNode(spec.namespace(), spec.pod());
            nodes.admit(spec);
            return ProtoMapping.endpoint(registry.register(spec));
        });
    }

    @Override
    public void deregisterEndpoint(
            DeregisterEndpointRequest request, StreamObserver<DeregisterEndpointResponse> response) {
        answer(response, () -> {
            String namespace = Names.namespace("namespace", request.getNamespace());
            String pod = Names.pod("pod", request.getPod());
            requireOnCallersNode(namespace, pod);
            registry.deregister(namespace, pod, request.getUid());
            return DeregisterEndpointResponse.getDefaultInstance();
        });
    }

    @Override
    public void markEndpointTerminating(MarkEndpointTerminatingRequest request, StreamObserver<Endpoint> response) {
        answer(response, () -> {
            String namespace = Names.namespace("namespace", request.getNamespace());
            String pod = Names.pod("pod", request.getPod());
            requireOnCallersNode(namespace, pod);
            return ProtoMapping.endpoint(registry.markTerminating(namespace, pod, request.getUid()));
        });
    }

    @Override
    public void listEndpoints(ListEndpointsRequest request, StreamObserver<ListEndpointsResponse> response) {
        answer(
                response,
                () -> ListEndpointsResponse.newBuilder()
                        .addAllEndpoints(registry
                                .endpoints(
                                        request.getNamespace().isEmpty()
                                                ? null
                                                : Names.namespace("namespace", request.getNamespace()),
                                        request.getNode().isEmpty() ? null : Names.node("node", request.getNode()),
                                        request.getIdentity() == 0 ? null : (long) request.getIdentity())
                                .stream()
                                .map(ProtoMapping::endpoint)
                                .toList())
                        .build());
    }

    /**
     * An agent may change only endpoints of its own node: re-registering, marking or deregistering a pod another node holds
     * is refused, whatever node the request names.
     */
    private void requireOnCallersNode(String namespace, String pod) {
        if (callers.enforced() && callers.current().node().isPresent()) {
            registry.endpoint(namespace, pod)
                    .ifPresent(
                            existing -> callers.requireOwnNode(existing.spec().node(), "pod"));
        }
    }

    private static NamespaceInfo info(Namespace namespace) {
        return NamespaceInfo.newBuilder()
                .setName(namespace.name())
                .putAllLabels(namespace.labels())
                .build();
    }

    private static <T> void answer(StreamObserver<T> response, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (CommandRejectedException e) {
            Status status = switch (e.kind()) {
                case INVALID -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case CONFLICT -> Status.ALREADY_EXISTS;
            };
            response.onError(
                    status.withDescription(e.field() + ": " + e.reason()).asRuntimeException());
            return;
        } catch (NodeScopeException e) {
            response.onError(Status.PERMISSION_DENIED
                    .withDescription(e.field() + ": " + e.getMessage())
                    .asRuntimeException());
            return;
        } catch (UnknownReferenceException e) {
            response.onError(Status.FAILED_PRECONDITION
                    .withDescription(e.field() + ": " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
