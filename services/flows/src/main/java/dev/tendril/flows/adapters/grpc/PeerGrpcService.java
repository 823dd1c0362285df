package dev.tendril.flows.adapters.grpc;

import dev.tendril.api.hubble.peer.ChangeNotification;
import dev.tendril.api.hubble.peer.ChangeNotificationType;
import dev.tendril.api.hubble.peer.NotifyRequest;
import dev.tendril.api.hubble.peer.PeerGrpc;
import dev.tendril.flows.adapters.ServerInfo;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import jakarta.inject.Inject;

/**
 * Hubble's {@code peer.Peer/Notify}, what hubble-relay subscribes to: one PEER_ADDED naming this flows service, then
 * the stream stays open until the client cancels. A relay calls GetFlows on every peer it is told of and merges the
 * answers; in Cilium each peer is an agent serving its own node's flows, while here one service holds every node's
 * flows (each flow still names its node), so naming every node at this address would hand a relay every flow once per
 * node. {@code hubble list nodes} through a relay therefore shows this service; Observer.GetNodes on the service lists
 * the nodes.
 */
@GrpcService
public class PeerGrpcService extends PeerGrpc.PeerImplBase {

    /** The peer's name: a Hubble peer is named {@code cluster/node} unless the cluster is {@code default}. */
    static final String NAME = "tendril-flows";

    @Inject
    ServerInfo server;

    @Override
    public void notify(NotifyRequest request, StreamObserver<ChangeNotification> response) {
        String cluster = server.clusterName();
        response.onNext(ChangeNotification.newBuilder()
                .setName(cluster.equals("default") ? NAME : cluster + "/" + NAME)
                .setAddress(server.address())
                .setType(ChangeNotificationType.PEER_ADDED)
                .build());
        // No onCompleted: a Notify stream ends only when the client cancels it.
    }
}
