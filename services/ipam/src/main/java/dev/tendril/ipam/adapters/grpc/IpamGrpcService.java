package dev.tendril.ipam.adapters.grpc;

import dev.tendril.api.v1.AllocatePodIpsRequest;
import dev.tendril.api.v1.AllocatePodIpsResponse;
import dev.tendril.api.v1.ConfirmPodIpsRequest;
import dev.tendril.api.v1.ConfirmPodIpsResponse;
import dev.tendril.api.v1.DeregisterNodeRequest;
import dev.tendril.api.v1.DeregisterNodeResponse;
import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.RegisterNodeRequest;
import dev.tendril.api.v1.RegisterNodeResponse;
import dev.tendril.api.v1.ReleasePodIpRequest;
import dev.tendril.api.v1.ReleasePodIpResponse;
import dev.tendril.api.v1.ReleasePodRequest;
import dev.tendril.api.v1.ReleasePodResponse;
import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.ipam.app.IpamService;
import dev.tendril.rest.Problem;
import dev.tendril.rest.access.NodeScopeException;
import dev.tendril.rest.security.Callers;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import java.util.function.Supplier;

/**
 * The agents' gRPC API ({@code tendril.v1.Ipam}), the same operations as the REST API. Refusals map
 * to INVALID_ARGUMENT, NOT_FOUND and FAILED_PRECONDITION, with the field named in the description; an agent
 * naming another node than its own is PERMISSION_DENIED, so it allocates only from its own node's CIDRs.
 */
@GrpcService
@Blocking
public class IpamGrpcService extends IpamGrpc.IpamImplBase {

    @Inject
    IpamService ipam;

    @Inject
    Callers callers;

    @Override
    public void registerNode(RegisterNodeRequest request, StreamObserver<RegisterNodeResponse> response) {
        answer(response, () -> {
            callers.requireOwnNode(request.getName(), "name");
            var view = ipam.registerNode(request.getName(), request.getIpsList());
            return RegisterNodeResponse.newBuilder()
                    .setNode(Node.newBuilder()
                            .setName(view.name())
                            .addAllIps(view.ips())
                            .addAllPodCidrs(view.podCidrs())
                            .addAllRouterIps(view.routerIps())
                            .setCluster(view.cluster()))
                    .build();
        });
    }

    @Override
    public void deregisterNode(DeregisterNodeRequest request, StreamObserver<DeregisterNodeResponse> response) {
        answer(response, () -> {
            callers.requireOwnNode(request.getName(), "name");
            ipam.deregisterNode(request.getName(), request.getForce());
            return DeregisterNodeResponse.getDefaultInstance();
        });
    }

    @Override
    public void allocatePodIps(AllocatePodIpsRequest request, StreamObserver<AllocatePodIpsResponse> response) {
        answer(response, () -> {
            callers.requireOwnNode(request.getNode(), "node");
            return AllocatePodIpsResponse.newBuilder()
                    .addAllIps(ipam.allocate(request.getNode(), request.getOwner(), request.getUid())
                            .ips())
                    .build();
        });
    }

    @Override
    public void releasePodIp(ReleasePodIpRequest request, StreamObserver<ReleasePodIpResponse> response) {
        answer(response, () -> {
            callers.requireOwnNode(request.getNode(), "node");
            if (request.getUid().isBlank()) {
                throw CommandRejectedException.invalid(
                        "uid", "a release must carry the uid of the pod that holds the address");
            }
            return ReleasePodIpResponse.newBuilder()
                    .setReleased(ipam.release(request.getNode(), request.getIp(), request.getUid()))
                    .build();
        });
    }

    /**
     * Frees every address of the pod incarnation {@code uid}; a stale uid frees nothing (empty list). With
     * {@code rollback} addresses never confirmed are free again at once.
     */
    @Override
    public void releasePod(ReleasePodRequest request, StreamObserver<ReleasePodResponse> response) {
        answer(response, () -> {
            callers.requireOwnNode(request.getNode(), "node");
            if (request.getUid().isBlank()) {
                throw CommandRejectedException.invalid(
                        "uid", "a release must carry the uid of the pod that holds the addresses");
            }
            return ReleasePodResponse.newBuilder()
                    .setUid(request.getUid())
                    .addAllReleased(ipam.releasePod(request.getNode(), request.getUid(), request.getRollback()))
                    .build();
        });
    }

    @Override
    public void confirmPodIps(ConfirmPodIpsRequest request, StreamObserver<ConfirmPodIpsResponse> response) {
        answer(response, () -> {
            callers.requireOwnNode(request.getNode(), "node");
            ipam.confirm(request.getNode(), request.getUid());
            return ConfirmPodIpsResponse.getDefaultInstance();
        });
    }

    private static <T> void answer(StreamObserver<T> response, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (CommandRejectedException rejected) {
            Status status = switch (rejected.kind()) {
                case INVALID -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case CONFLICT -> Status.FAILED_PRECONDITION;
            };
            // Bounded as a problem's detail is: a reason quoting a 70 KB input does not fit in the
            // grpc-message trailer, and the client saw the reset stream as INTERNAL.
            response.onError(status.withDescription(
                            Problem.bounded(rejected.field() + ": " + rejected.reason(), Problem.MAX_DETAIL))
                    .asRuntimeException());
            return;
        } catch (NodeScopeException e) {
            response.onError(Status.PERMISSION_DENIED
                    .withDescription(e.field() + ": " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
