package dev.tendril.flows.adapters.grpc;

import com.google.protobuf.Timestamp;
import dev.tendril.api.hubble.flow.LostEvent;
import dev.tendril.api.hubble.flow.LostEventSource;
import dev.tendril.api.hubble.observer.GetAgentEventsRequest;
import dev.tendril.api.hubble.observer.GetAgentEventsResponse;
import dev.tendril.api.hubble.observer.GetDebugEventsRequest;
import dev.tendril.api.hubble.observer.GetDebugEventsResponse;
import dev.tendril.api.hubble.observer.GetFlowsRequest;
import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.api.hubble.observer.GetNamespacesRequest;
import dev.tendril.api.hubble.observer.GetNamespacesResponse;
import dev.tendril.api.hubble.observer.GetNodesRequest;
import dev.tendril.api.hubble.observer.GetNodesResponse;
import dev.tendril.api.hubble.observer.Namespace;
import dev.tendril.api.hubble.observer.Node;
import dev.tendril.api.hubble.observer.ObserverGrpc;
import dev.tendril.api.hubble.observer.ServerStatusRequest;
import dev.tendril.api.hubble.observer.ServerStatusResponse;
import dev.tendril.api.hubble.observer.TLS;
import dev.tendril.api.hubble.relay.NodeState;
import dev.tendril.flows.adapters.FlowCodec;
import dev.tendril.flows.adapters.FlowQueries;
import dev.tendril.flows.adapters.FlowsConfig;
import dev.tendril.flows.adapters.ServerInfo;
import dev.tendril.flows.adapters.ServerStatuses;
import dev.tendril.flows.adapters.kafka.ClusterEvents;
import dev.tendril.flows.adapters.kafka.FlowsConsumer;
import dev.tendril.flows.domain.FlowQuery;
import dev.tendril.flows.domain.FlowRing;
import dev.tendril.flows.domain.FlowStore;
import dev.tendril.flows.domain.InvalidFilterException;
import dev.tendril.flows.domain.StoredFlow;
import dev.tendril.rest.Problem;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import jakarta.inject.Inject;
import java.util.Comparator;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Hubble's {@code observer.Observer} for the whole cluster, as hubble-relay answers it: GetFlows,
 * GetAgentEvents (from {@link ClusterEvents}), GetNodes, GetNamespaces, ServerStatus; GetDebugEvents is
 * UNIMPLEMENTED. Streams run on their own virtual thread (a follow lasts as long as the client). A bad
 * request fails with INVALID_ARGUMENT, the description starting with the field.
 */
@GrpcService
@RegisterInterceptor(HttpStreams.class)
public class ObserverGrpcService implements BindableService, ObserverGrpc.AsyncService {

    private static final Logger LOG = Logger.getLogger(ObserverGrpcService.class);

    @Inject
    FlowQueries queries;

    @Inject
    FlowStore store;

    @Inject
    FlowsConsumer ingest;

    @Inject
    FlowsConfig config;

    @Inject
    ServerInfo server;

    @Inject
    ClusterEvents cluster;

    /**
     * The generated service with GetFlows's responses written by {@link FlowsReply#MARSHALLER}: the same
     * method name, request and wire format, so any Hubble client calls it unchanged.
     */
    @Override
    public ServerServiceDefinition bindService() {
        ServerServiceDefinition generated = ObserverGrpc.bindService(this);
        MethodDescriptor<GetFlowsRequest, FlowsReply> getFlows = ObserverGrpc.getGetFlowsMethod().toBuilder(
                        ObserverGrpc.getGetFlowsMethod().getRequestMarshaller(), FlowsReply.MARSHALLER)
                .build();
        ServiceDescriptor.Builder service = ServiceDescriptor.newBuilder(ObserverGrpc.SERVICE_NAME)
                .setSchemaDescriptor(generated.getServiceDescriptor().getSchemaDescriptor())
                .addMethod(getFlows);
        List<ServerMethodDefinition<?, ?>> others = generated.getMethods().stream()
                .filter(m -> !m.getMethodDescriptor().getFullMethodName().equals(getFlows.getFullMethodName()))
                .toList();
        others.forEach(m -> service.addMethod(m.getMethodDescriptor()));
        ServerServiceDefinition.Builder bound = ServerServiceDefinition.builder(service.build());
        others.forEach(bound::addMethod);
        bound.addMethod(getFlows, ServerCalls.asyncServerStreamingCall(this::streamFlows));
        return bound.build();
    }

