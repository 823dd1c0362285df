package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.api.v1.GetPolicyMapsRequest;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.api.v1.PolicyMapsGrpc;
import dev.tendril.rest.security.ComponentTls;
import dev.tendril.security.ClientTls;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The policy service's {@code PolicyMaps} gRPC API ({@code tendril.agent.policy-url}), which the state consumer asks
 * for the maps of its local endpoints' identities. The channel opens lazily (the agent starts while the service is
 * down) and is made again after a certificate rotation, as {@link GrpcClients}' are; every call has the
 * {@code call-timeout} deadline and a request id of its own ({@code x-request-id}), for the service's logs.
 *
 * <p>{@code policy-url} may list the service's replicas, comma-separated: every replica answers from its own reading
 * of tendril.policy, so a call that finds one down, silent or not caught up (UNAVAILABLE, DEADLINE_EXCEEDED) moves
 * the next call to the next replica; the fetcher's retry makes that call.
 */
@ApplicationScoped
public class PolicyMapsClient implements PolicyFetcher.Source {

    @Inject
    AgentConfig config;

    @Inject
    ComponentTls componentTls;

    private ManagedChannel channel;
    private long generation;
    // Which of the listed replicas the channel is to.
    private int replica;

    public PolicyMapsClient() {}

    /** Outside CDI (tests): {@code config}'s policy-url, call-timeout and node name, {@code tls}'s credentials. */
    PolicyMapsClient(AgentConfig config, ComponentTls tls) {
        this.config = config;
        this.componentTls = tls;
    }

    /** The replicas {@code tendril.agent.policy-url} lists, in order. */
    static List<String> replicas(String policyUrl) {
        return Arrays.stream(policyUrl.split(","))
                .map(String::strip)
                .filter(u -> !u.isEmpty())
                .toList();
    }

    private synchronized PolicyMapsGrpc.PolicyMapsBlockingStub stub() {
        ClientTls tls = componentTls.client();
        long now = tls.enabled() ? tls.generation() : 0;
        if (channel == null || now != generation) {
            if (channel != null) {
                // Calls in flight finish on the old credentials; new ones use the rotated ones.
                channel.shutdown();
            }
            List<String> all = replicas(config.policyUrl());
            channel = GrpcClients.channel(all.get(replica % all.size()), tls);
            generation = now;
        }
        return PolicyMapsGrpc.newBlockingStub(channel)
                .withInterceptors(RequestIds.FORWARD)
                .withDeadlineAfter(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @throws io.grpc.StatusRuntimeException when the call fails (the service down, its replica not caught up) */
    @Override
    public GetPolicyMapsResponse getPolicyMaps(List<Long> subjects) {
        GetPolicyMapsRequest.Builder request = GetPolicyMapsRequest.newBuilder();
        subjects.forEach(s -> request.addSubjects(s.intValue()));
        try {
            return RequestIds.forwarding(
                    "agent-" + config.nodeName() + "-policy-" + UUID.randomUUID(),
                    () -> stub().getPolicyMaps(request.build()));
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                nextReplica();
            }
            throw e;
        }
    }

    /**
     * The next call goes to the next listed replica; with one replica, to the same one at once. The fetcher's own
     * backoff (at most a few seconds) paces the retries: the channel's reconnect backoff, which grows to two minutes,
     * would otherwise leave a policy service that came back unasked for that long.
     */
    private synchronized void nextReplica() {
        if (channel == null) {
            return;
        }
        if (replicas(config.policyUrl()).size() > 1) {
            replica++;
            channel.shutdownNow();
            channel = null;
        } else {
            channel.resetConnectBackoff();
        }
    }

    @PreDestroy
    synchronized void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}
