package dev.tendril.flows.adapters.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/trace} on the flows service (the service map page's trace) hands the request to the policy
 * service and its answer back as they are: here a stand-in for the policy service's {@code /v1/trace} (the real
 * chain, page to flows to policy with TLS, is in the deploy module's walkthrough) that answers with what it was sent,
 * refuses a pod named {@code gone} as the policy service refuses an unknown pod, and hangs up on {@code hang-up}.
 */
@QuarkusTest
@TestProfile(TraceForwardTest.WithPolicyStandIn.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class TraceForwardTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static class WithPolicyStandIn implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PolicyStandIn.class));
        }
    }

    /** Answers {@code POST /v1/trace} as the policy service would, echoing what it received. */
    public static class PolicyStandIn implements QuarkusTestResourceLifecycleManager {
        private HttpServer server;

        @Override
        public Map<String, String> start() {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/v1/trace", PolicyStandIn::answer);
            server.start();
            // Two replicas, as with --replicas 2: the first is down (a port nothing listens on any more).
            int down;
            try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
                down = closed.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return Map.of(
                    "tendril.flows.policy-url",
                    "http://127.0.0.1:" + down + "/,http://127.0.0.1:"
                            + server.getAddress().getPort() + "/");
        }

        private static void answer(HttpExchange exchange) throws IOException {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (body.contains("\"hang-up\"")) {
                exchange.close();
                return;
            }
            if (body.contains("\"not-ready\"")) {
                byte[] problem = "{\"status\":503,\"title\":\"Service Unavailable\",\"detail\":\"not caught up\"}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
                exchange.sendResponseHeaders(503, problem.length);
                exchange.getResponseBody().write(problem);
                exchange.close();
                return;
            }
            boolean gone = body.contains("\"gone\"");
            String answer = gone
                    ? "{\"status\":404,\"title\":\"Not Found\",\"detail\":\"no endpoint demo/gone\",\"field\":\"from.pod\"}"
                    : "{\"verdict\":\"DROPPED\",\"method\":\"" + exchange.getRequestMethod() + "\",\"contentType\":\""
                            + exchange.getRequestHeaders().getFirst("Content-Type") + "\",\"received\":" + body + "}";
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", gone ? "application/problem+json" : "application/json");
            exchange.sendResponseHeaders(gone ? 404 : 200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        }

        @Override
        public void stop() {
            if (server != null) {
                server.stop(0);
            }
        }
    }

    private static HttpResponse<String> trace(String body) throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/trace"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The first configured replica is down throughout: every answer here came from the second. */
    @Test
    void theRequestReachesThePolicyServiceAsSentAndItsAnswerComesBack() throws Exception {
        String request = "{\"from\":{\"namespace\":\"demo\",\"pod\":\"frontend\"},"
                + "\"to\":{\"namespace\":\"demo\",\"pod\":\"database\"},\"port\":80,\"protocol\":\"TCP\"}";

        HttpResponse<String> answer = trace(request);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.path("verdict").asText()).isEqualTo("DROPPED");
        assertThat(body.path("method").asText()).isEqualTo("POST");
        assertThat(body.path("contentType").asText()).isEqualTo("application/json");
        assertThat(body.path("received")).isEqualTo(JSON.readTree(request));
    }

    @Test
    void aRefusalOfThePolicyServiceComesBackWithItsStatusAndProblem() throws Exception {
        HttpResponse<String> answer =
                trace("{\"from\":{\"namespace\":\"demo\",\"pod\":\"gone\"},\"to\":{\"identity\":2},\"port\":80}");

        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(JSON.readTree(answer.body()).path("field").asText()).isEqualTo("from.pod");
    }

    @Test
    void aPolicyServiceThatHangsUpIsABadGatewayNamingIt() throws Exception {
        HttpResponse<String> answer =
                trace("{\"from\":{\"namespace\":\"demo\",\"pod\":\"hang-up\"},\"to\":{\"identity\":2},\"port\":80}");

        assertThat(answer.statusCode()).isEqualTo(502);
        String detail = JSON.readTree(answer.body()).path("detail").asText();
        assertThat(detail).startsWith("no policy service answered: http://127.0.0.1:");
        assertThat(detail.split("/v1/trace: "))
                .as("both replicas named, each with its reason")
                .hasSize(3);
    }

    @Test
    void aPolicyServiceThatIsNotReadyAnswers503AsItSaidIt() throws Exception {
        HttpResponse<String> answer =
                trace("{\"from\":{\"namespace\":\"demo\",\"pod\":\"not-ready\"},\"to\":{\"identity\":2},\"port\":80}");

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(JSON.readTree(answer.body()).path("detail").asText()).isEqualTo("not caught up");
    }

    @Test
    void whatIsPlainlyNotATraceRequestIsRefusedHereNamingTheFieldAndNotSentOn() throws Exception {
        HttpResponse<String> notJson = trace("\"a\"");
        HttpResponse<String> noTo = trace("{\"from\":{\"identity\":2},\"port\":80}");
        HttpResponse<String> textPort = trace("{\"from\":{\"identity\":2},\"to\":{\"identity\":1},\"port\":\"80\"}");

        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(notJson.body()).path("field").asText()).isEqualTo("body");
        assertThat(noTo.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noTo.body()).path("field").asText()).isEqualTo("to");
        assertThat(textPort.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(textPort.body()).path("field").asText()).isEqualTo("port");
        // None reached the policy service: its answer would be a 200 echoing the request.
        assertThat(List.of(notJson.body(), noTo.body(), textPort.body())).noneMatch(b -> b.contains("received"));
    }

    @Test
    void anEmptyOrOversizedBodyIsRefusedHereNamingTheBody() throws Exception {
        HttpResponse<String> empty = trace("");
        HttpResponse<String> huge = trace("{\"pad\":\"" + "x".repeat(TraceForwardResource.MAX_BODY) + "\"}");

        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(empty.body()).path("field").asText()).isEqualTo("body");
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(huge.body()).path("detail").asText()).contains("at most 16384 bytes");
    }
}
