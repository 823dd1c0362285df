package dev.tendril.agent.adapters;

import dev.tendril.api.v1.GetPolicyMapsRequest;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.api.v1.PolicyMapsGrpc;
import dev.tendril.api.v1.SubjectPolicyMap;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The policy service's published contract, {@code PolicyMaps.GetPolicyMaps}, over real gRPC on a port of its own:
 * answers from the maps a test puts here (absent for the others) and records every subject it was asked for. A test
 * may stop and start it (the service down and back), or {@link #hold} its answers until {@link #release}.
 */
public final class PolicyMapsServer {

    private final int port;
    private final Map<Integer, SubjectPolicyMap> maps = new ConcurrentHashMap<>();
    private final Queue<Integer> asked = new ConcurrentLinkedQueue<>();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private Server server;

    /** Started on a port the system picked free (the scale benchmark's and churn guard's policy service). */
    public static PolicyMapsServer onFreePort() throws IOException {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        PolicyMapsServer server = new PolicyMapsServer(port);
        server.start();
        return server;
    }

    PolicyMapsServer(int port) {
        this.port = port;
    }

    public int port() {
        return port;
    }

    public void put(SubjectPolicyMap map) {
        maps.put(map.getSubject(), map);
    }

    List<Integer> asked() {
        return List.copyOf(asked);
    }

    int timesAsked(int subject) {
        return (int) asked.stream().filter(s -> s == subject).count();
    }

    /** Calls wait (asked, not answered) until {@link #release}. */
    void hold() {
        gate = new CountDownLatch(1);
    }

    void release() {
        gate.countDown();
    }

    synchronized void start() throws IOException {
        server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(new PolicyMapsGrpc.PolicyMapsImplBase() {
                    @Override
                    public void getPolicyMaps(GetPolicyMapsRequest request, StreamObserver<GetPolicyMapsResponse> out) {
                        request.getSubjectsList().forEach(asked::add);
                        try {
                            gate.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        GetPolicyMapsResponse.Builder answer = GetPolicyMapsResponse.newBuilder();
                        for (int subject : request.getSubjectsList()) {
                            SubjectPolicyMap m = maps.get(subject);
                            if (m == null) {
                                answer.addAbsent(subject);
                            } else {
                                answer.addMaps(m);
                            }
                        }
                        out.onNext(answer.build());
                        out.onCompleted();
                    }
                })
                .build()
                .start();
    }

    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A client of this server as the consumer takes it outside CDI (plaintext, a deadline per call). */
    PolicyFetcher.Source client(ManagedChannel channel) {
        return subjects -> PolicyMapsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .getPolicyMaps(GetPolicyMapsRequest.newBuilder()
                        .addAllSubjects(subjects.stream().map(Long::intValue).toList())
                        .build());
    }
}
