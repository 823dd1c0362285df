package dev.tendril.flows.adapters.grpc;

import dev.tendril.api.hubble.peer.ChangeNotification;
import dev.tendril.api.hubble.peer.NotifyRequest;
import dev.tendril.api.hubble.peer.PeerGrpc;
import dev.tendril.flows.adapters.EventLog;
import dev.tendril.flows.adapters.kafka.ClusterEvents;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import jakarta.inject.Inject;

/**
 * Hubble's {@code peer.Peer/Notify}, what hubble-relay subscribes to: a PEER_ADDED per node known from
 * {@code tendril.nodes}, then every change until the client cancels ({@link ClusterEvents}).
 */
@GrpcService
public class PeerGrpcService extends PeerGrpc.PeerImplBase {

    private static final long POLL_MILLIS = 200;

    @Inject
    ClusterEvents cluster;

    @Override
    public void notify(NotifyRequest request, StreamObserver<ChangeNotification> response) {
        ServerCallStreamObserver<ChangeNotification> call = (ServerCallStreamObserver<ChangeNotification>) response;
        ClusterEvents.PeerSubscription peers = cluster.notifyPeers();
        Thread.ofVirtual().name("peer-notify").start(() -> {
            try (EventLog.Subscription<ChangeNotification> changes = peers.changes()) {
                for (ChangeNotification known : peers.known()) {
                    call.onNext(known);
                }
                while (!call.isCancelled()) {
                    ChangeNotification change = changes.poll(POLL_MILLIS);
                    if (change != null) {
                        call.onNext(change);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!call.isCancelled()) {
                    call.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
                }
            }
        });
    }
}