    /** GetFlows as {@link #bindService} binds it: a followed flow goes out as its stored bytes. */
    void streamFlows(GetFlowsRequest request, StreamObserver<FlowsReply> response) {
        FlowQuery query;
        List<String> mask;
        try {
            query = ProtoRequests.query(request);
            mask = ProtoRequests.fieldMask(request);
        } catch (InvalidFilterException e) {
            // Bounded as a problem's detail is: a filter quoting a 70 KB value does not fit in the
            // grpc-message trailer, and the client saw the reset stream as INTERNAL.
            response.onError(Status.INVALID_ARGUMENT
                    .withDescription(Problem.bounded(e.getMessage(), Problem.MAX_DETAIL))
                    .asRuntimeException());
            return;
        }
        ServerCallStreamObserver<FlowsReply> call = (ServerCallStreamObserver<FlowsReply>) response;
        FlowWriter writer = new FlowWriter(call, new ReadyGate(call), HttpStreams.RESPONSE.get());
        Thread.ofVirtual().name("observer-getflows").start(() -> {
            try {
                queries.run(query, new FlowQueries.Sink() {
                    @Override
                    public void flow(StoredFlow flow) {
                        if (mask.isEmpty()) {
                            writer.flow(flow);
                        } else {
                            writer.message(GetFlowsResponse.newBuilder()
                                    .setFlow(FlowCodec.masked(FlowCodec.flow(flow), mask))
                                    .setNodeName(flow.node)
                                    .setTime(timestamp(flow.timeNanos))
                                    .build());
                        }
                    }

                    @Override
                    public void lost(String node, long count) {
                        writer.message(GetFlowsResponse.newBuilder()
                                .setLostEvents(LostEvent.newBuilder()
                                        .setSource(LostEventSource.HUBBLE_RING_BUFFER)
                                        .setNumEventsLost(count))
                                .setNodeName(node)
                                .setTime(timestamp(System.currentTimeMillis() * 1_000_000L))
                                .build());
                    }

                    @Override
                    public void flush() {
                        writer.flush();
                    }

                    @Override
                    public boolean open() {
                        return !call.isCancelled();
                    }
                });
                if (!call.isCancelled()) {
                    writer.flush();
                    call.onCompleted();
                }
            } catch (RuntimeException e) {
                if (!call.isCancelled()) {
                    LOG.warnf("GetFlows failed: %s", e.toString());
                    call.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
                }
            }
        });
    }

    @Override
    public void serverStatus(ServerStatusRequest request, StreamObserver<ServerStatusResponse> response) {
        response.onNext(ServerStatuses.of(
                store,
                ingest.seenFlows(),
                ingest.uptimeNanos(),
                config.nodeTimeout(),
                System.currentTimeMillis(),
                server.version()));
        response.onCompleted();
    }

    @Override
    public void getNodes(GetNodesRequest request, StreamObserver<GetNodesResponse> response) {
        long now = System.currentTimeMillis();
        List<FlowRing> rings = store.rings().stream()
                .sorted(Comparator.comparing(FlowRing::node))
                .toList();
        GetNodesResponse.Builder nodes = GetNodesResponse.newBuilder();
        for (FlowRing ring : rings) {
            nodes.addNodes(Node.newBuilder()
                    .setName(ring.node())
                    .setVersion(server.version())
                    .setAddress(server.address())
                    .setTls(TLS.newBuilder().setEnabled(false))
                    .setState(available(ring, now) ? NodeState.NODE_CONNECTED : NodeState.NODE_UNAVAILABLE)
                    .setUptimeNs(ingest.uptimeNanos())
                    .setNumFlows(ring.size())
                    .setMaxFlows(ring.capacity())
                    .setSeenFlows(ring.written()));
        }
        response.onNext(nodes.build());
        response.onCompleted();
    }

    @Override
    public void getNamespaces(GetNamespacesRequest request, StreamObserver<GetNamespacesResponse> response) {
        GetNamespacesResponse.Builder namespaces = GetNamespacesResponse.newBuilder();
        for (String namespace : store.namespaces()) {
            namespaces.addNamespaces(
                    Namespace.newBuilder().setCluster(server.clusterName()).setNamespace(namespace));
        }
        response.onNext(namespaces.build());
        response.onCompleted();
    }

    @Override
    public void getAgentEvents(GetAgentEventsRequest request, StreamObserver<GetAgentEventsResponse> response) {
        AgentEventStream.start(cluster.agentEvents(), request, response);
    }

    @Override
    public void getDebugEvents(GetDebugEventsRequest request, StreamObserver<GetDebugEventsResponse> response) {
        response.onError(
                Status.UNIMPLEMENTED.withDescription(DEBUG_EVENTS_UNIMPLEMENTED).asRuntimeException());
    }

    static final String DEBUG_EVENTS_UNIMPLEMENTED =
            "Tendril has no debug events: its datapath emits drop, trace and policy verdict events only"
                    + " (no Cilium datapath debug mode); use GetFlows";

    private boolean available(FlowRing ring, long nowMillis) {
        return ServerStatuses.available(ring, config.nodeTimeout(), nowMillis);
    }

    static Timestamp timestamp(long nanos) {
        return Timestamp.newBuilder()
                .setSeconds(Math.floorDiv(nanos, 1_000_000_000L))
                .setNanos((int) Math.floorMod(nanos, 1_000_000_000L))
                .build();
    }
}
