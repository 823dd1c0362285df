package dev.tendril.cli.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.cli.FakeService;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Stack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServiceClientTest {

    /** A loopback port nothing listens on (bound once, then closed). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void sendsToTheSecondReplicaWhenNothingListensAtTheFirst() throws IOException {
        try (FakeService second = new FakeService(r -> FakeService.Response.ok("[]"))) {
            Stack stack = new Stack(
                    Optional.empty(),
                    List.of(Component.service("policy", closedPort()), Component.service("policy-2", second.port())));

            ServiceClient.of(stack, "policy").get("/v1/policies", Map.of("namespace", "demo"));
            ServiceClient.of(stack, "policy").put("/v1/policies", Map.of(), "kind: List", "application/yaml");

            assertThat(second.requests())
                    .extracting(FakeService.Request::toString)
                    .containsExactly("GET /v1/policies?namespace=demo", "PUT /v1/policies");
            assertThat(second.requests().get(1).body()).isEqualTo("kind: List");
        }
    }

    @Test
    void talksToTheFirstReplicaWhileItAnswersAndNamesItWhenNoneDoes() throws IOException {
        try (FakeService first = new FakeService(r -> FakeService.Response.ok("{}"));
                FakeService second = new FakeService(r -> FakeService.Response.ok("{}"))) {
            Stack stack = new Stack(
                    Optional.empty(),
                    List.of(Component.service("policy", first.port()), Component.service("policy-2", second.port())));
            ServiceClient.of(stack, "policy").get("/v1/selectors", Map.of());
            assertThat(first.requests()).hasSize(1);
            assertThat(second.requests()).isEmpty();
        }
        int port = closedPort();
        Stack alone = new Stack(Optional.empty(), List.of(Component.service("policy", port)));
        assertThatThrownBy(() -> ServiceClient.of(alone, "policy").get("/v1/selectors", Map.of()))
                .hasMessage("policy service not reachable at http://127.0.0.1:" + port
                        + " (is the stack up? ./tendril up)");
    }
}
