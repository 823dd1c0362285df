package dev.tendril.agent.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.agent.AgentConfig;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.rest.security.ComponentTls;
import dev.tendril.security.ClientTls;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent's client of the policy service's {@code GetPolicyMaps} over real gRPC, with {@code tendril.agent.policy-url}
 * listing two replicas (the launcher's {@code --replicas 2}): a replica that is down is passed over by the next call,
 * which the fetcher's retry makes, and the client goes back to the first when the second goes away.
 */
class PolicyMapsClientTest {

    private static final SubjectPolicyMap MAP =
            SubjectPolicyMap.newBuilder().setSubject(4242).setRevision(3).build();

    @Test
    void aCallThatFindsAReplicaDownMovesTheNextCallToTheOtherReplica() throws Exception {
        PolicyMapsServer first = new PolicyMapsServer(freePort());
        PolicyMapsServer second = new PolicyMapsServer(freePort());
        first.put(MAP);
        second.put(MAP);
        second.start();
        PolicyMapsClient client = client("127.0.0.1:" + first.port() + ", 127.0.0.1:" + second.port());
        try {
            assertThatThrownBy(() -> client.getPolicyMaps(List.of(4242L)))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertThat(
                                    ((StatusRuntimeException) e).getStatus().getCode())
                            .isEqualTo(Status.Code.UNAVAILABLE));

            GetPolicyMapsResponse answer = client.getPolicyMaps(List.of(4242L));
            assertThat(answer.getMapsList()).containsExactly(MAP);
            assertThat(second.timesAsked(4242)).isEqualTo(1);

            // The second replica goes away and the first comes up: after one failed call, back to the first.
            second.stop();
            first.start();
            assertThatThrownBy(() -> client.getPolicyMaps(List.of(4242L))).isInstanceOf(StatusRuntimeException.class);
            assertThat(client.getPolicyMaps(List.of(4242L)).getMapsList()).containsExactly(MAP);
            assertThat(first.timesAsked(4242)).isEqualTo(1);
        } finally {
            client.close();
            first.stop();
            second.stop();
        }
    }

    @Test
    void listsTheReplicasOfThePolicyUrlInOrder() {
        assertThat(PolicyMapsClient.replicas("localhost:8083")).containsExactly("localhost:8083");
        assertThat(PolicyMapsClient.replicas("a:8083, b:8183,")).containsExactly("a:8083", "b:8183");
    }

    private static int freePort() {
        return dev.tendril.testing.FreePorts.pick();
    }

    /** The client as CDI would make it, with only what it reads of the agent's configuration, in plaintext. */
    private static PolicyMapsClient client(String policyUrl) {
        AgentConfig config = (AgentConfig) Proxy.newProxyInstance(
                AgentConfig.class.getClassLoader(),
                new Class<?>[] {AgentConfig.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "policyUrl" -> policyUrl;
                    case "callTimeout" -> Duration.ofSeconds(5);
                    case "nodeName" -> "node-test";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        ComponentTls plaintext = new ComponentTls() {
            @Override
            public synchronized ClientTls client() {
                return ClientTls.PLAINTEXT;
            }
        };
        return new PolicyMapsClient(config, plaintext);
    }
}
