package dev.tendril.agent.adapters;

import dev.tendril.api.v1.AllocatePodIpsRequest;
import dev.tendril.api.v1.AllocatePodIpsResponse;
import dev.tendril.api.v1.DeregisterEndpointRequest;
import dev.tendril.api.v1.DeregisterEndpointResponse;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.IdentityServiceGrpc;
import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.ListEndpointsRequest;
import dev.tendril.api.v1.ListEndpointsResponse;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.RegisterNodeRequest;
import dev.tendril.api.v1.RegisterNodeResponse;
import dev.tendril.api.v1.ReleasePodRequest;
import dev.tendril.api.v1.ReleasePodResponse;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-memory IPAM and identity service behind real gRPC on a random port, so that the agent's endpoint
 * API is exercised over the wire (the real services need their own Quarkus apps, PostgreSQL and Kafka).
 * Namespace {@code ghost} is unknown to the identity service (FAILED_PRECONDITION, as the real one).
 */
public class FakeControlPlane implements QuarkusTestResourceLifecycleManager {

    private Server server;

    @Override
    public Map<String, String> start() {
        try {
            server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .addService(new Ipam())
                    .addService(new Identity())
                    .build()
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String url = "localhost:" + server.getPort();
        return Map.of("tendril.agent.ipam-url", url, "tendril.agent.identity-url", url);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.shutdownNow();
        }
    }

    static final class Ipam extends IpamGrpc.IpamImplBase {
        private final Map<String, Node> nodes = new ConcurrentHashMap<>();
        private final Map<String, List<String>> held = new ConcurrentHashMap<>();
        private final AtomicInteger next = new AtomicInteger(2);

        @Override
        public void registerNode(RegisterNodeRequest r, StreamObserver<RegisterNodeResponse> out) {
            Node n = nodes.computeIfAbsent(
                    r.getName(),
                    name -> Node.newBuilder()
                            .setName(name)
                            .addAllIps(r.getIpsList())
                            .addPodCidrs("10.0.1.0/24")
                            .addPodCidrs("fd00::100/120")
                            .addRouterIps("10.0.1.1")
                            .addRouterIps("fd00::101")
                            .build());
            out.onNext(RegisterNodeResponse.newBuilder().setNode(n).build());
            out.onCompleted();
        }

        @Override
        public void allocatePodIps(AllocatePodIpsRequest r, StreamObserver<AllocatePodIpsResponse> out) {
            if (!nodes.containsKey(r.getNode())) {
                out.onError(Status.NOT_FOUND
                        .withDescription("node: " + r.getNode() + " is not registered")
                        .asRuntimeException());
                return;
            }
            List<String> ips = held.computeIfAbsent(r.getUid(), u -> {
                int n = next.getAndIncrement();
                return List.of("10.0.1." + n, "fd00::1" + String.format("%02x", n));
            });
            out.onNext(AllocatePodIpsResponse.newBuilder().addAllIps(ips).build());
            out.onCompleted();
        }

        @Override
        public void releasePod(ReleasePodRequest r, StreamObserver<ReleasePodResponse> out) {
            List<String> gone = held.remove(r.getUid());
            out.onNext(ReleasePodResponse.newBuilder()
                    .setUid(r.getUid())
                    .addAllReleased(gone == null ? List.of() : gone)
                    .build());
            out.onCompleted();
        }
    }

    static final class Identity extends IdentityServiceGrpc.IdentityServiceImplBase {
        private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
        private final Map<String, Integer> ids = new ConcurrentHashMap<>();

        @Override
        public void registerEndpoint(RegisterEndpointRequest r, StreamObserver<Endpoint> out) {
            if (r.getNamespace().equals("ghost")) {
                out.onError(Status.FAILED_PRECONDITION
                        .withDescription("namespace: ghost is unknown")
                        .asRuntimeException());
                return;
            }
            int id = ids.computeIfAbsent(r.getNamespace() + new TreeMap<>(r.getLabelsMap()), k -> 1000 + ids.size());
            Endpoint e = Endpoint.newBuilder()
                    .setNamespace(r.getNamespace())
                    .setPod(r.getPod())
                    .setUid(r.getUid())
                    .setNode(r.getNode())
                    .setIdentity(id)
                    .putAllLabels(r.getLabelsMap())
                    .setIpv4(r.getIpsList().stream()
                            .filter(ip -> !ip.contains(":"))
                            .findFirst()
                            .orElse(""))
                    .setIpv6(r.getIpsList().stream()
                            .filter(ip -> ip.contains(":"))
                            .findFirst()
                            .orElse(""))
                    .setServiceAccount(r.getServiceAccount())
                    .addAllNamedPorts(r.getNamedPortsList())
                    .build();
            endpoints.put(r.getNamespace() + "/" + r.getPod(), e);
            out.onNext(e);
            out.onCompleted();
        }

        @Override
        public void deregisterEndpoint(DeregisterEndpointRequest r, StreamObserver<DeregisterEndpointResponse> out) {
            String key = r.getNamespace() + "/" + r.getPod();
            boolean otherIncarnation = endpoints.containsKey(key)
                    && !r.getUid().isEmpty()
                    && !r.getUid().equals(endpoints.get(key).getUid());
            if (otherIncarnation || endpoints.remove(key) == null) {
                out.onError(
                        Status.NOT_FOUND.withDescription("pod: not registered").asRuntimeException());
                return;
            }
            out.onNext(DeregisterEndpointResponse.getDefaultInstance());
            out.onCompleted();
        }

        @Override
        public void markEndpointTerminating(
                dev.tendril.api.v1.MarkEndpointTerminatingRequest r, StreamObserver<Endpoint> out) {
            String key = r.getNamespace() + "/" + r.getPod();
            Endpoint registered = endpoints.computeIfPresent(
                    key,
                    (k, e) -> r.getUid().isEmpty() || r.getUid().equals(e.getUid())
                            ? e.toBuilder().setTerminating(true).build()
                            : e);
            if (registered == null || !registered.getTerminating()) {
                out.onError(
                        Status.NOT_FOUND.withDescription("pod: not registered").asRuntimeException());
                return;
            }
            out.onNext(registered);
            out.onCompleted();
        }

        @Override
        public void listEndpoints(ListEndpointsRequest r, StreamObserver<ListEndpointsResponse> out) {
            out.onNext(ListEndpointsResponse.newBuilder()
                    .addAllEndpoints(endpoints.values())
                    .build());
            out.onCompleted();
        }
    }
}
